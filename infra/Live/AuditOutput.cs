using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DatabricksAccess.Live;

public enum AuditFormat
{
    Text,
    Json,
    Markdown,
}

/// <summary>What an audit was run on: shown above the findings.</summary>
public sealed record AuditHeader(string Source, DateTimeOffset Now, Uri Workspace, Uri? Account);

/// <summary>
/// Writes an audit report. Every value that comes from config or from the live workspace is escaped: in text, one
/// finding is one line whatever a name holds; in markdown, no value can add a table row, a line, markup, a mention
/// or an HTML comment that hides the rest of a PR or issue comment.
/// </summary>
public static class AuditOutput
{
    /// <summary>The audit's JSON options: indented, and a null field is written as null (not left out, unlike the plan reports).</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Write(TextWriter @out, AuditFormat format, AuditHeader header, AuditReport report)
    {
        switch (format)
        {
            case AuditFormat.Json:
                WriteJson(@out, header, report);
                break;
            case AuditFormat.Markdown:
                WriteMarkdown(@out, header, report);
                break;
            default:
                WriteText(@out, header, report);
                break;
        }
    }

    /// <summary>As Topology's Instants.Format: to the second, with the fraction when there is one.</summary>
    public static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Count(AuditReport report) => report.Findings.Count == 0 ? "no findings" : $"{report.Findings.Count} finding(s)";

    private static void WriteText(TextWriter @out, AuditHeader header, AuditReport report)
    {
        @out.WriteLine($"Audit of {Escape.Line(header.Source)} at {Stamp(header.Now)} against {Escape.Line(header.Workspace.ToString())}"
            + (header.Account is null ? string.Empty : $" and {Escape.Line(header.Account.ToString())}") + $": {Count(report)}");
        foreach (var f in report.Findings)
        {
            @out.WriteLine($"  {Severities.Name(f.Severity),-8} {f.Kind,-25} {Escape.Line(f.Principal ?? "-")} on {Escape.Line(f.Object)}: {Escape.Line(f.Detail)}");
        }

        foreach (var note in report.Notes)
        {
            @out.WriteLine($"  note: {Escape.Line(note)}");
        }
    }

    private static void WriteMarkdown(TextWriter @out, AuditHeader header, AuditReport report)
    {
        @out.WriteLine($"### Shadow access audit of {Escape.Code(header.Source)}");
        @out.WriteLine();
        @out.WriteLine($"Read at {Stamp(header.Now)} from {Escape.Code(header.Workspace.ToString())}"
            + (header.Account is null ? string.Empty : $" and {Escape.Code(header.Account.ToString())}") + $": **{Count(report)}**");
        if (report.Findings.Count > 0)
        {
            @out.WriteLine();
            @out.WriteLine("| Severity | Kind | Principal | Object | Detail |");
            @out.WriteLine("|---|---|---|---|---|");
            foreach (var f in report.Findings)
            {
                @out.WriteLine($"| {Severities.Name(f.Severity)} | {f.Kind} | {Escape.Code(f.Principal ?? "-")} | {Escape.Code(f.Object)} | {Escape.Code(f.Detail)} |");
            }
        }

        foreach (var note in report.Notes)
        {
            @out.WriteLine();
            @out.WriteLine($"Note: {Escape.Code(note)}");
        }

        @out.WriteLine();
        @out.WriteLine("<sub>How to answer each kind of finding: docs/audit.md.</sub>");
    }

    private static void WriteJson(TextWriter @out, AuditHeader header, AuditReport report) =>
        @out.WriteLine(JsonSerializer.Serialize(new AuditJson(header.Source, Stamp(header.Now), header.Workspace.ToString(), header.Account?.ToString(),
            report.Findings.Count == 0 ? 0 : 1,
            [.. report.Findings.Select(f => new AuditFindingJson(f.Kind, Severities.Name(f.Severity), f.Principal, f.Object, f.Detail))],
            report.Notes), Json));
}

// The audit's JSON is a contract: the scheduled audit and the deploy's account audit (.github) read it.
// schema/cli-audit.schema.json describes the same fields; ReportSchemaTests fail when the two differ.

/// <summary><c>audit --format json</c>: a null <c>account</c> (the workspace-only audit, or a stack without one) is written as null.</summary>
public sealed record AuditJson(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("now")] string Now,
    [property: JsonPropertyName("workspace")] string Workspace,
    [property: JsonPropertyName("account")] string? Account,
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("findings")] IReadOnlyList<AuditFindingJson> Findings,
    [property: JsonPropertyName("notes")] IReadOnlyList<string> Notes);

/// <summary>One finding; <c>principal</c> is null for a finding about an object alone (a missing job).</summary>
public sealed record AuditFindingJson(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>Escaping of untrusted values for the text and markdown outputs.</summary>
public static class Escape
{
    /// <summary>
    /// One line of plain text: backslash becomes <c>\\</c>; control characters, line and paragraph separators and
    /// invisible format characters (bidirectional overrides, zero-width characters) become <c>\uXXXX</c>.
    /// </summary>
    public static string Line(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        StringBuilder? text = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var category = char.GetUnicodeCategory(c);
            string? replacement = c == '\\' ? "\\\\"
                : char.IsControl(c) || category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                    ? $"\\u{(int)c:x4}"
                    : null;
            if (replacement is null)
            {
                text?.Append(c);
                continue;
            }

            text ??= new StringBuilder(value, 0, i, value.Length + 16);
            text.Append(replacement);
        }

        return text?.ToString() ?? value;
    }

    /// <summary>
    /// A markdown code span holding <see cref="Line"/> of the value, with its pipes and backticks also written as
    /// <c>\u007c</c> and <c>\u0060</c>: nothing in it can end the span or the table cell, and nothing in a code span is
    /// markup, a link, a mention or HTML (an HTML comment opener included).
    /// </summary>
    public static string Code(string? value)
    {
        var line = Line(value).Replace("|", "\\u007c", StringComparison.Ordinal).Replace("`", "\\u0060", StringComparison.Ordinal);
        return line.Length == 0 ? "` `" : $"`{line}`";
    }
}
