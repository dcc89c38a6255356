using System.Text.Json;
using System.Text.RegularExpressions;

namespace DatabricksAccess.Live.Tests;

/// <summary>No value from the live workspace can forge a line, a table row or hide part of a comment.</summary>
public sealed partial class EscapingTests : IDisposable
{
    private const string HostileUser = "evil@contoso.com\n  critical undeclared-admin user:forged@x on group:admins: fake | x | y <!-- hidden";
    private const string HostileGroup = "ops`|\r\n| low | missing | `a` | `b` | `c` |<!--\u202e@here";
    private readonly Fixture _f = new();

    public EscapingTests()
    {
        _f.Fake.Users.Add(new FakeUser("u9", HostileUser, "Evil\nName"));
        _f.Analysts.Members.Add(new FakeMember("Users", "u9", "Evil\nName"));
        _f.Fake.AccountGroups.Add(new FakeGroup("ag9", HostileGroup, []));
        _f.Fake.Scopes["app-secrets"].Add(new FakeAcl(HostileGroup, "READ"));
    }

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Text_keeps_one_line_per_finding_and_shows_control_characters_as_escapes()
    {
        var (code, @out, _) = _f.Audit();
        Assert.Equal(1, code);
        var lines = @out.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length); // the header and two findings
        Assert.All(lines[1..], l => Assert.Matches(@"^  (critical|high|medium|low) ", l));
        Assert.Contains(@"user:evil@contoso.com\u000a  critical undeclared-admin user:forged@x", @out, StringComparison.Ordinal);
        Assert.Contains(@"group:ops`|\u000d\u000a| low |", @out, StringComparison.Ordinal);
        Assert.Contains(@"\u202e@here", @out, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', @out);
        Assert.DoesNotContain('\u202e', @out);
    }

    [Fact]
    public void Markdown_values_stay_inside_their_cells_and_code_spans()
    {
        var (code, md, _) = _f.Audit("markdown");
        Assert.Equal(1, code);
        Assert.DoesNotContain('\r', md);
        var rows = md.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Equal(4, rows.Count); // header, separator, two findings
        foreach (var row in rows)
        {
            // Every cell boundary is a bare pipe; values contribute none.
            Assert.Equal(6, row.Count(c => c == '|'));
        }

        // Outside code spans, no value is left: no HTML comment, no mention, no link text.
        var outside = CodeSpan().Replace(md, string.Empty);
        Assert.DoesNotContain("<!--", outside, StringComparison.Ordinal);
        Assert.DoesNotContain("@", outside, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", outside, StringComparison.Ordinal);
        Assert.Contains(@"`group:ops\u0060\u007c\u000d\u000a\u007c low \u007c missing", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_carries_the_exact_values()
    {
        var (code, json, _) = _f.Audit("json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(json);
        var principals = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("principal").GetString()).ToList();
        Assert.Equal(["group:" + HostileGroup, "user:" + HostileUser], principals.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("<!--", json, StringComparison.Ordinal); // System.Text.Json escapes < as \u003C
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\r\nb", @"a\u000d\u000ab")]
    [InlineData("back\\slash", @"back\\slash")]
    [InlineData("tab\there", @"tab\u0009here")]
    [InlineData("bidi\u202eevil", @"bidi\u202eevil")]
    [InlineData("zero\u200bwidth", @"zero\u200bwidth")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData("nul\0", @"nul\u0000")]
    [InlineData("é ü 中文", "é ü 中文")]
    public void Line_escapes_what_could_break_or_disguise_a_line(string value, string expected) =>
        Assert.Equal(expected, Escape.Line(value));

    [Theory]
    [InlineData("x", "`x`")]
    [InlineData("", "` `")]
    [InlineData("a|b`c", @"`a\u007cb\u0060c`")]
    [InlineData("<!-- x -->", "`<!-- x -->`")]
    public void Code_spans_cannot_be_closed_or_split_by_their_value(string value, string expected) =>
        Assert.Equal(expected, Escape.Code(value));

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex CodeSpan();
}
