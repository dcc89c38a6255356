using System.CommandLine;
using DatabricksAccess.Topology;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>
/// <c>check</c> and <c>plan</c>: evaluate the stack (continuing the last deployment with <c>--outputs</c>), every
/// diagnostic on stderr, the report on stdout. Exit code: the evaluation's (<see cref="ExitCodes.Of"/>).
/// </summary>
internal abstract class EvaluateVerb(CliOptions options, string name, string description) : Verb
{
    public override Command Command { get; } = new(name, description) { options.Stack, options.File, options.Now, options.Format, options.Outputs };

    public override ExitCode Run(CliContext context)
    {
        var stackFile = context.LoadStack();
        var last = LastDeployment.Read(context.Value(context.Options.Outputs), context.Cwd, context.Err);
        var (source, result) = context.Evaluate(stackFile, last);

        // Let go of the config tree before the plan is written: this method runs once, so unoptimised, and such
        // code keeps a local alive to its end (a scale-10 tree held through the plan cost well over 100 MB).
        stackFile = null!;
        Reports.Diagnostics(context.Err, result);
        Write(context, source, result);
        return ExitCodes.Of(result);
    }

    protected abstract void Write(CliContext context, string source, EvaluationResult result);
}

/// <summary><c>check</c>: validate the topology and its policy.</summary>
internal sealed class CheckVerb(CliOptions options) : EvaluateVerb(options, "check", "Validate the topology and its policy")
{
    protected override void Write(CliContext context, string source, EvaluationResult result) =>
        Reports.Check(context.Out, context.Format, source, result);
}

/// <summary><c>plan</c>: the check's report when the stack is invalid.</summary>
internal sealed class PlanVerb(CliOptions options) : EvaluateVerb(options, "plan", "The resources the program declares, expiring access and the effective access matrix")
{
    protected override void Write(CliContext context, string source, EvaluationResult result)
    {
        if (result.IsValid)
        {
            Reports.Plan(context.Out, context.Format, source, result);
        }
        else
        {
            Reports.Check(context.Out, context.Format, source, result);
        }
    }
}
