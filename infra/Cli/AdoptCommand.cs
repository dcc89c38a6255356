using System.Text.Json;
using DatabricksAccess.Cli.Adoption;
using DatabricksAccess.Live;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using LiveEscape = DatabricksAccess.Live.Escape;
using Severity = DatabricksAccess.Topology.Evaluation.Severity;

namespace DatabricksAccess.Cli;

/// <summary>The options of <c>adopt</c> beyond those it shares with <c>audit</c>.</summary>
internal sealed record AdoptOptions(string Out, string? Groups, string? Scopes, string? Securables);

/// <summary>
/// <c>adopt</c>: reads the live workspace (and account) with GET only, as <c>audit</c> does, and writes a complete
/// stack file: the input as it was, plus the adopted groups, service principals, secret scopes and grants in the
/// model's own keys, and <c>topology.imports</c> with each adopted resource's provider import id. Policy is never
/// edited. Exit codes: 0 written and clean, 1 written with policy violations to decide on, 2 cannot adopt.
/// </summary>
internal static class AdoptCommand
{
    public static int Run(StackFile stack, DateTimeOffset instant, AdoptOptions adopt, OutputFormat format, TextWriter stdout, TextWriter stderr,
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

            return 2;
        }

        var errors = new List<string>();
        var host = AuditCommand.WorkspaceHost(stack);
        if (!LiveTarget.TryParseHost(host, environment.AllowedHosts, out var workspace, out var hostError))
        {
            errors.Add(host is null
                ? $"{stack.FilePath}: {AuditCommand.HostKey} is not set; adopt reads the workspace there"
                : $"{stack.FilePath}: {AuditCommand.HostKey}: '{LiveEscape.Line(host)}' {hostError}");
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

        var groups = List(adopt.Groups, "--groups", errors, all: true);
        var scopes = List(adopt.Scopes, "--scopes", errors, all: true);
        var securables = Securables(adopt.Securables, errors);
        if (errors.Count > 0)
        {
            errors.ForEach(stderr.WriteLine);
            return 2;
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
            var selection = new EstateSelection(groups, scopes, securables.Select(s => (Live(s.Kind), s.Name)).ToList());
            estate = new EstateReader(client).ReadAsync(target, selection, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (AuditException ex)
        {
            stderr.WriteLine($"adopt: {LiveEscape.Line(ex.Message)}");
            return 2;
        }

        var now = result.Model.Now;
        var stamp = AuditOutput.Stamp(now);
        var outPath = Path.GetFullPath(adopt.Out, cwd);
        var adopter = new Adopter(result.Model, estate, account?.WorkspaceId ?? "0", stamp);
        var merged = StackText.Merge(text, stack.FilePath, adopter.Build(securables.Select(s => (s, Live(s.Kind), s.Name)).ToList()));

        // Import ids are keyed by the plan's resource names: plan the merged file, then add them.
        var first = TopologyEvaluator.Evaluate(StackFile.Parse(merged, outPath).ToInput(), now);
        if (first.Plan is { } plan)
        {
            var imports = adopter.Imports(plan);
            var lines = new List<string>
            {
                $"# import ids of the objects adopted {stamp} from {workspace}{(account is null ? string.Empty : $" and account {account.AccountId}")}: the first",
                "# pulumi up imports these instead of creating them (formats: terraform-provider-databricks import docs)",
            };
            lines.AddRange(imports.Select(kv => $"{StackText.Scalar(kv.Key)}: {StackText.Scalar(kv.Value)}"));
            merged = StackText.Merge(merged, stack.FilePath, [new StackText.Section("imports", imports.Count == 0 ? [] : lines)]);
        }

        File.WriteAllText(outPath, merged);

        // The summary counts what the written file declares, read back: what any reader of it will act on.
        var final = TopologyEvaluator.Evaluate(StackFile.Parse(File.ReadAllText(outPath), outPath).ToInput(), now);
        var report = adopter.Report;
        Count(report, result.Model, final.Model);
        Write(stdout, format, outPath, workspace, stamp, report, final);
        foreach (var d in final.Errors.Where(d => d.Severity == Severity.Error))
        {
            stderr.WriteLine(Escape.Text($"{outPath}: {d}"));
        }

        return final.ExitCode;
    }

    /// <summary>The adopted counts as the written file declares them: what it declares beyond the input.</summary>
    internal static void Count(AdoptionReport r, TopologyModel before, TopologyModel after)
    {
        var groups = after.Groups.Values.Where(g => !before.Groups.ContainsKey(g.Key)).ToList();
        var sps = after.ServicePrincipals.Keys.Count(k => !before.ServicePrincipals.ContainsKey(k));
        var scopes = after.SecretScopes.Values.Where(s => !before.SecretScopes.ContainsKey(s.Key)).ToList();
        r.Groups = groups.Count(g => !g.IsBuiltIn);
        r.EntraGroups = groups.Count(g => g.Source == IdentitySource.Entra);
        r.Members = groups.Sum(g => g.Members.Count);
        r.ServicePrincipals = sps;
        r.Scopes = scopes.Count;
        r.Acls = scopes.Sum(s => s.Acls.Count);
        r.Grants = after.CatalogGrants.Count - before.CatalogGrants.Count;
        r.Imports = after.ImportIds.Count - before.ImportIds.Count;
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

    private static void Write(TextWriter @out, OutputFormat format, string outPath, Uri workspace, string stamp, AdoptionReport r, EvaluationResult final)
    {
        var violations = final.Diagnostics.Where(d => d.Severity == Severity.Violation).ToList();
        if (format == OutputFormat.Json)
        {
            @out.WriteLine(JsonSerializer.Serialize(new
            {
                @out = outPath,
                workspace = workspace.ToString(),
                now = stamp,
                exitCode = final.ExitCode,
                adopted = new { groups = r.Groups, entraGroups = r.EntraGroups, members = r.Members, servicePrincipals = r.ServicePrincipals, secretScopes = r.Scopes, acls = r.Acls, grants = r.Grants },
                imports = r.Imports,
                alreadyDeclared = r.AlreadyDeclared,
                jobsSkipped = r.Jobs,
                secrets = r.Secrets,
                notAdopted = r.NotAdopted,
                violations = violations.Select(v => new { path = v.Path, rule = v.Rule, message = v.Message }),
            }));
            return;
        }

        @out.WriteLine($"Adopted {Escape.Text(workspace.ToString())} into {Escape.Text(outPath)} at {stamp}");
        @out.WriteLine($"  {r.Groups} group(s) ({r.EntraGroups} synced from Entra ID), {r.Members} membership(s), {r.ServicePrincipals} service principal(s), {r.Scopes} secret scope(s) with {r.Acls} ACL(s), {r.Grants} grant(s); {r.Imports} import id(s)");
        @out.WriteLine($"  {r.AlreadyDeclared} object(s) already declared in the input, kept as written");
        @out.WriteLine($"  {r.Jobs} job(s) skipped: jobs are not adopted (the stack creates its own)");
        @out.WriteLine($"Secrets declared existing: true ({r.Secrets.Count}; values are not readable, the stack never writes or deletes them):");
        foreach (var s in r.Secrets)
        {
            @out.WriteLine($"  {Escape.Text(s)}");
        }

        if (r.NotAdopted.Count > 0)
        {
            @out.WriteLine($"Not adopted ({r.NotAdopted.Count}; the audit of the adopted file reports these):");
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
