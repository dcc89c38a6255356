using System.Diagnostics;
using System.Text.Json;
using DatabricksAccess.Cli;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(string cwd, params string[] args)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(args, @out, err, new FakeTimeProvider(Now), cwd);
        return (code, @out.ToString(), err.ToString());
    }

    private string Project(string stack, string body)
    {
        File.WriteAllText(Path.Combine(_dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
        var path = Path.Combine(_dir, $"Pulumi.{stack}.yaml");
        File.WriteAllText(path, body);
        return path;
    }

    [Fact]
    public void Plan_of_the_dev_stack_is_readable_and_exits_zero()
    {
        var (code, @out, err) = Run(RepoRoot, "plan", "--stack", "dev");
        Assert.Equal(0, code);
        OnlyWarnings(err);
        Assert.Contains("group-data-scientists-member-user-bob@contoso.com", @out, StringComparison.Ordinal);
        Assert.Contains("Memberships expiring within 7 days", @out, StringComparison.Ordinal);
        Assert.Contains("│ admins │ user:oncall@contoso.com │ 2026-11-23T08:00:00Z │ on-call handover │", @out, StringComparison.Ordinal);
        // Issue 28: the matrix names whom alice can act as, not what that one holds; Acting as says it once per target.
        Assert.Contains("ActAs        sp:ci-deployer                   ACT_AS                 via READ on scope app-secrets through data-scientists, which stores its token", @out, StringComparison.Ordinal);
        Assert.DoesNotContain("via acting as", @out, StringComparison.Ordinal);
        Assert.Contains("  sp:ci-deployer: not admin-level; 2 entitlements, 1 secret scopes; ", @out, StringComparison.Ordinal);
        Assert.Contains("    user:alice@contoso.com can act as sp:ci-deployer (READ on scope app-secrets through data-scientists, which stores its token)", @out, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_of_prod_exits_zero()
    {
        Assert.Equal(0, Run(RepoRoot, "check", "--stack", "prod").Code);
    }

    [Fact]
    public void Bad_config_prints_every_error_with_its_path_on_stderr_and_exits_two()
    {
        var (code, @out, err) = Run(_dir, "check", "--file", Fixture("bad-references.yaml"));
        Assert.Equal(2, code);
        var lines = err.TrimEnd().Split('\n');
        Assert.Equal(
            [
                "topology.groups.admins.members[2].expires: '2026-12-01' must be an ISO-8601 timestamp with a time zone, such as 2026-12-01T18:00:00Z",
                "topology.groups.analysts.members[0]: member group:missing is not declared in topology.groups",
                "topology.jobs.etl.canManageRun[0]: job permission principal sp:ghost is not declared in topology.servicePrincipals",
            ],
            lines);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Contains("invalid: 3 error(s)", @out, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_violations_exit_one()
    {
        var (code, _, err) = Run(_dir, "check", "--file", Fixture("prod-standing-admin.yaml"));
        Assert.Equal(1, code);
        Assert.StartsWith("topology.groups.admins.members[0]: policy standing-admin: user:mallory@contoso.com", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_syntax_errors_and_unreadable_files_are_one_line_with_file_and_line()
    {
        var (code, _, err) = Run(_dir, "check", "--file", Fixture("bad-syntax.yaml"));
        Assert.Equal(2, code);
        Assert.Matches(@"^.*bad-syntax\.yaml:\d+:\d+: YAML syntax error: .+\n$", err.Replace("\r", string.Empty, StringComparison.Ordinal));

        var missing = Run(_dir, "check", "--file", Path.Combine(_dir, "nope.yaml"));
        Assert.Equal(2, missing.Code);
        Assert.Single(missing.Err.TrimEnd().Split('\n'));
        Assert.Contains("nope.yaml: cannot read the stack file", missing.Err, StringComparison.Ordinal);

        var noProject = Run(_dir, "check", "--stack", "dev");
        Assert.Equal(2, noProject.Code);
        Assert.Contains("no Pulumi.yaml found", noProject.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors_exit_two()
    {
        Assert.Equal(2, Run(_dir, "check").Code);
        Assert.Equal(2, Run(_dir, "plan", "--stack", "dev", "--format", "xml").Code);
        Assert.Equal(2, Run(RepoRoot, "plan", "--stack", "dev", "--now", "2026-11-25").Code);
    }

    [Fact]
    public void Now_moves_expiry_and_json_is_machine_readable()
    {
        var (code, @out, _) = Run(RepoRoot, "plan", "--stack", "dev", "--now", "2026-11-23T07:59:59Z", "--format", "json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(@out);
        Assert.Equal("2026-11-23T07:59:59Z", json.RootElement.GetProperty("now").GetString());
        Assert.Empty(json.RootElement.GetProperty("expired").EnumerateArray());
        Assert.Contains(json.RootElement.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "group-admins-member-user-oncall@contoso.com");
    }

    [Fact]
    public void Plan_json_names_the_resource_an_expired_membership_had()
    {
        // One second before expiry the membership is a planned GroupMember; at expiry it is gone from the resources
        // and listed as expired with exactly that type and name (the scheduled revocation deletes by it).
        var before = Run(RepoRoot, "plan", "--stack", "dev", "--now", "2026-11-23T07:59:59Z", "--format", "json");
        var at = Run(RepoRoot, "plan", "--stack", "dev", "--now", "2026-11-23T08:00:00Z", "--format", "json");
        Assert.Equal((0, 0), (before.Code, at.Code));
        using var planned = JsonDocument.Parse(before.Out);
        using var expired = JsonDocument.Parse(at.Out);
        var member = Assert.Single(
            planned.RootElement.GetProperty("resources").EnumerateArray(),
            r => r.GetProperty("name").GetString()!.StartsWith("group-admins-member-user-oncall", StringComparison.Ordinal));

        var entry = Assert.Single(expired.RootElement.GetProperty("expired").EnumerateArray());
        Assert.Equal("admins", entry.GetProperty("group").GetString());
        Assert.Equal("user:oncall@contoso.com", entry.GetProperty("principal").GetString());
        Assert.Equal(member.GetProperty("type").GetString(), entry.GetProperty("type").GetString());
        Assert.Equal("databricks:index/groupMember:GroupMember", entry.GetProperty("type").GetString());
        Assert.Equal(member.GetProperty("name").GetString(), entry.GetProperty("resource").GetString());
        Assert.DoesNotContain(
            expired.RootElement.GetProperty("resources").EnumerateArray(),
            r => r.GetProperty("name").GetString() == entry.GetProperty("resource").GetString());
    }

    [Fact]
    public void Diff_between_files_is_markdown_ready()
    {
        var before = Project("dev", File.ReadAllText(Path.Combine(RepoRoot, "Pulumi.dev.yaml")));
        var after = Path.Combine(_dir, "after.yaml");
        File.WriteAllText(after, File.ReadAllText(before).Edit("          - user:alice@contoso.com\n", string.Empty));
        var (code, @out, err) = Run(_dir, "diff", "--base", before, "--head", after, "--format", "markdown");
        Assert.Equal(0, code);
        OnlyWarnings(err);
        Assert.Contains("- alice@contoso.com can no longer act as sp:ci-deployer (was: READ on scope app-secrets through data-scientists, which stores its token)", @out, StringComparison.Ordinal);
        Assert.DoesNotContain("via acting as", @out, StringComparison.Ordinal);
        Assert.Contains("**Losses**", @out, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAB", @out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_against_a_git_revision_reads_the_stack_file_at_that_revision()
    {
        var path = Project("dev", File.ReadAllText(Path.Combine(RepoRoot, "Pulumi.dev.yaml")));
        Git("init", "-q");
        Git("add", ".");
        Git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base");
        File.WriteAllText(path, File.ReadAllText(path).Edit("group:data-scientists: READ", "group:data-scientists: MANAGE"));

        var (code, @out, err) = Run(_dir, "diff", "--stack", "dev", "--base-ref", "HEAD");
        Assert.Equal(0, code);
        OnlyWarnings(err);
        Assert.Contains("~ alice@contoso.com changes from READ on app-secrets to MANAGE via data-scientists", @out, StringComparison.Ordinal);

        var bad = Run(_dir, "diff", "--stack", "dev", "--base-ref", "no-such-ref");
        Assert.Equal(2, bad.Code);
        Assert.StartsWith("Pulumi.dev.yaml@no-such-ref: ", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void The_built_command_runs_as_a_process_with_the_same_exit_codes()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DatabricksAccess.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "check", "--file", Fixture("bad-references.yaml")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = _dir,
        };
        using var process = Process.Start(psi)!;
        var err = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith("topology.groups.admins.members[2].expires:", err, StringComparison.Ordinal);
    }

    private void Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git", args) { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>stderr holds warnings only (one per line), never an error or a violation.</summary>
    private static void OnlyWarnings(string err) =>
        Assert.All(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Contains(": warning: ", line, StringComparison.Ordinal));
}
