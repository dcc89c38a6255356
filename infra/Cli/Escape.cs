using System.Buffers;
using System.Globalization;
using System.Text;

namespace DatabricksAccess.Cli;

/// <summary>
/// The one place where values from config (keys, names, reasons, emails, paths) are made safe for the format that
/// echoes them, so no input can forge a line or a table row, or hide what follows it. JSON needs nothing here:
/// System.Text.Json escapes every value it writes.
/// </summary>
public static class Escape
{
    private static readonly SearchValues<char> MarkdownSpecial = SearchValues.Create("<>&|`*_[]~\\");

    /// <summary>Printable ASCII but the backslash: plain (<see cref="IsPlain"/>), and most of any value.</summary>
    private static readonly SearchValues<char> PlainAscii =
        SearchValues.Create(string.Concat(Enumerable.Range(' ', '\u007F' - ' ').Select(c => (char)c).Where(c => c != '\\')));

    /// <summary>
    /// Plain text on one line: line breaks, control and invisible formatting characters (bidirectional overrides,
    /// zero-width characters) and the backslash itself are written as escapes such as <c>\n</c> and <c>\u202E</c>.
    /// </summary>
    public static string Text(string value)
    {
        var i = value.AsSpan().IndexOfAnyExcept(PlainAscii);
        if (i < 0)
        {
            return value;
        }

        while (i < value.Length && IsPlain(value, i))
        {
            i += char.IsHighSurrogate(value[i]) ? 2 : 1;
        }

        if (i == value.Length)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 16).Append(value, 0, i);
        while (i < value.Length)
        {
            var c = value[i];
            if (IsPlain(value, i))
            {
                sb.Append(c);
                if (char.IsHighSurrogate(c))
                {
                    sb.Append(value[++i]);
                }
            }
            else
            {
                sb.Append(c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    '\\' => "\\\\",
                    _ => $"\\u{(int)c:X4}",
                });
            }

            i++;
        }

        return sb.ToString();
    }

    /// <summary>
    /// Markdown text (also safe in a table cell): one line as <see cref="Text"/>, no raw HTML (<c>&lt;</c>,
    /// <c>&gt;</c> and <c>&amp;</c> become entities, so <c>&lt;!--</c> cannot hide the rest of a comment), and
    /// inline markup characters and the cell separator backslash-escaped.
    /// </summary>
    public static string Markdown(string value)
    {
        var text = Text(value);
        if (text.AsSpan().IndexOfAny(MarkdownSpecial) < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '|' or '`' or '*' or '_' or '[' or ']' or '~' or '\\' => $"\\{c}",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    /// <summary>
    /// A Markdown code span: one line as <see cref="Text"/>, fenced with more backticks than the value holds in a
    /// row; in a table cell a '|' is escaped as GitHub requires even inside code.
    /// </summary>
    public static string Code(string value, bool inTable = false)
    {
        var text = Text(value);
        if (inTable)
        {
            text = text.Replace("|", "\\|", StringComparison.Ordinal);
        }

        var longest = 0;
        var run = 0;
        foreach (var c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        var pad = text.StartsWith('`') || text.EndsWith('`') ? " " : string.Empty;
        return $"{fence}{pad}{text}{pad}{fence}";
    }

    private static bool IsPlain(string value, int i)
    {
        var c = value[i];
        if (c is >= ' ' and < '\u007F')
        {
            return c != '\\';
        }

        if (char.IsHighSurrogate(c))
        {
            return i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
        }

        return char.GetUnicodeCategory(c) is not (UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse);
    }
}
