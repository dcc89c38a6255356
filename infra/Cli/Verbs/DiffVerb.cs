using System.CommandLine;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>
/// <c>diff</c>: the access-level changes between two versions of a stack file, in review language. A transition that
/// would revoke declared access mid-run is refused (<see cref="ExitCode.Findings"/> at least) with the safe procedure.
/// </summary>
internal sealed class DiffVerb : Verb
{
    private readonly CliOptions _options;
    private readonly Option<string?> _base = new("--base") { Description = "diff: the stack file before the change" };
    private readonly Option<string?> _head = new("--head") { Description = "diff: the stack file after the change" };
    private readonly Option<string?> _baseRef = new("--base-ref") { Description = "diff: compare --stack's file with its version at this git revision" };

    public DiffVerb(CliOptions options)
    {
        _options = options;
        Command = new Command("diff", "Access-level changes between two versions of a stack file, in review language")
        {
            options.Stack, _base, _head, _baseRef, options.Now, options.Format,
        };
    }

    public override Command Command { get; }

    public override ExitCode Run(CliContext context)
    {
        var (stack, baseFile, headFile, baseRef) = (context.Value(_options.Stack), context.Value(_base), context.Value(_head), context.Value(_baseRef));
        var cwd = context.Cwd;
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

        var now = context.Now;
        var b = TopologyEvaluator.Evaluate(before.ToInput(), now, before.Findings);
        var h = TopologyEvaluator.Evaluate(after.ToInput(), now, after.Findings);
        Reports.Diagnostics(context.Err, b, before.FilePath);
        Reports.Diagnostics(context.Err, h, after.FilePath);
        if (!b.IsValid || !h.IsValid)
        {
            return ExitCode.Invalid;
        }

        Reports.Diff(context.Out, context.Format, before.FilePath, after.FilePath, AccessDiff.Compute(b, h), now,
            [.. ReviewDiff.Compute(b.Model, h.Model), .. PlanDiff.Compute(b.Plan!, h.Plan!)]);

        // Transitions that would revoke declared access mid-run are refused (exit 1) with the safe procedure.
        var name = Path.GetFileName(after.FilePath);
        var stackName = stack ?? (name.StartsWith("Pulumi.", StringComparison.Ordinal) && name.EndsWith(".yaml", StringComparison.Ordinal) ? name[7..^5] : "<stack>");
        var refused = PlanDiff.Unsafe(b.Plan!, h.Plan!, h.Model, stackName);
        foreach (var r in refused)
        {
            context.Err.WriteLine(Escape.Text(r.Text));
        }

        return refused.Count > 0 ? ExitCodes.Of(h).AtLeast(ExitCode.Findings) : ExitCodes.Of(h);
    }
}
