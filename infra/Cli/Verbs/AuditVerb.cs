using System.CommandLine;
using DatabricksAccess.Adoption;
using DatabricksAccess.Live;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>
/// <c>audit</c>: reads the live workspace (and account) read-only and reports every access the stack does not
/// declare. Exit codes: 0 no findings, 1 findings, 2 cannot audit (invalid config, a failed call, no token).
/// </summary>
internal sealed class AuditVerb : Verb
{
    public const string HostKey = "databricks:host";

    private readonly Option<bool> _workspaceOnly = new("--workspace-only")
    {
        Description = "audit: read only the workspace, with a workspace admin's credential and no account role (the scheduled audit): workspace assignments through the workspace's API; account roles are not read",
    };

    public AuditVerb(CliOptions options) =>
        Command = new Command("audit", "Read the live workspace and account (GET only) and report every access the stack does not declare")
        {
            options.Stack, options.File, options.Now, options.Format, options.AllowHost, _workspaceOnly,
        };

    public override Command Command { get; }

    public override ExitCode Run(CliContext context)
    {
        var stackFile = context.LoadStack();
        var environment = context.LiveEnvironment() with { WorkspaceOnly = context.Value(_workspaceOnly) };
        return Audit(stackFile, TopologyEvaluator.Evaluate(stackFile.ToInput(), context.Now, stackFile.Findings), context.Format, context.Out, context.Err, environment);
    }

    private static ExitCode Audit(StackFile stack, EvaluationResult result, OutputFormat format, TextWriter stdout, TextWriter stderr, AuditEnvironment environment)
    {
        if (!result.IsValid)
        {
            foreach (var d in result.Errors)
            {
                stderr.WriteLine(d.ToString());
            }

            return ExitCode.Invalid;
        }

        var host = WorkspaceHost(stack);
        if (!LiveTarget.TryParseHost(host, environment.AllowedHosts, out var workspace, out var hostError))
        {
            stderr.WriteLine(host is null
                ? $"{stack.FilePath}: {HostKey} is not set; the audit reads the workspace there"
                : $"{stack.FilePath}: {HostKey}: '{Live.Escape.Line(host)}' {hostError}");
            return ExitCode.Invalid;
        }

        AccountTarget? account = null;
        if (result.Model.Account is { } a && !environment.WorkspaceOnly)
        {
            if (!LiveTarget.TryParseHost(a.Host, environment.AllowedHosts, out var accountHost, out var accountError))
            {
                stderr.WriteLine($"{stack.FilePath}: databricks-access:account.host: '{Live.Escape.Line(a.Host)}' {accountError}");
                return ExitCode.Invalid;
            }

            account = new AccountTarget(accountHost, a.Id, a.WorkspaceId);
        }

        var declaration = AuditDeclarations.From(result);
        var progress = environment.Progress;
        var options = environment.Client with
        {
            Progress = progress ? call => stderr.Write($"\raudit: {Live.Escape.Line(call)}\u001b[K") : environment.Client.Progress,
        };
        var handler = environment.Handler ?? new SocketsHttpHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler, disposeHandler: environment.Handler is null) { Timeout = Timeout.InfiniteTimeSpan };
        AuditReport report;
        try
        {
            // Each host's credential is settled before any call to Databricks (only the token POSTs are not GETs).
            var target = new LiveTarget(workspace, account) { WorkspaceOnly = environment.WorkspaceOnly && result.Model.Account is not null };
            var (credentials, _, _) = TokenSources.ResolveAsync(environment.Variables, environment.AzureTokens, http, environment.Client,
                environment.Clock, target, CancellationToken.None).GetAwaiter().GetResult();
            var client = new DatabricksClient(http, credentials, options);
            report = Auditor.RunAsync(declaration, target, client, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (AuditException ex)
        {
            EndProgress(stderr, progress);
            stderr.WriteLine($"audit: {Live.Escape.Line(ex.Message)}");
            return ExitCode.Invalid;
        }

        EndProgress(stderr, progress);
        var live = format switch
        {
            OutputFormat.Json => AuditFormat.Json,
            OutputFormat.Markdown => AuditFormat.Markdown,
            _ => AuditFormat.Text,
        };
        AuditOutput.Write(stdout, live, new AuditHeader(stack.FilePath, result.Model.Now, workspace, account?.Host), report);
        return report.Findings.Count == 0 ? ExitCode.Clean : ExitCode.Findings;
    }

    private static void EndProgress(TextWriter stderr, bool progress)
    {
        if (progress)
        {
            stderr.Write("\r\u001b[K");
        }
    }

    /// <summary>The provider's <c>databricks:host</c>, which the model does not hold: read from the stack file itself.</summary>
    internal static string? WorkspaceHost(StackFile stack)
    {
        var root = YamlConfig.Parse(SourceText.Read(stack.FilePath, "the stack file"), stack.FilePath) as ConfigMap;
        return root?["config"] is ConfigMap config && config[HostKey] is ConfigScalar { Value: { Length: > 0 } host } ? host : null;
    }
}
