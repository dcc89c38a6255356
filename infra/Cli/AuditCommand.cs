using DatabricksAccess.Adoption;
using DatabricksAccess.Live;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;

namespace DatabricksAccess.Cli;

/// <summary>What the audit takes from its surroundings; tests give a loopback handler, short timeouts and a token.</summary>
public sealed record AuditEnvironment
{
    public static AuditEnvironment Default { get; } = new();

    /// <summary>Environment variables (<c>DATABRICKS_CLIENT_ID</c>, <c>DATABRICKS_CLIENT_SECRET</c>, <c>DATABRICKS_TOKEN</c>).</summary>
    public Func<string, string?> Variables { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The HTTP handler; null: a new one that follows no redirects.</summary>
    public HttpMessageHandler? Handler { get; init; }

    public ClientOptions Client { get; init; } = new();

    /// <summary>Write a progress line to stderr (when stderr is a terminal).</summary>
    public bool Progress { get; init; }

    /// <summary>The Microsoft Entra token source, tried when no OAuth client is set (before DATABRICKS_TOKEN).</summary>
    public Func<ITokenSource> AzureTokens { get; init; } = AzureTokenSource.Default;

    /// <summary>The clock OAuth tokens expire by.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Hosts beyond Azure Databricks' own (and loopback) that may receive the credential (<c>--allow-host</c>); empty:
    /// none (<see cref="LiveTarget.TryParseHost(string?, IReadOnlyCollection{string}, out Uri, out string)"/>).
    /// </summary>
    public IReadOnlyCollection<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// <c>--workspace-only</c>: no call to the account host, even for a stack with an account (the scheduled audit,
    /// whose identity holds no account role; <see cref="LiveTarget.WorkspaceOnly"/>).
    /// </summary>
    public bool WorkspaceOnly { get; init; }
}

/// <summary>
/// <c>audit</c>: reads the live workspace (and account) read-only and reports every access the stack does not
/// declare. Exit codes: 0 no findings, 1 findings, 2 cannot audit (invalid config, a failed call, no token).
/// </summary>
internal static class AuditCommand
{
    public const string HostKey = "databricks:host";

    public static int Run(StackFile stack, EvaluationResult result, OutputFormat format, TextWriter stdout, TextWriter stderr, AuditEnvironment environment)
    {
        if (!result.IsValid)
        {
            foreach (var d in result.Errors)
            {
                stderr.WriteLine(d.ToString());
            }

            return 2;
        }

        var host = WorkspaceHost(stack);
        if (!LiveTarget.TryParseHost(host, environment.AllowedHosts, out var workspace, out var hostError))
        {
            stderr.WriteLine(host is null
                ? $"{stack.FilePath}: {HostKey} is not set; the audit reads the workspace there"
                : $"{stack.FilePath}: {HostKey}: '{Live.Escape.Line(host)}' {hostError}");
            return 2;
        }

        AccountTarget? account = null;
        if (result.Model.Account is { } a && !environment.WorkspaceOnly)
        {
            if (!LiveTarget.TryParseHost(a.Host, environment.AllowedHosts, out var accountHost, out var accountError))
            {
                stderr.WriteLine($"{stack.FilePath}: databricks-access:account.host: '{Live.Escape.Line(a.Host)}' {accountError}");
                return 2;
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
            return 2;
        }

        EndProgress(stderr, progress);
        var live = format switch
        {
            OutputFormat.Json => AuditFormat.Json,
            OutputFormat.Markdown => AuditFormat.Markdown,
            _ => AuditFormat.Text,
        };
        AuditOutput.Write(stdout, live, new AuditHeader(stack.FilePath, result.Model.Now, workspace, account?.Host), report);
        return report.Findings.Count == 0 ? 0 : 1;
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
