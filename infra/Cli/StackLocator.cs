using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Config;

namespace DatabricksAccess.Cli;

/// <summary>Finds the Pulumi project upward from a directory and the stack files beside it.</summary>
internal static partial class StackLocator
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
            if (file.Trim().Length == 0)
            {
                throw new ConfigLoadException("usage: --file needs a path");
            }

            // A relative path is relative to the command's folder (the process's own when run from a shell; the
            // folder a caller gives when it runs the command in-process).
            string project;
            try
            {
                file = Path.GetFullPath(file, cwd);
                project = FindProject(Path.GetDirectoryName(file) ?? cwd).Project;
            }
            catch (ArgumentException ex)
            {
                throw new ConfigLoadException($"--file: '{file}' is not a usable path: {ex.Message}", ex);
            }
            catch (ConfigLoadException)
            {
                project = StackFile.DefaultProject;
            }

            return StackFile.Load(file, project);
        }

        var (dir, name) = FindProject(cwd);
        return StackFile.Load(Path.Combine(dir, FileName(stack!)), name);
    }

    /// <summary>
    /// <c>Pulumi.&lt;stack&gt;.yaml</c> for a plain stack name: letters, digits, '-', '_' and '.', so the file is always
    /// the one beside Pulumi.yaml and never a path that leaves the project directory.
    /// </summary>
    public static string FileName(string stack) =>
        stack.Length is > 0 and <= 100 && StackName().IsMatch(stack) && !stack.Contains("..", StringComparison.Ordinal)
            ? $"Pulumi.{stack}.yaml"
            : throw new ConfigLoadException($"--stack: '{stack}' is not a stack name (letters, digits, '-', '_' and '.', at most 100, starting with a letter or digit)");

    /// <summary>The stack file as it is at a git revision, read with <c>git show</c> (10 s at most).</summary>
    public static StackFile LoadAtRevision(string stack, string revision, string cwd)
    {
        var name = FileName(stack);
        if (revision.Length is 0 or > 200 || revision.StartsWith('-') || !Revision().IsMatch(revision))
        {
            throw new ConfigLoadException($"--base-ref: '{revision}' is not a git revision (a branch, tag or commit; it may not start with '-')");
        }

        var (dir, project) = FindProject(cwd);
        // --end-of-options: whatever the revision says, git reads it as a revision, never as an option.
        var psi = new ProcessStartInfo("git", ["-C", dir, "show", "--end-of-options", $"{revision}:./{name}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        Process? started;
        try
        {
            started = Process.Start(psi);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            throw new ConfigLoadException($"{name}@{revision}: cannot run git: {ex.Message}", ex);
        }

        using var git = started ?? throw new ConfigLoadException($"{name}@{revision}: cannot start git");
        git.StandardInput.Close();
        var output = Task.Run(() => SourceText.ReadAtMost(git.StandardOutput.BaseStream));
        var error = git.StandardError.ReadToEndAsync();
        if (!git.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            git.Kill(entireProcessTree: true);
            throw new ConfigLoadException($"{name}@{revision}: timed out after 10 s reading it from git");
        }

        byte[] bytes;
        try
        {
            bytes = output.GetAwaiter().GetResult();
        }
        catch (ConfigLoadException ex)
        {
            throw new ConfigLoadException($"{name}@{revision}: {ex.Message}", ex);
        }

        if (git.ExitCode != 0 && AbsentAtRevision(error.Result))
        {
            // A stack file added by the change under review: everything in it is new, so it is compared with an empty stack.
            return StackFile.Parse($"config:\n  {project}:topology: {{}}\n", $"{name}@{revision} (absent there: an empty stack)", project);
        }

        if (git.ExitCode != 0)
        {
            var message = error.Result.Trim().Split('\n').FirstOrDefault() ?? "git show failed";
            throw new ConfigLoadException($"{name}@{revision}: {message}");
        }

        var display = $"{name}@{revision}";
        return StackFile.Parse(SourceText.Decode(bytes, display, "the stack file"), display, project);
    }

    /// <summary>git show's answer for a path the (valid) revision does not hold; a bad revision answers otherwise.</summary>
    private static bool AbsentAtRevision(string stderr) =>
        stderr.Contains("does not exist in '", StringComparison.Ordinal) || stderr.Contains("exists on disk, but not in '", StringComparison.Ordinal);

    private static string ReadProjectName(string file)
    {
        var root = YamlConfig.Parse(SourceText.Read(file, "the project file"), file) as ConfigMap;
        return root?["name"] is ConfigScalar { Value: { Length: > 0 } v }
            ? v
            : throw new ConfigLoadException($"{file}: no project name");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex StackName();

    [GeneratedRegex(@"^[A-Za-z0-9_./@{}~^-]+$")]
    private static partial Regex Revision();
}
