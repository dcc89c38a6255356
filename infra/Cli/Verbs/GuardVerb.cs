using System.CommandLine;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>The deploy workflow's migration guard over <c>pulumi preview --json</c> (exit 0 safe or allowed, 1 refused, 2 unreadable).</summary>
internal sealed class GuardVerb : Verb
{
    private readonly CliOptions _options;
    private readonly Option<string?> _preview = new("--preview") { Description = "guard: the output of `pulumi preview --json` (with --show-replacement-steps, each replacement's order)" };
    private readonly Option<bool> _allowUnsafe = new("--allow-unsafe") { Description = "guard: let an intended unsafe migration through (findings become warnings)" };

    public GuardVerb(CliOptions options)
    {
        _options = options;
        Command = new Command("guard", "Refuse a preview that deletes or replaces what revokes access (Grants, token permissions, protected or shared-principal resources, both credential slots) or replaces a same-id resource create-first without retainOnDelete, or that does more than import what it imports")
        {
            options.Stack, options.File, options.Now, _preview, _allowUnsafe, options.Outputs,
        };
    }

    public override Command Command { get; }

    public override ExitCode Run(CliContext context)
    {
        var stackFile = context.LoadStack();
        var schedule = LastDeployment.Read(context.Value(_options.Outputs), context.Cwd, context.Err);
        var previewPath = context.Value(_preview);
        var allowUnsafe = context.Value(_allowUnsafe);
        var stderr = context.Err;
        if (previewPath is null)
        {
            throw new ConfigLoadException("usage: guard needs --preview PATH (the output of pulumi preview --json)");
        }

        var (_, result) = context.Evaluate(stackFile, schedule);
        if (result.Plan is null)
        {
            Reports.Diagnostics(stderr, result);
            return ExitCode.Invalid;
        }

        string json;
        try
        {
            json = File.ReadAllText(Path.GetFullPath(previewPath, context.Cwd));
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
            return ExitCode.Findings;
        }

        return ExitCode.Clean;
    }
}
