using System.Text.Json;
using CsCheck;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// What a reviewer reads: values cannot forge lines, rows or hide text; the diff tells objects apart by config key;
/// every piece of temporary access shows its reason.
/// </summary>
public sealed class ReviewOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-review-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Run(string topology, params string[] args)
    {
        var path = Path.Combine(_dir, "stack.yaml");
        File.WriteAllText(path, StackYaml(topology));
        return HostileInputTests.Run(_dir, [.. args, "--file", path]);
    }

    private static string In(double days) => Instants.Format(Now.AddDays(days));

    private static int Cells(string row)
    {
        var n = 0;
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i] == '\\')
            {
                i++;
            }
            else if (row[i] == '|')
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Every Markdown table row has exactly as many cell separators as its header.</summary>
    private static void AssertTablesIntact(string markdown)
    {
        var header = -1;
        foreach (var line in markdown.Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                header = -1;
                continue;
            }

            if (header < 0)
            {
                header = Cells(line);
            }

            Assert.True(Cells(line) == header, $"row '{line}' has {Cells(line)} separators, its header {header}");
        }
    }

    private const string Forging = "\"INC-1 | forged | row |\\n| user:mallory@contoso.com | Workspace | workspace | ADMIN | direct | standing | |\\n<!-- hide the rest\\u202E\"";

    [Fact]
    public void A_newline_in_a_key_cannot_split_a_finding_into_forged_lines()
    {
        var (code, _, err) = Run("groups:\n  \"ok\\ntopology.groups.x: policy standing-admin: all clear\": {}\n", "check");
        Assert.Equal(2, code);
        Assert.Equal(
            ["topology.groups[\"ok\\ntopology.groups.x: policy standing-admin: all clear\"]: 'ok\\ntopology.groups.x: policy standing-admin: all clear' is not a valid group key; keys use letters, digits, '-', '_' and '.' (no '..'), at most 100"],
            err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Reasons_cannot_forge_table_rows_or_hide_the_rest_of_a_comment()
    {
        var topology = $$"""
            groups:
              analysts:
                members:
                  - { principal: "user:bob@contoso.com", expires: "{{In(3)}}", reason: {{Forging}} }
            secretScopes:
              s: { acls: { "group:analysts": READ } }
            """;
        var markdown = Run(topology, "plan", "--format", "markdown", "--now", Instants.Format(Now));
        Assert.Equal(0, markdown.Code);
        Assert.DoesNotContain("<!--", markdown.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", markdown.Out, StringComparison.Ordinal);
        Assert.Contains("&lt;!-- hide the rest\\\\u202E", markdown.Out, StringComparison.Ordinal);
        AssertTablesIntact(markdown.Out);

        var text = Run(topology, "plan");
        Assert.DoesNotContain("\u202E", text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(text.Out.Split('\n'), l => l.StartsWith("| user:mallory", StringComparison.Ordinal));
        Assert.Contains("reason: INC-1 | forged | row |\\n| user:mallory@contoso.com | Workspace | workspace | ADMIN | direct | standing | |\\n<!-- hide the rest\\u202E", text.Out, StringComparison.Ordinal);

        var check = Run(topology, "check", "--format", "markdown");
        Assert.DoesNotContain("<!--", check.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_markdown_escapes_what_it_describes()
    {
        var before = Path.Combine(_dir, "before.yaml");
        var after = Path.Combine(_dir, "after.yaml");
        File.WriteAllText(before, StackYaml("groups:\n  analysts: {}\n"));
        File.WriteAllText(after, StackYaml($$"""
            groups:
              analysts:
                members:
                  - { principal: "user:bob@contoso.com", expires: "{{In(3)}}", reason: {{Forging}} }
            """));
        var (code, @out, _) = HostileInputTests.Run(_dir, "diff", "--base", before, "--head", after, "--format", "markdown");
        Assert.Equal(0, code);
        Assert.DoesNotContain("<!--", @out, StringComparison.Ordinal);
        Assert.Contains("- bob@contoso.com gains membership of analysts, until ", @out, StringComparison.Ordinal);
        Assert.Equal(1, @out.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Escaping_keeps_every_value_on_one_line_and_out_of_markup()
    {
        Gen.String[Gen.Char, 0, 40].Sample(value =>
        {
            var text = Escape.Text(value);
            Assert.DoesNotContain(text, c => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);
            var md = Escape.Markdown(value);
            Assert.DoesNotContain('<', md);
            Assert.Equal(0, Cells(md));
            var code = Escape.Code(value, inTable: true);
            Assert.Equal(0, Cells(code));
            Assert.DoesNotContain('\n', code);
        });
        Assert.Equal("plain value-1.2@x", Escape.Text("plain value-1.2@x"));
        Assert.Equal("a\\nb\\\\c\\u202Ed", Escape.Text("a\nb\\c\u202Ed"));
        Assert.Equal("``a`b``", Escape.Code("a`b"));
    }

    [Fact]
    public void Two_jobs_with_one_display_name_stay_apart_in_the_matrix_and_the_diff()
    {
        const string Jobs = """
            jobs:
              nightly-a: { name: Nightly, notebook: /Shared/a, runAs: "user:svc@contoso.com", canView: [user:ann@contoso.com] }
              nightly-b: { name: Nightly, notebook: /Shared/b, runAs: "user:svc@contoso.com", canManage: [user:ann@contoso.com] }
            """;
        var head = Evaluate(Jobs);
        Assert.Equal(
            [("Nightly (nightly-a)", "CAN_VIEW"), ("Nightly (nightly-b)", "CAN_MANAGE")],
            head.Access.Where(e => e.Principal == PrincipalRef.User("ann@contoso.com") && e.Kind == AccessKind.Job).Select(e => (e.ResourceLabel, e.Permission)));

        var before = Evaluate(Jobs.Edit(", canManage: [user:ann@contoso.com]", string.Empty));
        Assert.Equal(
            ["ann@contoso.com gains CAN_MANAGE on job Nightly (nightly-b)", "ann@contoso.com can now act as user:svc@contoso.com (CAN_MANAGE on job Nightly, which runs as it)"],
            AccessDiff.Compute(before.Access, head.Access).Select(c => c.Describe()));
    }

    [Fact]
    public void Plan_lists_every_active_time_bound_membership_with_its_reason_and_the_matrix_shows_it_beside_until()
    {
        var topology = $$"""
            groups:
              analysts:
                members:
                  - { principal: "user:bob@contoso.com", expires: "{{In(2)}}", reason: INC-1 }
                  - { principal: "user:eve@contoso.com", expires: "{{In(20)}}", reason: PROJ-42 }
              readers:
                members:
                  - { principal: "group:analysts", expires: "{{In(10)}}", reason: QUARTER-END }
            secretScopes:
              s: { acls: { "group:readers": READ } }
            """;
        var (code, @out, _) = Run(topology, "plan");
        Assert.Equal(0, code);
        Assert.Contains("Time-bound memberships (3, every one active, soonest expiry first):", @out, StringComparison.Ordinal);
        Assert.Contains($"    {In(20)}  analysts                 user:eve@contoso.com                     reason: PROJ-42", @out, StringComparison.Ordinal);
        Assert.Contains($"    {In(10)}  readers                  group:analysts                           reason: QUARTER-END", @out, StringComparison.Ordinal);
        // eve's 20 days end, for the scope, with the analysts' 10 days in readers: that membership's reason shows.
        Assert.Contains($"SecretScope  s                                READ                   via readers (through analysts) until {In(10)} (reason: QUARTER-END)", @out, StringComparison.Ordinal);
        Assert.Contains($"SecretScope  s                                READ                   via readers (through analysts) until {In(2)} (reason: INC-1)", @out, StringComparison.Ordinal);

        var json = JsonDocument.Parse(Run(topology, "plan", "--format", "json").Out).RootElement;
        Assert.Equal(
            [("analysts", "user:bob@contoso.com", In(2), "INC-1"), ("readers", "group:analysts", In(10), "QUARTER-END"), ("analysts", "user:eve@contoso.com", In(20), "PROJ-42")],
            json.GetProperty("timeBound").EnumerateArray().Select(e => (e.GetProperty("group").GetString(), e.GetProperty("principal").GetString(), e.GetProperty("expires").GetString(), e.GetProperty("reason").GetString())));
        Assert.Contains(json.GetProperty("access").EnumerateArray(), e => e.GetProperty("principal").GetString() == "user:eve@contoso.com"
            && e.GetProperty("resource").GetString() == "s" && e.GetProperty("reason").GetString() == "QUARTER-END");

        var markdown = Run(topology, "plan", "--format", "markdown").Out;
        Assert.Contains($"| {In(20)} | analysts | `user:eve@contoso.com` | PROJ-42 |", markdown, StringComparison.Ordinal);
        Assert.Contains($"| `user:eve@contoso.com` | SecretScope | s | READ | readers (through analysts) | {In(10)} | QUARTER-END |", markdown, StringComparison.Ordinal);
    }
}
