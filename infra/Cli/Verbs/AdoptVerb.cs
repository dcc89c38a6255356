using System.CommandLine;
using System.Text.Json;
using DatabricksAccess.Adoption;
using DatabricksAccess.Live;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using LiveEscape = DatabricksAccess.Live.Escape;
using Severity = DatabricksAccess.Topology.Model.Severity;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>The options of <c>adopt</c> beyond those it shares with <c>audit</c>.</summary>
internal sealed record AdoptOptions(string Out, string? Groups, string? Scopes, string? Securables, bool Deep = false);

/// <summary>
/// <c>adopt</c>: reads the live workspace (and account) with GET only, as <c>audit</c> does, and writes a complete
/// stack file: the input as it was, plus the adopted groups, service principals, secret scopes, grants and jobs in the
/// model's own keys, and <c>topology.imports</c> with each adopted resource's provider import id. Policy is never
/// edited. Exit codes: 0 written and clean, 1 written with policy violations to decide on, 2 cannot adopt (nothing
/// written), 3 written, with objects skipped that the model cannot hold (each named with its reason).
/// </summary>
internal sealed class AdoptVerb : Verb
{
    private readonly Option<string?> _out = new("--out") { Description = "adopt: the stack file to write" };
    private readonly Option<string?> _groups = new("--groups") { Description = "adopt: group names, comma-separated (* all, the default)" };
    private readonly Option<string?> _scopes = new("--scopes") { Description = "adopt: secret scope names, comma-separated (* all, the default)" };
    private readonly Option<string?> _securables = new("--securables") { Description = "adopt: more securables to adopt grants on, comma-separated <kind>:<name> (the metastore, catalogs and schemas are always read)" };
    private readonly Option<bool> _deep = new("--deep") { Description = "adopt: also read the grants of every table, volume and function" };

    public AdoptVerb(CliOptions options) =>
        Command = new Command("adopt", "Read the live workspace and account (GET only) and write a stack file that declares them, with import ids")
        {
            options.Stack, options.File, _out, _groups, _scopes, _securables, _deep, options.Now, options.Format, options.AllowHost,
        };

    public override Command Command { get; }

    public override ExitCode Run(CliContext context)
    {
        var stackFile = context.LoadStack();
        var environment = context.LiveEnvironment();
        var adopt = new AdoptOptions(context.Value(_out) ?? throw new ConfigLoadException("usage: adopt needs --out PATH"),
            context.Value(_groups), context.Value(_scopes), context.Value(_securables), context.Value(_deep));
        return Adopt(stackFile, context.Now, adopt, context.Format, context.Out, context.Err, environment, context.Cwd);
    }

    private static ExitCode Adopt(StackFile stack, DateTimeOffset instant, AdoptOptions adopt, OutputFormat format, TextWriter stdout, TextWriter stderr,
        AuditEnvironment environment, string cwd)
    {
        // A skeleton without databricks-access:topology (hosts, account, deployer only) is where adoption starts.
        var text = SourceText.Read(stack.FilePath, "the stack file");
        if (stack.Topology is null)
        {
            text = StackText.EnsureTopology(text, stack.FilePath);
            stack = StackFile.Parse(text, stack.FilePath);
        }

        var result = TopologyEvaluator.Evaluate(stack.ToInput(), instant, stack.Findings);
        if (!result.IsValid)
        {
            foreach (var d in result.Errors)
            {
                stderr.WriteLine(d.ToString());
            }

            return ExitCode.Invalid;
        }

        var errors = new List<string>();
        var host = AuditVerb.WorkspaceHost(stack);
        if (!LiveTarget.TryParseHost(host, environment.AllowedHosts, out var workspace, out var hostError))
        {
            errors.Add(host is null
                ? $"{stack.FilePath}: {AuditVerb.HostKey} is not set; adopt reads the workspace there"
                : $"{stack.FilePath}: {AuditVerb.HostKey}: '{LiveEscape.Line(host)}' {hostError}");
        }

        AccountTarget? account = null;
        if (result.Model.Account is { } a)
        {
            if (!LiveTarget.TryParseHost(a.Host, environment.AllowedHosts, out var accountHost, out var accountError))
            {
                errors.Add($"{stack.FilePath}: databricks-access:account.host: '{LiveEscape.Line(a.Host)}' {accountError}");
            }
            else
            {
                account = new AccountTarget(accountHost, a.Id, a.WorkspaceId);
            }
        }

        // --out is checked before any call: a path that cannot be written fails now, not after the whole live read.
        var outPath = Path.GetFullPath(adopt.Out, cwd);
        if (OutProblem(outPath) is { } outError)
        {
            errors.Add($"usage: --out: '{LiveEscape.Line(adopt.Out)}' {outError}");
        }

        var groups = List(adopt.Groups, "--groups", errors, all: true);
        var scopes = List(adopt.Scopes, "--scopes", errors, all: true);
        var securables = Securables(adopt.Securables, errors);
        if (errors.Count > 0)
        {
            errors.ForEach(stderr.WriteLine);
            return ExitCode.Invalid;
        }

        var handler = environment.Handler ?? new SocketsHttpHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler, disposeHandler: environment.Handler is null) { Timeout = Timeout.InfiniteTimeSpan };
        Estate estate;
        try
        {
            // Each host's credential is settled as for audit (only the OAuth token requests are not GETs).
            var target = new LiveTarget(workspace, account);
            var (credentials, _, _) = TokenSources.ResolveAsync(environment.Variables, environment.AzureTokens, http, environment.Client,
                environment.Clock, target, CancellationToken.None).GetAwaiter().GetResult();
            var client = new DatabricksClient(http, credentials, environment.Client);
            var selection = new EstateSelection(groups, scopes, securables.Select(s => (Live(s.Kind), s.Name)).ToList(), adopt.Deep);
            estate = new EstateReader(client).ReadAsync(target, selection, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (AuditException ex)
        {
            stderr.WriteLine($"adopt: {LiveEscape.Line(ex.Message)}");
            return ExitCode.Invalid;
        }

        var stamp = AuditOutput.Stamp(result.Model.Now);
        var adopted = AdoptedStack.Compose(text, stack, result.Model, estate, account?.WorkspaceId ?? "0", securables.Select(s => (Live(s.Kind), s.Name)).ToHashSet(), outPath,
            $"{workspace}{(account is null ? string.Empty : $" and account {account.AccountId}")}");
        if (adopted.Errors.Count > 0)
        {
            foreach (var e in adopted.Errors)
            {
                stderr.WriteLine(Escape.Text($"{outPath}: {e}"));
            }

            stderr.WriteLine("adopt: the adopted file would not be valid; nothing written");
            return ExitCode.Invalid;
        }

        var (merged, adopter, final) = (adopted.Text, adopted.Adopter, adopted.Final);
        File.WriteAllText(outPath, merged);
        var code = adopter.Report.NotAdopted.Count > 0 ? ExitCode.Skipped : ExitCodes.Of(final);
        Write(stdout, format, outPath, workspace, stamp, adopter.Report, final, code);
        return code;
    }

    /// <summary>Why <paramref name="path"/> cannot be written, or null: its folder must exist and it must not be a folder.</summary>
    private static string? OutProblem(string path)
    {
        if (Directory.Exists(path))
        {
            return "is a folder; give a file path";
        }

        var folder = Path.GetDirectoryName(path);
        if (folder is null || !Directory.Exists(folder))
        {
            return $"cannot be written: the folder {LiveEscape.Line(folder ?? path)} does not exist";
        }

        var existed = File.Exists(path);
        try
        {
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
            {
            }

            if (!existed)
            {
                File.Delete(path);
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot be written: {LiveEscape.Line(ex.Message)}";
        }
    }

    private static string Live(SecurableKind kind) => Securable.Prefix(kind);

    private static HashSet<string>? List(string? text, string option, List<string> errors, bool all)
    {
        if (text is null || text.Trim() == "*")
        {
            return all ? null : [];
        }

        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (items.Count == 0 || items.Contains("*"))
        {
            errors.Add($"usage: {option}: '{LiveEscape.Line(text)}' is a comma-separated list of names, or * for all");
        }

        return items;
    }

    private static List<Securable> Securables(string? text, List<string> errors)
    {
        var result = new List<Securable>();
        if (text is null)
        {
            return result;
        }

        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            var parts = colon < 0 ? 0 : item[(colon + 1)..].Split('.').Length;
            if (colon < 0 || !Vocabulary.SecurableKinds.TryGetValue(item[..colon], out var kind) || kind == SecurableKind.Metastore
                || parts != Vocabulary.NameParts(kind) || !item[(colon + 1)..].Split('.').All(Names.IsCatalogNamePart))
            {
                errors.Add($"usage: --securables: '{LiveEscape.Line(item)}' is not <kind>:<full name> (catalog, schema, table, volume, function, external_location, storage_credential; * is not supported: name each)");
                continue;
            }

            var name = item[(colon + 1)..];
            result.Add(new Securable(kind, kind is SecurableKind.ExternalLocation or SecurableKind.StorageCredential ? name : name.ToLowerInvariant()));
        }

        return result;
    }

    private static void Write(TextWriter @out, OutputFormat format, string outPath, Uri workspace, string stamp, AdoptionReport r, EvaluationResult final, ExitCode code)
    {
        var violations = final.Diagnostics.Where(d => d.Severity == Severity.Violation).ToList();
        if (format == OutputFormat.Json)
        {
            @out.WriteLine(JsonSerializer.Serialize(new AdoptJson(outPath, workspace.ToString(), stamp, (int)code,
                new AdoptedJson(r.Groups, r.EntraGroups, r.Members, r.ServicePrincipals, r.Scopes, r.Acls, r.Grants, r.Jobs, r.JobPermissions, r.Users),
                r.Imports, r.AlreadyDeclared, r.GrantsRead, r.Secrets, r.NotAdopted, r.Notes,
                [.. violations.Select(v => new AdoptViolationJson(v.Path, v.Rule!, v.Message))])));
            return;
        }

        @out.WriteLine($"Adopted {Escape.Text(workspace.ToString())} into {Escape.Text(outPath)} at {stamp}");
        @out.WriteLine($"  {r.Groups} group(s) ({r.EntraGroups} synced from Entra ID), {r.Members} membership(s), {r.ServicePrincipals} service principal(s), {r.Scopes} secret scope(s) with {r.Acls} ACL(s), {r.Grants} grant(s), {r.Jobs} job(s) with {r.JobPermissions} permission(s), {r.Users} directly assigned user(s); {r.Imports} import id(s)");
        @out.WriteLine($"  {r.AlreadyDeclared} object(s) already declared in the input, kept as written");
        @out.WriteLine("Grants read:");
        foreach (var line in r.GrantsRead)
        {
            @out.WriteLine($"  {Escape.Text(line)}");
        }

        @out.WriteLine($"Secrets declared existing: true ({r.Secrets.Count}; values are not readable, the stack never writes or deletes them):");
        foreach (var s in r.Secrets)
        {
            @out.WriteLine($"  {Escape.Text(s)}");
        }

        if (r.Notes.Count > 0)
        {
            @out.WriteLine($"To review ({r.Notes.Count}):");
            foreach (var n in r.Notes)
            {
                @out.WriteLine($"  {Escape.Text(n)}");
            }
        }

        if (r.NotAdopted.Count > 0)
        {
            @out.WriteLine($"Not adopted ({r.NotAdopted.Count}; everything else was, and the audit of the adopted file reports these; exit code 3):");
            foreach (var n in r.NotAdopted)
            {
                @out.WriteLine($"  {Escape.Text(n)}");
            }
        }

        @out.WriteLine(violations.Count == 0
            ? "Policy violations to decide on: none"
            : $"Policy violations to decide on ({violations.Count}; adopt never edits policy: fix each, or add a policy exception, before the first pulumi up):");
        foreach (var v in violations)
        {
            @out.WriteLine($"  {Escape.Text(v.ToString())}");
        }
    }
}
