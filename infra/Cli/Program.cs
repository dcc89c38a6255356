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
        var options = new CliOptions();
        var (check, plan, diff, access, guard) = (new CheckVerb(options), new PlanVerb(options), new DiffVerb(options), new AccessVerb(options), new GuardVerb(options));
        Verb[] verbs = [check, plan, diff, access, guard];

        // audit and adopt read the live workspace through the adoption code; they become verbs of their own once that
        // code has left the command line (issue 32).
        var workspaceOnly = new Option<bool>("--workspace-only")
        {
            Description = "audit: read only the workspace, with a workspace admin's credential and no account role (the scheduled audit): workspace assignments through the workspace's API; account roles are not read",
        };
        var audit = new Command("audit", "Read the live workspace and account (GET only) and report every access the stack does not declare") { options.Stack, options.File, options.Now, options.Format, options.AllowHost, workspaceOnly };
        var outFile = new Option<string?>("--out") { Description = "adopt: the stack file to write" };
        var groupList = new Option<string?>("--groups") { Description = "adopt: group names, comma-separated (* all, the default)" };
        var scopeList = new Option<string?>("--scopes") { Description = "adopt: secret scope names, comma-separated (* all, the default)" };
        var securableList = new Option<string?>("--securables") { Description = "adopt: more securables to adopt grants on, comma-separated <kind>:<name> (the metastore, catalogs and schemas are always read)" };
        var deep = new Option<bool>("--deep") { Description = "adopt: also read the grants of every table, volume and function" };
        var adopt = new Command("adopt", "Read the live workspace and account (GET only) and write a stack file that declares them, with import ids") { options.Stack, options.File, outFile, groupList, scopeList, securableList, deep, options.Now, options.Format, options.AllowHost };
        var root = new RootCommand("databricks-access topology: offline check, plan, diff and access of a stack's Databricks access; audit of the live workspace")
        {
            check.Command, plan.Command, diff.Command, access.Command, audit, guard.Command, adopt,
        };

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
            var context = new CliContext(parse, options, stdout, stderr, cwd, CliContext.ParseNow(parse.GetValue(options.Now), clock));
            var command = parse.CommandResult.Command;
            if (verbs.FirstOrDefault(v => v.Command == command) is { } verb)
            {
                return (int)verb.Run(context);
            }

            var stackFile = context.LoadStack();
            if (parse.GetValue(options.AllowHost) is { } allowed)
            {
                auditEnvironment = auditEnvironment with { AllowedHosts = allowed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            }

            if (command == adopt)
            {
                var adoptOptions = new AdoptOptions(parse.GetValue(outFile) ?? throw new ConfigLoadException("usage: adopt needs --out PATH"),
                    parse.GetValue(groupList), parse.GetValue(scopeList), parse.GetValue(securableList), parse.GetValue(deep));
                return AdoptCommand.Run(stackFile, context.Now, adoptOptions, context.Format, stdout, stderr, auditEnvironment, cwd);
            }

            return AuditCommand.Run(stackFile, TopologyEvaluator.Evaluate(stackFile.ToInput(), context.Now, stackFile.Findings), context.Format, stdout, stderr,
                auditEnvironment with { WorkspaceOnly = parse.GetValue(workspaceOnly) });
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
