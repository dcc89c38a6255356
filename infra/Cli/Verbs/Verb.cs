using System.CommandLine;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>One verb of the command line: its command (name, description, options) and what it does on a <see cref="CliContext"/>.</summary>
internal abstract class Verb
{
    public abstract Command Command { get; }

    /// <summary>
    /// Runs the verb. An input or usage problem is a <see cref="Topology.Config.ConfigLoadException"/>, which the
    /// program writes as one line and maps to <see cref="ExitCode.Invalid"/>.
    /// </summary>
    public abstract ExitCode Run(CliContext context);
}
