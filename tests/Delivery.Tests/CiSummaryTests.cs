using System.Diagnostics;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// <c>.ci/run</c>'s last line, read alone, says what was not built. The real script runs in a copy of .ci/ with a
/// stand-in <c>dotnet</c> on the PATH (and the workflow linter replaced by a no-op): it answers as the .NET SDK does
/// in the two shapes the script reads. A restore of a missing package fails with NuGet's NU1101
/// ("error NU1101: Unable to find package X. No packages exist with this id in source(s): ...", NuGet docs,
/// reference/errors-and-warnings/nu1101). <c>dotnet test --logger trx</c> writes
/// <c>TestRun/ResultSummary/Counters</c> with <c>total</c>, <c>executed</c>, <c>passed</c> and <c>failed</c> attributes
/// (microsoft/vstest, src/Microsoft.TestPlatform.Extensions.TrxLogger/ObjectModel/TestRunSummary.cs); a project that
/// does not compile writes no .trx and prints "error CSnnnn".
/// </summary>
public sealed class CiSummaryTests : IDisposable
{
    private const string StandInDotnet = """
        #!/usr/bin/env bash
        # stand-in dotnet for CiSummaryTests (see there)
        case "$1" in
          restore)
            if [ -n "${FAKE_RESTORE_ERROR:-}" ] && [[ $2 == *Infra* ]]; then
              echo "$2 : error $FAKE_RESTORE_ERROR"; exit 1
            fi ;;
          test)
            project=$2; dir=""; trx=""
            args=("$@")
            for ((i = 0; i < ${#args[@]}; i++)); do
              case "${args[i]}" in
                --results-directory) dir=${args[i + 1]} ;;
                --logger) trx=${args[i + 1]#trx;LogFileName=} ;;
              esac
            done
            if [[ " ${FAKE_BROKEN:-} " == *" $project "* ]]; then
              echo "$project/X.cs(1,1): error CS1002: ; expected"; exit 1
            fi
            failed=0
            [[ " ${FAKE_FAILING:-} " == *" $project "* ]] && failed=1
            printf '<TestRun><ResultSummary outcome="Completed"><Counters total="5" executed="4" passed="%s" failed="%s" /></ResultSummary></TestRun>\n' \
              $((4 - failed)) "$failed" > "$dir/$trx"
            exit "$failed" ;;
          build)
            [ -z "${FAKE_BENCHMARKS_BROKEN:-}" ] || { echo "error CS1002: ; expected"; exit 1; } ;;
        esac
        exit 0
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-ci-run-").FullName;

    public CiSummaryTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "repo", ".ci"));
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        foreach (var file in new[] { "run", "summary" })
        {
            File.Copy(Repo.PathOf($".ci/{file}"), Path.Combine(_dir, "repo", ".ci", file));
        }

        File.WriteAllText(Path.Combine(_dir, "repo", ".ci", "lint-workflows"), "exit 0\n");
        var dotnet = Path.Combine(_dir, "bin", "dotnet");
        File.WriteAllText(dotnet, StandInDotnet.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Last) Run(params (string Name, string Value)[] env)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(_dir, "repo", ".ci", "run")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length > 0, stderr.Result);
        return (process.ExitCode, lines[^1]);
    }

    [Fact]
    public void When_everything_builds_the_last_line_has_no_parenthesis()
    {
        var (code, last) = Run();
        Assert.Equal("tests: 16 passed, 0 failed, 4 skipped", last);
        Assert.Equal(0, code);
    }

    [Fact]
    public void When_the_Pulumi_packages_do_not_restore_the_last_line_names_the_projects_not_built()
    {
        var (code, last) = Run(("FAKE_RESTORE_ERROR", "NU1101: Unable to find package Pulumi.Databricks. No packages exist with this id in source(s): nuget.org"));
        Assert.Equal("tests: 12 passed, 0 failed, 3 skipped (not built: infra/Infra, tests/Infra.Tests)", last);
        Assert.Equal(0, code);
    }

    [Fact]
    public void A_test_project_or_the_benchmarks_that_do_not_compile_are_named_and_fail_the_run()
    {
        var (code, last) = Run(("FAKE_BROKEN", "tests/Live.Tests"), ("FAKE_BENCHMARKS_BROKEN", "1"));
        Assert.Equal("tests: 12 passed, 0 failed, 3 skipped (not built: tests/Live.Tests, tests/Topology.Benchmarks)", last);
        Assert.Equal(1, code);
    }

    [Fact]
    public void Another_restore_failure_fails_the_run_and_names_the_program_not_built()
    {
        var (code, last) = Run(("FAKE_RESTORE_ERROR", "NU1301: Unable to load the service index for source https://api.nuget.org/v3/index.json."));
        Assert.Equal("tests: 12 passed, 0 failed, 3 skipped (not built: infra/Infra, tests/Infra.Tests)", last);
        Assert.Equal(1, code);
    }

    [Fact]
    public void A_failing_test_keeps_the_line_format_and_fails_the_run()
    {
        var (code, last) = Run(("FAKE_FAILING", "tests/Topology.Tests"));
        Assert.Equal("tests: 15 passed, 1 failed, 4 skipped", last);
        Assert.Equal(1, code);
    }
}
