using System.CommandLine;
using System.Text;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Cli;

/// <summary>
/// The offline command: <c>check</c>, <c>plan</c> and <c>diff</c> of a stack's access topology. Needs no cloud and
/// no Pulumi CLI. Exit codes: 0 clean, 1 policy violations, 2 invalid config or unreadable input.
/// And <c>audit</c>, the one verb that reads the live workspace (read-only, through DatabricksAccess.Live):
/// 0 no findings, 1 findings, 2 cannot audit.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // The audit's progress line goes to stderr only when a person watches it.
        var audit = AuditEnvironment.Default with { Progress = !Console.IsErrorRedirected };
        if (!Console.IsOutputRedirected)
        {
            return Run(args, Console.Out, Console.Error, TimeProvider.System, Environment.CurrentDirectory, audit);
        }

        // Console.Out flushes after every line: a large plan's access matrix (a line per entry) would cost a write
        // call per line. Redirected output goes through one buffered writer instead, with the same bytes.
        // UTF-8 (the usual console encoding) through UTF8Encoding itself: the same bytes, encoded at half the cost of
        // the console's wrapper, which counts at a large plan's gigabytes.
        var encoding = Console.OutputEncoding.CodePage == Encoding.UTF8.CodePage ? new UTF8Encoding(false) : Console.OutputEncoding;
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), encoding, 1 << 16);
        return Run(args, stdout, Console.Error, TimeProvider.System, Environment.CurrentDirectory, audit);
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock, string cwd) =>
        Run(args, stdout, stderr, clock, cwd, AuditEnvironment.Default);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock, string cwd, AuditEnvironment auditEnvironment)
    {
        var stack = new Option<string?>("--stack") { Description = "Stack name: reads Pulumi.<stack>.yaml beside the Pulumi.yaml found upward" };
        var file = new Option<string?>("--file") { Description = "Path of a stack file to read instead of --stack" };
        var now = new Option<string?>("--now") { Description = "Evaluate at this instant (ISO-8601 with time zone) instead of the clock" };
        var format = FormatOption();
        var baseFile = new Option<string?>("--base") { Description = "diff: the stack file before the change" };
        var headFile = new Option<string?>("--head") { Description = "diff: the stack file after the change" };
        var baseRef = new Option<string?>("--base-ref") { Description = "diff: compare --stack's file with its version at this git revision" };

        var outputs = new Option<string?>("--outputs")
        {
            Description = "The stack's outputs (`pulumi stack output --json`): credential slots continue the last deployment's schedule (its credentialSchedule) instead of the fixed grid, and the resources it imported (importedResources) are not imported again",
        };
        var check = new Command("check", "Validate the topology and its policy") { stack, file, now, format, outputs };
        var plan = new Command("plan", "The resources the program declares, expiring access and the effective access matrix") { stack, file, now, format, outputs };
        var diff = new Command("diff", "Access-level changes between two versions of a stack file, in review language") { stack, baseFile, headFile, baseRef, now, format };
        var allowHost = new Option<string?>("--allow-host")
        {
            Description = "audit, adopt: host names, comma-separated, that may receive the credential besides Azure Databricks' own (*.azuredatabricks.net, *.databricks.azure.us, *.databricks.azure.cn) and loopback",
        };
        var workspaceOnly = new Option<bool>("--workspace-only")
        {
            Description = "audit: read only the workspace, with a workspace admin's credential and no account role (the scheduled audit): workspace assignments through the workspace's API; account roles are not read",
        };
        var audit = new Command("audit", "Read the live workspace and account (GET only) and report every access the stack does not declare") { stack, file, now, format, allowHost, workspaceOnly };
        var outFile = new Option<string?>("--out") { Description = "adopt: the stack file to write" };
        var groupList = new Option<string?>("--groups") { Description = "adopt: group names, comma-separated (* all, the default)" };
        var scopeList = new Option<string?>("--scopes") { Description = "adopt: secret scope names, comma-separated (* all, the default)" };
        var securableList = new Option<string?>("--securables") { Description = "adopt: more securables to adopt grants on, comma-separated <kind>:<name> (the metastore, catalogs and schemas are always read)" };
        var deep = new Option<bool>("--deep") { Description = "adopt: also read the grants of every table, volume and function" };
        var adopt = new Command("adopt", "Read the live workspace and account (GET only) and write a stack file that declares them, with import ids") { stack, file, outFile, groupList, scopeList, securableList, deep, now, format, allowHost };
        var preview = new Option<string?>("--preview") { Description = "guard: the output of `pulumi preview --json` (with --show-replacement-steps, each replacement's order)" };
        var allowUnsafe = new Option<bool>("--allow-unsafe") { Description = "guard: let an intended unsafe migration through (findings become warnings)" };
        var guard = new Command("guard", "Refuse a preview that deletes or replaces what revokes access (Grants, token permissions, protected or shared-principal resources, both credential slots) or replaces a same-id resource create-first without retainOnDelete, or that does more than import what it imports") { stack, file, now, preview, allowUnsafe, outputs };
        var principalOption = new Option<string?>("--principal") { Description = "access: everything this principal holds (user:EMAIL, group:KEY, sp:KEY, webapp:KEY)" };
        var objectOption = new Option<string?>("--object") { Description = $"access: every principal with access to this object ({AccessObject.Forms})" };
        var access = new Command("access", "Who can reach an object, or what a principal reaches, with every path (groups, nested groups, acting as) and its expiry; offline") { stack, file, principalOption, objectOption, now, format };
        var root = new RootCommand("databricks-access topology: offline check, plan, diff and access of a stack's Databricks access; audit of the live workspace") { check, plan, diff, access, audit, guard, adopt };

        // No response files: an argument that starts with '@' is an argument, not a file to read more arguments from.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine(Escape.Text($"usage: {error.Message}"));
            }

            return 2;
        }

        if (parse.CommandResult.Command == root || parse.Action is System.CommandLine.Help.HelpAction)
        {
            // `<verb> --help` prints that verb's options (and exits 0) instead of running it.
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }

        try
        {
            var instant = ParseNow(parse.GetValue(now), clock);
            var fmt = parse.GetValue(format);
            var command = parse.CommandResult.Command;
            if (command == diff)
            {
                return Diff(parse.GetValue(stack), parse.GetValue(baseFile), parse.GetValue(headFile), parse.GetValue(baseRef), instant, fmt, stdout, stderr, cwd);
            }

            var stackFile = Load(parse.GetValue(stack), parse.GetValue(file), cwd);
            if (parse.GetValue(allowHost) is { } allowed)
            {
                auditEnvironment = auditEnvironment with { AllowedHosts = allowed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            }

            var schedule = ReadOutputs(parse.GetValue(outputs), cwd, stderr);
            if (command == adopt)
            {
                var adoptOptions = new AdoptOptions(parse.GetValue(outFile) ?? throw new ConfigLoadException("usage: adopt needs --out PATH"),
                    parse.GetValue(groupList), parse.GetValue(scopeList), parse.GetValue(securableList), parse.GetValue(deep));
                return AdoptCommand.Run(stackFile, instant, adoptOptions, fmt, stdout, stderr, auditEnvironment, cwd);
            }

            if (command == guard)
            {
                return Guard(stackFile, schedule, parse.GetValue(preview), parse.GetValue(allowUnsafe), instant, stderr, cwd);
            }

            if (command == audit)
            {
                return AuditCommand.Run(stackFile, TopologyEvaluator.Evaluate(stackFile.ToInput(), instant, stackFile.Findings), fmt, stdout, stderr,
                    auditEnvironment with { WorkspaceOnly = parse.GetValue(workspaceOnly) });
            }

            if (command == access)
            {
                return Access(stackFile, parse.GetValue(principalOption), parse.GetValue(objectOption), instant, fmt, stdout, stderr);
            }

            var (source, result) = Evaluate(stackFile, instant, schedule);

            // Let go of the config tree before the plan is written: this method runs once, so unoptimised, and such
            // code keeps a local alive to its end (a scale-10 tree held through the plan cost well over 100 MB).
            stackFile = null!;
            Reports.Diagnostics(stderr, result);
            if (command == plan && result.IsValid)
            {
                Reports.Plan(stdout, fmt, source, result);
            }
            else
            {
                Reports.Check(stdout, fmt, source, result);
            }

            return result.ExitCode;
        }
        catch (ConfigLoadException ex)
        {
            stderr.WriteLine(Escape.Text(ex.Message));
            return 2;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect, not an input problem; still one line and no stack trace for the reviewer.
            stderr.WriteLine(Escape.Text($"internal error: {ex.GetType().Name}: {ex.Message}"));
            return 2;
        }
    }

    private static readonly IReadOnlyDictionary<string, OutputFormat> Formats = new Dictionary<string, OutputFormat>(StringComparer.Ordinal)
    {
        ["text"] = OutputFormat.Text,
        ["json"] = OutputFormat.Json,
        ["markdown"] = OutputFormat.Markdown,
    };

    /// <summary><c>--format text|json|markdown</c>: an unknown value names the formats, never a .NET type.</summary>
    private static Option<OutputFormat> FormatOption() => new("--format")
    {
        // No DefaultValueFactory: its help would print the enum member ("[default: Text]"); an absent option is
        // default(OutputFormat), Text.
        Description = "Output format: text (the default), json or markdown",
        HelpName = "text|json|markdown",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            if (Formats.TryGetValue(text.ToLowerInvariant(), out var value))
            {
                return value;
            }

            result.AddError($"--format: '{text}' is not a format; formats: {string.Join(", ", Formats.Keys)}{Suggest.Hint(text, Formats.Keys)}");
            return OutputFormat.Text;
        },
    };

    /// <summary>Evaluates a stack file and lets go of its config tree: only the model and the result stay in memory.</summary>
    private static (string Source, EvaluationResult Result) Evaluate(StackFile stackFile, DateTimeOffset now, LastDeployment? last = null) =>
        (stackFile.FilePath, TopologyEvaluator.Evaluate(stackFile.ToInput() with { CredentialSchedule = last?.Schedule, ImportedResources = last?.Imported }, now, [.. stackFile.Findings, .. AccountGate.Warnings(stackFile)]));

    /// <summary>What <c>--outputs</c> carries over from the last deployment: its credential schedule and the resources it imported.</summary>
    private sealed record LastDeployment(CredentialSchedule Schedule, IReadOnlySet<string> Imported);

    /// <summary>
    /// <c>--outputs PATH</c>: the credential schedule the last deployment recorded, and the resources it imported (their
    /// import ids are retired, <see cref="ImportedResources"/>). An unreadable file is an input error; an unreadable entry
    /// is one warning line, and that credential falls back to the fixed grid.
    /// </summary>
    private static LastDeployment? ReadOutputs(string? path, string cwd, TextWriter stderr)
    {
        if (path is null)
        {
            return null;
        }

        string json;
        try
        {
            json = File.ReadAllText(Path.GetFullPath(path, cwd));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigLoadException($"--outputs: {path}: {ex.Message}");
        }

        var problems = new List<string>();
        var schedule = CredentialSchedule.FromStackOutputs(json, problems);
        var imported = ImportedResources.FromStackOutputs(json, problems);
        foreach (var problem in problems)
        {
            stderr.WriteLine(Escape.Text($"warning: --outputs {path}: {problem}"));
        }

        return new LastDeployment(schedule, imported);
    }

    private static StackFile Load(string? stack, string? file, string cwd)
    {
        if ((stack is null) == (file is null))
        {
            throw new ConfigLoadException("usage: give exactly one of --stack NAME or --file PATH");
        }

        if (stack is not null)
        {
            StackLocator.FileName(stack);
        }

        return StackLocator.Load(stack, file, cwd);
    }

    private static DateTimeOffset ParseNow(string? text, TimeProvider clock)
    {
        if (text is null)
        {
            return clock.GetUtcNow();
        }

        if (!Instants.TryParse(text, out var value, out var error))
        {
            throw new ConfigLoadException($"--now: '{text}' {error}");
        }

        return value;
    }

    /// <summary>
    /// <c>access</c>: the full closure for one principal or one object, with paths. Exit codes as for <c>plan</c>: 0
    /// clean, 1 policy violations (the answer is still printed), 2 invalid config or an unknown object or principal.
    /// </summary>
    private static int Access(StackFile stackFile, string? principalText, string? objectText, DateTimeOffset now, OutputFormat format, TextWriter stdout, TextWriter stderr)
    {
        if ((principalText is null) == (objectText is null))
        {
            throw new ConfigLoadException("usage: access needs exactly one of --principal P or --object O");
        }

        var (source, result) = Evaluate(stackFile, now);
        Reports.Diagnostics(stderr, result);
        if (!result.IsValid)
        {
            return 2;
        }

        string subject;
        IReadOnlyList<ClosureEntry> entries;
        string? note = null;
        if (principalText is not null)
        {
            if (!PrincipalRef.TryParse(principalText, out var principal, out var error))
            {
                throw new ConfigLoadException($"--principal: {error}");
            }

            if (!result.Model.Declares(principal) && !result.Graph!.Principals().Contains(principal))
            {
                throw new ConfigLoadException($"--principal: {principal} is not in the stack{Suggest.Hint(principal.ToString(), result.Graph!.Principals().Select(p => p.ToString()))}");
            }

            subject = principal.ToString();
            entries = result.Closure!.Of(principal);
        }
        else
        {
            if (!AccessObject.TryParse(objectText!, result.Model, out var obj, out var error))
            {
                throw new ConfigLoadException(error);
            }

            subject = obj!.Name;
            entries = result.Closure!.Who(obj);
            if (obj.Name == "tokens" && result.Model.TokenUsage is null)
            {
                note = "token permissions are not managed by this stack (topology.tokenUsage is not set): besides workspace admins, who may use tokens is the workspace's own setting";
            }
        }

        Reports.Access(stdout, format, source, result, subject, entries, note);
        return result.ExitCode;
    }

    /// <summary>The deploy workflow's migration guard over <c>pulumi preview --json</c> (exit 0 safe or allowed, 1 refused, 2 unreadable).</summary>
    private static int Guard(StackFile stackFile, LastDeployment? schedule, string? previewPath, bool allowUnsafe, DateTimeOffset now, TextWriter stderr, string cwd)
    {
        if (previewPath is null)
        {
            throw new ConfigLoadException("usage: guard needs --preview PATH (the output of pulumi preview --json)");
        }

        var (_, result) = Evaluate(stackFile, now, schedule);
        if (result.Plan is null)
        {
            Reports.Diagnostics(stderr, result);
            return 2;
        }

        string json;
        try
        {
            json = File.ReadAllText(Path.GetFullPath(previewPath, cwd));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigLoadException($"{previewPath}: {ex.Message}");
        }

        IReadOnlyList<string> findings;
        var allowed = new List<string>();
        try
        {
            findings = MigrationGuard.Check(json, result.Plan, allowed);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ConfigLoadException($"{previewPath}: not the JSON of pulumi preview --json: {ex.Message}");
        }

        foreach (var a in allowed)
        {
            stderr.WriteLine(Escape.Text($"allowed: {a}"));
        }

        foreach (var f in findings)
        {
            stderr.WriteLine(Escape.Text(allowUnsafe ? $"warning (allowed by --allow-unsafe): {f}" : $"refused: {f}"));
        }

        if (findings.Count > 0 && !allowUnsafe)
        {
            stderr.WriteLine("refused: resolve the migration safely (docs/ownership.md; an import that is not import-only: docs/adoption.md) or rerun the deploy with allow_unsafe_migration: true");
            return 1;
        }

        return 0;
    }

    private static int Diff(string? stack, string? baseFile, string? headFile, string? baseRef, DateTimeOffset now, OutputFormat format,
        TextWriter stdout, TextWriter stderr, string cwd)
    {
        StackFile before, after;
        if (baseRef is not null)
        {
            if (stack is null || baseFile is not null)
            {
                throw new ConfigLoadException("usage: --base-ref goes with --stack NAME (and optionally --head PATH)");
            }

            before = StackLocator.LoadAtRevision(stack, baseRef, cwd);
            after = headFile is null ? StackLocator.Load(stack, null, cwd) : StackLocator.Load(null, headFile, cwd);
        }
        else
        {
            if (baseFile is null || headFile is null)
            {
                throw new ConfigLoadException("usage: diff needs --base PATH --head PATH, or --stack NAME --base-ref GIT-REF");
            }

            before = StackLocator.Load(null, baseFile, cwd);
            after = StackLocator.Load(null, headFile, cwd);
        }

        var b = TopologyEvaluator.Evaluate(before.ToInput(), now, before.Findings);
        var h = TopologyEvaluator.Evaluate(after.ToInput(), now, after.Findings);
        Reports.Diagnostics(stderr, b, before.FilePath);
        Reports.Diagnostics(stderr, h, after.FilePath);
        if (!b.IsValid || !h.IsValid)
        {
            return 2;
        }

        Reports.Diff(stdout, format, before.FilePath, after.FilePath, AccessDiff.Compute(b, h), now,
            [.. ReviewDiff.Compute(b.Model, h.Model), .. PlanDiff.Compute(b.Plan!, h.Plan!)]);

        // Transitions that would revoke declared access mid-run are refused (exit 1) with the safe procedure.
        var name = Path.GetFileName(after.FilePath);
        var stackName = stack ?? (name.StartsWith("Pulumi.", StringComparison.Ordinal) && name.EndsWith(".yaml", StringComparison.Ordinal) ? name[7..^5] : "<stack>");
        var refused = PlanDiff.Unsafe(b.Plan!, h.Plan!, h.Model, stackName);
        foreach (var r in refused)
        {
            stderr.WriteLine(Escape.Text(r.Text));
        }

        return refused.Count > 0 ? Math.Max(1, h.ExitCode) : h.ExitCode;
    }
}
