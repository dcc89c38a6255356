using System.Diagnostics;
using System.Text;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Runs one of the scheduled jobs' scripts (.github/scripts) for real, with bash and jq as on the runner, in a folder
/// laid out like the runner's workspace after the job's checkouts: <c>deployed/</c> holds the deployed commit's
/// Pulumi.yaml and .github/scripts, and the script runs from there as the workflow step does. The <c>pulumi</c> on
/// the PATH is <see cref="FakePulumi"/> (fake-pulumi.sh, the Pulumi CLI v3.258.0's behaviour), knowing one stack; it
/// records every call with the DATABRICKS_ACCESS_RUN it saw and its working directory. After a <c>destroy</c> or
/// <c>up</c> it answers exports from state-after.json.
/// </summary>
internal sealed class ScriptHarness : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-script-").FullName;

    /// <param name="stack">The one stack the fake Pulumi Cloud holds, fully qualified.</param>
    public ScriptHarness(string stack = "contoso/databricks-access/prod")
    {
        Directory.CreateDirectory(Path.Combine(_dir, "fake"));
        Directory.CreateDirectory(Path.Combine(_dir, "work"));
        FakePulumi.Install(Path.Combine(_dir, "bin"));
        File.WriteAllText(Path.Combine(_dir, "fake", "stack"), stack);
        FakePulumi.Checkout(Path.Combine(_dir, "workspace", "deployed"));
    }

    /// <summary>The deployed commit's checkout, where the scripts run.</summary>
    public string Deployed => Path.Combine(_dir, "workspace", "deployed");

    /// <summary>Sets a stack tag in the fake Pulumi Cloud.</summary>
    public ScriptHarness Tag(string name, string value)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "fake", "tags"));
        File.WriteAllText(Path.Combine(_dir, "fake", "tags", name), value);
        return this;
    }

    public string Dir => _dir;

    /// <summary>The DATABRICKS_ACCESS_NOW every run gets unless the test gives another.</summary>
    public const string Instant = "2026-12-07T12:00:00Z";

    /// <summary>The instants the program runs (previews, ups) saw, in order (the stand-in's now.log).</summary>
    public IReadOnlyList<string> ProgramInstants() =>
        File.Exists(Path.Combine(_dir, "fake", "now.log")) ? File.ReadAllLines(Path.Combine(_dir, "fake", "now.log")) : [];

    /// <summary>Puts a file the fake pulumi answers with (state.json, state-after.json, preview.json, ...).</summary>
    public ScriptHarness With(string name, string content)
    {
        File.WriteAllText(Path.Combine(_dir, "fake", name), content);
        return this;
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Runs a script; each run starts with no recorded calls, outputs or summary, and nothing applied.</summary>
    public Result Run(string script, params string[] args) => Run(script, new Dictionary<string, string>(), args);

    public Result Run(string script, IDictionary<string, string> env, params string[] args)
    {
        foreach (var stale in new[] { "fake/calls.log", "fake/applied", "fake/state-applied.json", "fake/now.log", "output.txt", "summary.md" })
        {
            File.Delete(Path.Combine(_dir, stale));
        }

        // As the workflow step runs it: `bash .github/scripts/<script>` in the deployed checkout.
        var info = new ProcessStartInfo("bash", [$".github/scripts/{script}", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Deployed,
        };
        info.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["FAKE_DIR"] = Path.Combine(_dir, "fake");
        info.Environment["WORK_DIR"] = Path.Combine(_dir, "work");
        info.Environment["GITHUB_STEP_SUMMARY"] = Path.Combine(_dir, "summary.md");
        info.Environment["GITHUB_OUTPUT"] = Path.Combine(_dir, "output.txt");
        info.Environment.Remove("REPORT_FILE");
        info.Environment.Remove("DATABRICKS_ACCESS_RUN");
        info.Environment["LOCK_POLL_SECONDS"] = "0";
        info.Environment.Remove("DEPLOYED_COMMIT");
        // The job's one evaluation instant (expire.yml, drift.yml); a test passes "" to leave it unset.
        info.Environment["DATABRICKS_ACCESS_NOW"] = Instant;
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var calls = ReadOrEmpty(Path.Combine(_dir, "fake", "calls.log"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 3))
            .Select(p => new Call(p[0], p[1], p[2]))
            .ToList();
        var outputs = ReadOrEmpty(Path.Combine(_dir, "output.txt"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new Result(process.ExitCode, stdout.Result, stderr, calls, ReadOrEmpty(Path.Combine(_dir, "summary.md")), outputs);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : string.Empty;

    internal sealed record Call(string RunMode, string Args, string Cwd)
    {
        public string[] Words => Args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        public IReadOnlyList<string> Targets =>
            Words.Select((w, i) => (w, i)).Where(x => x.w == "--target").Select(x => Words[x.i + 1]).ToList();

        public bool Is(string command) => Args.StartsWith(command + " ", StringComparison.Ordinal) || Args == command;
    }

    internal sealed record Result(int Code, string Out, string Err, IReadOnlyList<Call> Calls, string Summary, IReadOnlyDictionary<string, string> Outputs)
    {
        public override string ToString() => $"exit {Code}\n--- stderr\n{Err}\n--- summary\n{Summary}\n--- calls\n{string.Join('\n', Calls.Select(c => $"[{c.RunMode}] {c.Args}"))}";
    }
}
