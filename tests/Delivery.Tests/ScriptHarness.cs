using System.Diagnostics;
using System.Text;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Runs one of the scheduled jobs' scripts (.github/scripts) for real, with bash and jq as on the runner, and a
/// fake <c>pulumi</c> on the PATH that answers from files and records every call (with the
/// DATABRICKS_ACCESS_RUN it saw). After a <c>destroy</c> or <c>up</c> it answers exports from state-after.json.
/// </summary>
internal sealed class ScriptHarness : IDisposable
{
    private const string FakePulumi = """
        #!/usr/bin/env bash
        set -euo pipefail
        d="$FAKE_DIR"
        printf '%s\t%s\n' "${DATABRICKS_ACCESS_RUN:-}" "$*" >> "$d/calls.log"
        answer() { if [ -f "$d/$1" ]; then cat "$d/$1"; fi; }
        code() { if [ -f "$d/$1" ]; then cat "$d/$1"; else echo 0; fi; }
        case "$1" in
          stack)
            case "$2" in
              export)
                file=""
                while [ $# -gt 0 ]; do if [ "$1" = --file ]; then file=$2; fi; shift; done
                if [ -f "$d/applied" ] && [ -f "$d/state-after.json" ]; then cp "$d/state-after.json" "$file"; else cp "$d/state.json" "$file"; fi ;;
              output) answer outputs.json; exit "$(code outputs.exit)" ;;
              *) echo "fake pulumi: unexpected $*" >&2; exit 99 ;;
            esac ;;
          destroy)
            if [[ " $* " == *" --preview-only "* ]]; then answer destroy-preview.json; exit "$(code destroy-preview.exit)"; fi
            touch "$d/applied"; exit "$(code destroy.exit)" ;;
          preview)
            if [[ " $* " == *" --target "* ]]; then answer targeted.json; exit "$(code targeted.exit)"; fi
            if [[ " $* " == *" --refresh "* ]]; then answer refresh.json; exit "$(code refresh.exit)"; fi
            answer preview.json; exit "$(code preview.exit)" ;;
          up) touch "$d/applied"; exit "$(code up.exit)" ;;
          *) echo "fake pulumi: unexpected $*" >&2; exit 99 ;;
        esac
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-script-").FullName;

    public ScriptHarness()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        Directory.CreateDirectory(Path.Combine(_dir, "fake"));
        Directory.CreateDirectory(Path.Combine(_dir, "work"));
        var pulumi = Path.Combine(_dir, "bin", "pulumi");
        File.WriteAllText(pulumi, FakePulumi.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pulumi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Dir => _dir;

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
    public Result Run(string script, params string[] args)
    {
        foreach (var stale in new[] { "fake/calls.log", "fake/applied", "output.txt", "summary.md" })
        {
            File.Delete(Path.Combine(_dir, stale));
        }

        var info = new ProcessStartInfo("bash", [Repo.PathOf($".github/scripts/{script}"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        info.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["FAKE_DIR"] = Path.Combine(_dir, "fake");
        info.Environment["WORK_DIR"] = Path.Combine(_dir, "work");
        info.Environment["GITHUB_STEP_SUMMARY"] = Path.Combine(_dir, "summary.md");
        info.Environment["GITHUB_OUTPUT"] = Path.Combine(_dir, "output.txt");
        info.Environment.Remove("REPORT_FILE");
        info.Environment.Remove("DATABRICKS_ACCESS_RUN");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var calls = ReadOrEmpty(Path.Combine(_dir, "fake", "calls.log"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2))
            .Select(p => new Call(p[0], p[1]))
            .ToList();
        var outputs = ReadOrEmpty(Path.Combine(_dir, "output.txt"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new Result(process.ExitCode, stdout.Result, stderr, calls, ReadOrEmpty(Path.Combine(_dir, "summary.md")), outputs);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : string.Empty;

    internal sealed record Call(string RunMode, string Args)
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
