using System.Diagnostics;
using DatabricksAccess.Topology.Config;
using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Topology.Cli;

/// <summary>Finds the Pulumi project upward from a directory and the stack files beside it.</summary>
internal static class StackLocator
{
    public static (string Directory, string Project) FindProject(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "Pulumi.yaml");
            if (File.Exists(file))
            {
                return (dir.FullName, ReadProjectName(file));
            }
        }

        throw new ConfigLoadException($"{start}: no Pulumi.yaml found here or in any parent directory; use --file PATH");
    }

    public static StackFile Load(string? stack, string? file, string cwd)
    {
        if (file is not null)
        {
            string project;
            try
            {
                project = FindProject(Path.GetDirectoryName(Path.GetFullPath(file)) ?? cwd).Project;
            }
            catch (ConfigLoadException)
            {
                project = StackFile.DefaultProject;
            }

            return StackFile.Load(file, project);
        }

        var (dir, name) = FindProject(cwd);
        return StackFile.Load(Path.Combine(dir, $"Pulumi.{stack}.yaml"), name);
    }

    /// <summary>The stack file as it is at a git revision, read with <c>git show</c> (10 s at most).</summary>
    public static StackFile LoadAtRevision(string stack, string revision, string cwd)
    {
        var (dir, project) = FindProject(cwd);
        var name = $"Pulumi.{stack}.yaml";
        var psi = new ProcessStartInfo("git", ["-C", dir, "show", $"{revision}:./{name}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var git = Process.Start(psi) ?? throw new ConfigLoadException($"{name}@{revision}: cannot start git");
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEndAsync();
        if (!git.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            git.Kill(entireProcessTree: true);
            throw new ConfigLoadException($"{name}@{revision}: timed out after 10 s reading it from git");
        }

        if (git.ExitCode != 0)
        {
            var message = error.Result.Trim().Split('\n').FirstOrDefault() ?? "git show failed";
            throw new ConfigLoadException($"{name}@{revision}: {message}");
        }

        return StackFile.Parse(output.Result, $"{name}@{revision}", project);
    }

    private static string ReadProjectName(string file)
    {
        var root = YamlConfig.ParseDocument(File.ReadAllText(file), file);
        return root is not null && root.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value: { Length: > 0 } v }
            ? v
            : throw new ConfigLoadException($"{file}: no project name");
    }
}
