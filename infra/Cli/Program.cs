using System.CommandLine;
using System.Text;
using DatabricksAccess.Cli.Verbs;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;

namespace DatabricksAccess.Cli;

/// <summary>
/// The command line: the offline verbs <c>check</c>, <c>plan</c>, <c>diff</c>, <c>access</c> and <c>guard</c> of a
/// stack's access topology (no cloud, no Pulumi CLI), and <c>audit</c> and <c>adopt</c>, which read the live workspace
/// (GET only, through DatabricksAccess.Live). This class only wires System.CommandLine to the verbs (<see cref="Verb"/>);
/// the exit codes are <see cref="ExitCode"/>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // The audit's progress line goes to stderr only when a person watches it.
        var audit = AuditEnvironment.Default with { Progress = !Console.IsErrorRedirected };

        // UTF-8 (the usual console encoding) through UTF8Encoding itself: the same bytes, encoded at half the cost of
        // the console's wrapper, which counts at a large plan's gigabytes.
        var encoding = Console.OutputEncoding.CodePage == Encoding.UTF8.CodePage ? new UTF8Encoding(false) : Console.OutputEncoding;

        // Console.Error writes through a buffer of 256 characters: a stack file with hundreds of thousands of findings
        // cost several write calls per finding. Redirected, stderr gets a writer of its own with a buffer that holds a
        // block of findings (Reports.Diagnostics writes them in blocks of about DiagnosticsBlock characters); it still
        // flushes after every write, so what reaches stderr, and when, relative to stdout, stays as it was.
        using var ownStderr = Console.IsErrorRedirected ? new StreamWriter(Console.OpenStandardError(), encoding, 2 * Reports.DiagnosticsBlock) { AutoFlush = true } : null;
        var stderr = ownStderr is null ? Console.Error : TextWriter.Synchronized(ownStderr);
        if (!Console.IsOutputRedirected)
        {
            return Run(args, Console.Out, stderr, TimeProvider.System, Environment.CurrentDirectory, audit);
        }

        // Console.Out flushes after every line: a large plan's access matrix (a line per entry) would cost a write
        // call per line. Redirected output goes through one buffered writer instead, with the same bytes.
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), encoding, 1 << 16);
        return Run(args, stdout, stderr, TimeProvider.System, Environment.CurrentDirectory, audit);
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock, string cwd) =>
        Run(args, stdout, stderr, clock, cwd, AuditEnvironment.Default);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock, string cwd, AuditEnvironment auditEnvironment)
    {
        var options = new CliOptions();
        Verb[] verbs = [new CheckVerb(options), new PlanVerb(options), new DiffVerb(options), new AccessVerb(options), new AuditVerb(options), new GuardVerb(options), new AdoptVerb(options)];
        var root = new RootCommand("databricks-access topology: offline check, plan, diff and access of a stack's Databricks access; audit of the live workspace");
        foreach (var verb in verbs)
        {
            root.Subcommands.Add(verb.Command);
        }

        // No response files: an argument that starts with '@' is an argument, not a file to read more arguments from.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine(Escape.Text($"usage: {error.Message}"));
            }

            return (int)ExitCode.Invalid;
        }

        if (parse.CommandResult.Command == root || parse.Action is System.CommandLine.Help.HelpAction)
        {
            // `<verb> --help` prints that verb's options (and exits 0) instead of running it.
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }

        try
        {
            var context = new CliContext(parse, options, stdout, stderr, cwd, CliContext.ParseNow(parse.GetValue(options.Now), clock), auditEnvironment);
            return (int)verbs.Single(v => v.Command == parse.CommandResult.Command).Run(context);
        }
        catch (ConfigLoadException ex)
        {
            stderr.WriteLine(Escape.Text(ex.Message));
            return (int)ExitCode.Invalid;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect, not an input problem; still one line and no stack trace for the reviewer.
            stderr.WriteLine(Escape.Text($"internal error: {ex.GetType().Name}: {ex.Message}"));
            return (int)ExitCode.Invalid;
        }
    }
}
