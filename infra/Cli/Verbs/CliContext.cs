using System.CommandLine;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>
/// What every verb runs on: the parsed command line, where output and diagnostics go, the folder it runs in, the
/// instant it evaluates at (<c>--now</c>, else the clock), the output format, and what the verbs that read the live
/// workspace take from their surroundings.
/// </summary>
internal sealed class CliContext(ParseResult parse, CliOptions options, TextWriter stdout, TextWriter stderr, string cwd, DateTimeOffset now, AuditEnvironment live)
{
    public ParseResult Parse { get; } = parse;

    public CliOptions Options { get; } = options;

    public TextWriter Out { get; } = stdout;

    public TextWriter Err { get; } = stderr;

    public string Cwd { get; } = cwd;

    public DateTimeOffset Now { get; } = now;

    public OutputFormat Format => Parse.GetValue(Options.Format);

    public T? Value<T>(Option<T> option) => Parse.GetValue(option);

    /// <summary>audit and adopt: the caller's environment, with the hosts of <c>--allow-host</c>.</summary>
    public AuditEnvironment LiveEnvironment() => Value(Options.AllowHost) is { } allowed
        ? live with { AllowedHosts = allowed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }
        : live;

    /// <summary>The instant of <c>--now</c>, or the clock's.</summary>
    public static DateTimeOffset ParseNow(string? text, TimeProvider clock)
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

    /// <summary>The stack file of exactly one of <c>--stack NAME</c> or <c>--file PATH</c>.</summary>
    public StackFile LoadStack()
    {
        var stack = Value(Options.Stack);
        var file = Value(Options.File);
        if ((stack is null) == (file is null))
        {
            throw new ConfigLoadException("usage: give exactly one of --stack NAME or --file PATH");
        }

        if (stack is not null)
        {
            StackLocator.FileName(stack);
        }

        return StackLocator.Load(stack, file, Cwd);
    }

    /// <summary>Evaluates a stack file with the account gate's warnings, continuing the last deployment when <c>--outputs</c> gave one.</summary>
    public (string Source, EvaluationResult Result) Evaluate(StackFile stackFile, LastDeployment? last = null) =>
        (stackFile.FilePath, TopologyEvaluator.Evaluate(stackFile.ToInput() with { CredentialSchedule = last?.Schedule, ImportedResources = last?.Imported }, Now,
            [.. stackFile.Findings, .. AccountGate.Warnings(stackFile)]));
}
