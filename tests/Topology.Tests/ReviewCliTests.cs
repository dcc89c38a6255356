using System.Diagnostics;
using System.Text.Json;
using DatabricksAccess.Cli;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Issue 18 at the command line: help per verb, suggestions, format errors, new stack files, one set of sections in every format.</summary>
public sealed class ReviewCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-review-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(string cwd, params string[] args)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(args, @out, err, new FakeTimeProvider(Now), cwd);
        return (code, @out.ToString(), err.ToString());
    }

    private static string Example(string name) => Path.Combine(RepoRoot, "examples", "review", name);

    [Theory]
    [InlineData("check", "--file")]
    [InlineData("plan", "--file")]
    [InlineData("diff", "--base-ref")]
    [InlineData("audit", "--file")]
    public void Each_verb_prints_its_own_options_on_help_and_exits_zero(string verb, string option)
    {
        var (code, @out, err) = Run(_dir, verb, "--help");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, err);
        Assert.Contains(option, @out, StringComparison.Ordinal);
        Assert.Contains("--format <text|json|markdown>", @out, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Text]", @out, StringComparison.Ordinal); // a .NET enum member, not a value one can type
        Assert.Contains($" {verb} [options]", @out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xml", "usage: --format: 'xml' is not a format; formats: text, json, markdown")]
    [InlineData("jsno", "usage: --format: 'jsno' is not a format; formats: text, json, markdown; did you mean 'json'?")]
    public void A_bad_format_lists_the_formats_and_names_no_type(string value, string line)
    {
        var (code, _, err) = Run(_dir, "check", "--file", Example("base.yaml"), "--format", value);
        Assert.Equal(2, code);
        Assert.Equal(line, err.Trim());
        Assert.DoesNotContain("OutputFormat", err, StringComparison.Ordinal);
        Assert.DoesNotContain("DatabricksAccess", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_principals_and_project_keys_get_did_you_mean()
    {
        var file = Path.Combine(_dir, "typos.yaml");
        File.WriteAllText(file, """
            config:
              databricks-access:polcy: { maxAdminHours: 720 }
              databricks-access:topology:
                groups:
                  analysts: { membrs: [user:a@contoso.com], workspaceAccess: Admin }
                  admins: { existing: true, members: [group:analyst, "gruop:analysts"] }
            """);
        var (code, _, err) = Run(_dir, "check", "--file", file);
        Assert.Equal(2, code);
        Assert.Contains("config[\"databricks-access:polcy\"]: warning: unknown key 'databricks-access:polcy'; did you mean 'policy'?", err, StringComparison.Ordinal);
        Assert.Contains("topology.groups.analysts.membrs: unknown key 'membrs'; did you mean 'members'?", err, StringComparison.Ordinal);
        Assert.Contains("topology.groups.analysts.workspaceAccess: 'Admin' is not one of: none, user, admin; did you mean 'admin'?", err, StringComparison.Ordinal);
        Assert.Contains("topology.groups.admins.members[0]: member group:analyst is not declared in topology.groups; did you mean 'group:analysts'?", err, StringComparison.Ordinal);
        Assert.Contains("topology.groups.admins.members[1]: 'gruop:analysts' has unknown principal kind 'gruop'; expected user, group, sp or webapp; did you mean 'group'?", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_stack_file_is_diffed_against_an_empty_stack_when_the_base_ref_lacks_it()
    {
        File.WriteAllText(Path.Combine(_dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
        Git("init", "-q");
        Git("add", ".");
        Git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base");
        File.Copy(Example("head.yaml"), Path.Combine(_dir, "Pulumi.new.yaml"));

        var (code, @out, err) = Run(_dir, "diff", "--stack", "new", "--base-ref", "HEAD");
        Assert.True(code == 0, err);
        Assert.StartsWith("Access changes from Pulumi.new.yaml@HEAD (absent there: an empty stack) to ", @out, StringComparison.Ordinal);
        Assert.Contains("+ ann@contoso.com can now act as sp:reporter (CAN_MANAGE_RUN on job nightly through analysts, which runs as it)", @out, StringComparison.Ordinal);

        // A revision that does not exist is still an error.
        var bad = Run(_dir, "diff", "--stack", "new", "--base-ref", "no-such-ref");
        Assert.Equal(2, bad.Code);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("markdown")]
    public void The_review_diff_names_the_run_as_change_the_policy_change_and_the_expired_entry_in_every_format(string format)
    {
        var (code, @out, _) = Run(_dir, "diff", "--base", Example("base.yaml"), "--head", Example("head.yaml"), "--format", format);
        Assert.Equal(0, code);
        foreach (var text in new[]
                 {
                     "job nightly now runs as sp:reporter (was sp:loader): group:analysts can run code as sp:reporter",
                     "policy maxAdminHours: 12 → 720 (loosens)",
                     "already past at 2026-11-25T12:00:00Z: it grants nothing",
                     "group:analysts can now act as sp:reporter",
                 })
        {
            var expected = format == "markdown" ? Escape.Markdown(text) : text;
            Assert.Contains(expected, format == "json" ? string.Join('\n', Texts(@out)) : @out, StringComparison.Ordinal);
        }

        if (format == "json")
        {
            using var doc = JsonDocument.Parse(@out);
            Assert.Contains(doc.RootElement.GetProperty("planChanges").EnumerateArray(), c => c.GetProperty("kind").GetString() == "policy" && c.GetProperty("loosens").GetBoolean());
        }
    }

    [Fact]
    public void The_review_reference_shows_the_diff_the_command_prints_for_the_example_pair()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot, "docs", "review.md"));
        var start = readme.IndexOf("```\nAccess changes from examples/review/base.yaml", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/review.md lost the review section's diff");
        var block = readme[(start + 4)..readme.IndexOf("\n```", start + 4, StringComparison.Ordinal)];
        var (code, @out, err) = Run(RepoRoot, "diff", "--base", Example("base.yaml"), "--head", Example("head.yaml"), "--now", "2026-11-25T12:00:00Z");
        Assert.True(code == 0, err);
        Assert.Equal(@out.Replace(RepoRoot + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal).TrimEnd('\n'), block);
    }

    private static List<string> Texts(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("changes").EnumerateArray().Concat(doc.RootElement.GetProperty("planChanges").EnumerateArray())
            .Select(c => c.GetProperty("text").GetString()!).ToList();
    }

    /// <summary>The PR comment (markdown) carries every section text and JSON carry.</summary>
    [Fact]
    public void Every_plan_format_has_the_same_review_sections()
    {
        var file = Path.Combine(_dir, "Pulumi.dev.yaml");
        File.WriteAllText(file, File.ReadAllText(Path.Combine(RepoRoot, "Pulumi.dev.yaml")).Edit(
            "          - user:carol@contoso.com\n",
            "          - user:carol@contoso.com\n          - { principal: user:dan@contoso.com, starts: \"2026-11-26T08:00:00Z\", expires: \"2026-11-26T16:00:00Z\", reason: CHG-9 }\n"));
        var text = Run(_dir, "plan", "--file", file).Out;
        var markdown = Run(_dir, "plan", "--file", file, "--format", "markdown").Out;
        using var json = JsonDocument.Parse(Run(_dir, "plan", "--file", file, "--format", "json").Out);

        var sections = new (string Text, string Markdown, string Json)[]
        {
            ("Blast radius", "**Blast radius:**", "blastRadius"),
            ("Credentials (", "| Credential |", "credentials"),
            ("Lookups (", "**Lookups**", "lookups"),
            ("Memberships expiring within 7 days", "**Memberships expiring within 7 days**", "expiringSoon"),
            ("Expired memberships", "**Expired memberships", "expired"),
            ("Time-bound memberships (", "**Time-bound memberships**", "timeBound"),
            ("Pending memberships (1,", "**Pending memberships** (1,", "pending"),
            ("Unresolved lookups: none", "**Unresolved lookups** (0)", "unresolved"),
            ("Acting as (", "**Acting as** (", "actingAs"),
        };
        Assert.All(sections, s =>
        {
            Assert.Contains(s.Text, text, StringComparison.Ordinal);
            Assert.Contains(s.Markdown, markdown, StringComparison.Ordinal);
            Assert.True(json.RootElement.TryGetProperty(s.Json, out _), s.Json);
        });

        const string Line = "group:data-scientists can act as sp:ci-deployer (READ on scope app-secrets, which stores its token)";
        Assert.Contains(Line, text, StringComparison.Ordinal);
        Assert.Contains(Escape.Markdown(Line), markdown, StringComparison.Ordinal);
        Assert.Contains(json.RootElement.GetProperty("actingAs").EnumerateArray(), a => a.GetProperty("text").GetString() == Line);
        var pending = Assert.Single(json.RootElement.GetProperty("pending").EnumerateArray());
        Assert.Equal("group-data-engineers-member-user-dan@contoso.com", pending.GetProperty("resource").GetString());
        Assert.Contains("2026-11-26T08:00:00Z -> 2026-11-26T16:00:00Z  data-engineers", text, StringComparison.Ordinal);
    }

    private void Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git", args) { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
