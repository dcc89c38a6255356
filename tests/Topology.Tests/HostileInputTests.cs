using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using DatabricksAccess.Cli;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Files and arguments written to break the offline command: every one ends in findings of one line each (or one
/// load error) and exit 2, never a stack trace, a hang or gigabytes of memory.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static (int Code, string Out, string Err) Run(string cwd, params string[] args)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(args, @out, err, new FakeTimeProvider(Now), cwd);
        return (code, @out.ToString(), err.ToString());
    }

    private string Write(string name, string text) => WriteBytes(name, Encoding.UTF8.GetBytes(text));

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Checks the one-line, exit-2, no-stack-trace contract and returns the line.</summary>
    private static string OneLoadError((int Code, string Out, string Err) run)
    {
        Assert.Equal(2, run.Code);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
        var lines = run.Err.TrimEnd('\n').Split('\n');
        return Assert.Single(lines);
    }

    private (int Code, string Out, string Err) CheckText(string text) => Run(_dir, "check", "--file", Write("stack.yaml", text));

    [Theory]
    [InlineData("config:\n  a: [1, 2\n", ":3:1: YAML syntax error: ")]
    [InlineData("config: {a: 1\n", ":2:1: YAML syntax error: ")]
    [InlineData("config:\n  a: \"open\n", ":2:6: YAML syntax error: ")]
    [InlineData("!!@,'1'*@[", ":1:1: YAML syntax error")] // YamlDotNet throws ArgumentException here
    [InlineData(":\t{%>%[b\n@?", ": YAML syntax error")] // and InvalidOperationException here
    public void Every_yaml_parser_failure_is_one_line_with_its_position(string text, string expected)
    {
        var line = OneLoadError(CheckText(text));
        Assert.Contains("stack.yaml", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_expansion_is_refused_at_the_first_anchor_without_expanding_anything()
    {
        var laughs = new StringBuilder("config:\n  databricks-access:topology:\n    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
        {
            laughs.Append($"    a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
        }

        var sw = Stopwatch.StartNew();
        var line = OneLoadError(CheckText(laughs.ToString()));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.EndsWith("stack.yaml:3:9: YAML anchors (&a0) are not supported; write the value out", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config:\n  x: 1\n  y: *nope\n", ":3:6: YAML aliases (*nope) are not supported")]
    [InlineData("config:\n  a: &x [*x]\n", ":2:6: YAML anchors (&x) are not supported")]
    [InlineData("config:\n  databricks-access:topology:\n\tgroups: {}\n", ":3:1: YAML syntax error: ")]
    [InlineData("config:\n  a: 1\n  b:\n    c: 1\n\td: 2\n", ":5:1: YAML syntax error: ")]
    [InlineData("config: {}\n---\nconfig:\n  databricks-access:topology: {}\n", ":2:1: a second YAML document starts here")]
    [InlineData("config:\n  databricks-access:policy: {}\n  databricks-access:policy: {}\n", ":3:3: duplicate key 'databricks-access:policy'")]
    [InlineData("config:\n  a: !!binary AAAA\n", ":2:6: YAML tags (tag:yaml.org,2002:binary) are not supported")]
    [InlineData("config:\n  ? [a]\n  : 1\n", ":2:5: a map or list as a key is not supported")]
    public void Yaml_problems_are_reported_at_their_true_line_and_column(string text, string expected)
    {
        var line = OneLoadError(CheckText(text));
        Assert.Contains("stack.yaml" + expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[", 100_000)]
    [InlineData("{a: ", 100_000)]
    [InlineData("\n  a:", 1_000)]
    public void Deep_nesting_is_bounded(string opener, int depth)
    {
        var text = "config:\n  databricks-access:topology:\n    groups: " + (opener.StartsWith('\n')
            ? string.Concat(Enumerable.Range(0, depth).Select(i => opener.Replace("\n", "\n" + new string(' ', 2 * i), StringComparison.Ordinal)))
            : string.Concat(Enumerable.Repeat(opener, depth))) + "\n";
        var line = OneLoadError(CheckText(text));
        Assert.Contains("nesting deeper than 32 levels is not supported", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_chains_far_deeper_than_any_stack_are_evaluated_without_recursion()
    {
        const int Depth = 20_000;
        var text = new StringBuilder("config:\n  databricks-access:topology:\n    groups:\n");
        for (var i = 0; i < Depth; i++)
        {
            text.Append($"      g{i}: {{ members: [{(i == 0 ? "user:a@contoso.com" : $"group:g{i - 1}")}] }}\n");
        }

        var (code, _, err) = CheckText(text.ToString());
        Assert.Equal(2, code);
        const int Max = Evaluation.AccessGraph.MaxNestingDepth;
        Assert.Equal($"topology.groups.g{Max + 1}.members[0]: group nesting deeper than {Max} levels (g{Max + 1} -> g{Max} -> ...); flatten the chain", Assert.Single(err.TrimEnd('\n').Split('\n')));
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_refused_with_its_line_instead_of_being_replaced()
    {
        var bytes = Encoding.UTF8.GetBytes("config:\n  databricks-access:topology:\n    groups:\n      g: { displayName: \"caf").Concat(new byte[] { 0xFF, (byte)'"', (byte)' ', (byte)'}', (byte)'\n' }).ToArray();
        var line = OneLoadError(Run(_dir, "check", "--file", WriteBytes("stack.yaml", bytes)));
        Assert.EndsWith("stack.yaml:4:29: the stack file is not valid UTF-8 (byte 0xFF); save it as UTF-8", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Special_files_and_directories_are_refused_without_reading_them()
    {
        Assert.Contains("cannot read the stack file: it is empty or not a regular file", OneLoadError(Run(_dir, "check", "--file", "/dev/zero")), StringComparison.Ordinal);
        Assert.Contains("cannot read the stack file: it is a directory", OneLoadError(Run(_dir, "check", "--file", _dir)), StringComparison.Ordinal);

        var fifo = Path.Combine(_dir, "Pulumi.fifo.yaml");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        var sw = Stopwatch.StartNew();
        Assert.Contains("empty or not a regular file", OneLoadError(Run(_dir, "check", "--file", fifo)), StringComparison.Ordinal);

        // A FIFO where the project file should be: the stack is not read through it either.
        File.Move(fifo, Path.Combine(_dir, "Pulumi.yaml"));
        Write("Pulumi.dev.yaml", "config: {}\n");
        Assert.Contains("Pulumi.yaml: cannot read the project file: it is empty or not a regular file", OneLoadError(Run(_dir, "check", "--stack", "dev")), StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("check", "--file", "")]
    [InlineData("check", "--stack", "")]
    [InlineData("check", "--stack", "../../etc/passwd")]
    [InlineData("check", "--stack", "dev/../../x")]
    [InlineData("check", "--file", "a\0b")]
    [InlineData("diff", "--base", "", "--head", "x.yaml")]
    [InlineData("check", "--stack", "dev", "--now", "Dec 1 2026 18:00 +01:00")]
    [InlineData("check", "--stack", "dev", "--now", "9999-12-31T23:59:59Z")]
    [InlineData("check", "--stack", "dev", "--now", "0001-01-01T00:00:00Z")]
    [InlineData("check", "--stack", "dev", "--now", "2026-13-01T00:00:00Z")]
    public void Bad_arguments_are_one_line_and_exit_two(params string[] args)
    {
        var line = OneLoadError(Run(RepoRoot, args));
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8999-12-31T23:59:59Z")]
    [InlineData("1970-01-01T00:00:00Z")]
    public void Plans_at_either_end_of_the_supported_calendar_do_not_overflow(string now)
    {
        var (code, @out, err) = Run(RepoRoot, "plan", "--stack", "dev", "--now", now, "--format", "json");
        Assert.InRange(code, 0, 1);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.StartsWith("{", @out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--output=/tmp/dbx-access-forged")]
    [InlineData("-p")]
    [InlineData("HEAD:Pulumi.yaml")]
    [InlineData("HEAD\n--all")]
    public void A_base_ref_can_never_become_a_git_option(string revision)
    {
        var line = OneLoadError(Run(RepoRoot, "diff", "--stack", "dev", $"--base-ref={revision}"));
        Assert.Contains("is not a git revision", line, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/dbx-access-forged"));
    }

    [Fact]
    public void A_missing_git_is_one_line()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DatabricksAccess.Cli.dll");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : Environment.ProcessPath!;
        var psi = new ProcessStartInfo(dotnet, [dll, "diff", "--stack", "dev", "--base-ref", "HEAD"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = RepoRoot,
        };
        psi.Environment["PATH"] = _dir;
        using var process = Process.Start(psi)!;
        var err = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith("Pulumi.dev.yaml@HEAD: cannot run git: ", Assert.Single(err.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_credentials_in_plain_stack_config_are_errors_and_secure_ones_are_not()
    {
        var text = StackYaml("groups: {}", extra: """
              databricks:token: dapi0123456789abcdef
              azure-native:clientSecret: hunter2
              databricks:clientSecret:
                secure: AAABAGZha2U=
              databricks:host: https://adb-1.2.azuredatabricks.net

            """);
        var (code, _, err) = CheckText(text);
        Assert.Equal(2, code);
        Assert.Equal(
            [
                "config[\"databricks:token\"]: a provider credential in plain text: store it with `pulumi config set --secret databricks:token`, or better, let CI sign in with OIDC (docs/delivery.md: Deploy with Pulumi)",
                "config[\"azure-native:clientSecret\"]: a provider credential in plain text: store it with `pulumi config set --secret azure-native:clientSecret`, or better, let CI sign in with OIDC (docs/delivery.md: Deploy with Pulumi)",
            ],
            err.TrimEnd('\n').Split('\n'));
    }
}
