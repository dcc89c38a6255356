using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>What <c>--outputs</c> carries over from the last deployment: its credential schedule and the resources it imported.</summary>
internal sealed record LastDeployment(CredentialSchedule Schedule, IReadOnlySet<string> Imported)
{
    /// <summary>
    /// <c>--outputs PATH</c>: the credential schedule the last deployment recorded, and the resources it imported (their
    /// import ids are retired, <see cref="ImportedResources"/>). An unreadable file is an input error; an unreadable entry
    /// is one warning line, and that credential falls back to the fixed grid.
    /// </summary>
    public static LastDeployment? Read(string? path, string cwd, TextWriter stderr)
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
}
