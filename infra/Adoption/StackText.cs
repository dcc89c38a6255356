using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Config;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DatabricksAccess.Adoption;

/// <summary>
/// Writes adopted entries into a stack file's text, leaving every line already there as it was (comments included):
/// each section of <c>databricks-access:topology</c> gets the new entries appended at the end of its block, a missing
/// section (or topology) is appended. Block style only; a section written in flow style other than <c>{}</c>/<c>[]</c>
/// is a <see cref="ConfigLoadException"/> (rewrite it in block style, then adopt again).
/// </summary>
public static partial class StackText
{
    public const string TopologyKey = "databricks-access:topology";

    /// <summary>A section's new entries, lines indented from 0 (a map's keys, or a list's <c>- </c> items).</summary>
    public sealed record Section(string Name, IReadOnlyList<string> Lines);

    public static string Merge(string text, string file, IEnumerable<Section> sections)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        foreach (var section in sections.Where(s => s.Lines.Count > 0))
        {
            Insert(lines, file, section);
        }

        return string.Join(newline, lines) + newline;
    }

    /// <summary>Adds an empty <c>databricks-access:topology</c> (<c>groups: {}</c>) to a file that has none.</summary>
    public static string EnsureTopology(string text, string file)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var config = lines.FindIndex(l => ConfigLine().IsMatch(l));
        if (config < 0)
        {
            throw new ConfigLoadException($"{file}: no top-level 'config:' block to adopt into");
        }

        var (_, end, child) = Block(lines, config, 0, isList: false);
        child = child < 0 ? 2 : child;
        if (Find(lines, config + 1, end, child, TopologyKey) < 0)
        {
            lines.InsertRange(end + 1, [$"{Spaces(child)}{TopologyKey}:", $"{Spaces(child + 2)}groups: {{}}"]);
        }

        return string.Join(newline, lines) + newline;
    }

    private static void Insert(List<string> lines, string file, Section section)
    {
        var config = lines.FindIndex(l => ConfigLine().IsMatch(l));
        if (config < 0)
        {
            throw new ConfigLoadException($"{file}: no top-level 'config:' block to adopt into");
        }

        var (_, configEnd, configChild) = Block(lines, config, 0, isList: false);
        var topology = Find(lines, config + 1, configEnd, configChild, TopologyKey);
        if (topology < 0)
        {
            var at = configEnd + 1;
            lines.Insert(at, $"{Spaces(configChild)}{TopologyKey}:");
            topology = at;
        }

        EmptyFlow(lines, file, topology, TopologyKey);
        var (_, topologyEnd, topologyChild) = Block(lines, topology, configChild, isList: false);
        if (topologyChild <= configChild)
        {
            topologyChild = configChild + 2;
        }

        var isList = section.Lines[0].StartsWith("- ", StringComparison.Ordinal);
        var key = Find(lines, topology + 1, topologyEnd, topologyChild, section.Name);
        if (key < 0)
        {
            var entries = section.Lines.Select(l => l.Length == 0 ? l : Spaces(topologyChild + 2) + l).Prepend($"{Spaces(topologyChild)}{section.Name}:");
            lines.InsertRange(topologyEnd + 1, entries);
            return;
        }

        EmptyFlow(lines, file, key, section.Name);
        var (_, end, child) = Block(lines, key, topologyChild, isList);
        if (child < 0)
        {
            child = topologyChild + 2;
        }

        lines.InsertRange(end + 1, section.Lines.Select(l => l.Length == 0 ? l : Spaces(child) + l));
    }

    /// <summary><c>key: {}</c> or <c>key: []</c> becomes <c>key:</c>; any other value on the key's line is refused.</summary>
    private static void EmptyFlow(List<string> lines, string file, int index, string key)
    {
        var line = lines[index];
        var colon = line.IndexOf(key + ":", StringComparison.Ordinal) + key.Length + 1;
        var rest = StripComment(line[colon..]).Trim();
        if (rest.Length == 0)
        {
            return;
        }

        if (rest is "{}" or "[]")
        {
            lines[index] = line[..colon];
            return;
        }

        throw new ConfigLoadException($"{file}:{index + 1}: '{key}' is written in flow style; write it in block style (one entry per line) to adopt into it");
    }

    /// <summary>
    /// The block under the key at <paramref name="start"/> (indented <paramref name="indent"/>): its last content line
    /// and the indentation of its first content line (-1 when empty). A list's items may sit at the key's own indent.
    /// </summary>
    private static (int Start, int LastContent, int ChildIndent) Block(List<string> lines, int start, int indent, bool isList)
    {
        var last = start;
        var child = -1;
        for (var i = start + 1; i < lines.Count; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var at = lines[i].Length - trimmed.Length;
            if (at > indent || (isList && at == indent && trimmed.StartsWith("- ", StringComparison.Ordinal) && (child < 0 || child == indent)))
            {
                if (child < 0)
                {
                    child = at;
                }

                last = i;
                continue;
            }

            break;
        }

        return (start, last, child);
    }

    private static int Find(List<string> lines, int from, int to, int indent, string key)
    {
        var prefix = Spaces(indent) + key + ":";
        for (var i = from; i <= to && i < lines.Count; i++)
        {
            if (lines[i].StartsWith(prefix, StringComparison.Ordinal) && (lines[i].Length == prefix.Length || lines[i][prefix.Length] is ' ' or '\t'))
            {
                return i;
            }
        }

        return -1;
    }

    private static string StripComment(string text)
    {
        var hash = text.IndexOf(" #", StringComparison.Ordinal);
        return hash < 0 ? text : text[..hash];
    }

    private static string Spaces(int n) => new(' ', Math.Max(0, n));

    /// <summary>
    /// A YAML scalar on one line: plain only for a letter-led run of <c>[A-Za-z0-9_./@+:-]</c> that no YAML 1.1 or 1.2
    /// reader resolves to anything but a string; otherwise YamlDotNet's emitter writes it double-quoted (every YAML line
    /// break, LF, CR, NEL U+0085, U+2028, U+2029, escaped as <c>\n \r \N \L \P</c>, every non-printable character as
    /// <c>\x</c>/<c>\u</c>, <see cref="Quoted"/>), and what YAML counts printable but a reader cannot see (bidi controls,
    /// zero-width and other format characters) is escaped as <c>\uXXXX</c> too. The value read back is the value given.
    /// </summary>
    public static string Scalar(string value) => Plain().IsMatch(value) && !Reserved().IsMatch(value) ? value : Quoted(value);

    /// <summary>
    /// <paramref name="value"/> as one double-quoted YAML scalar, written by YamlDotNet's <see cref="Emitter"/> (no line
    /// folding), then with each raw format or private-use character swapped for its <c>\uXXXX</c> escape (the same
    /// value inside a double-quoted scalar, YAML 1.2 §5.7). A lone surrogate cannot be written as YAML: it becomes
    /// U+FFFD, so the value read back differs and a declared name shows the replacement character.
    /// </summary>
    public static string Quoted(string value)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer, new EmitterSettings(2, int.MaxValue, false, int.MaxValue, newLine: "\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        emitter.Emit(new YamlDotNet.Core.Events.Scalar(null, null, WellFormed(value), ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true));
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        var emitted = writer.ToString().TrimEnd('\n');
        var text = new StringBuilder(emitted.Length + 8);
        foreach (var c in emitted)
        {
            if (Hidden(c))
            {
                text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        var quoted = text.ToString();
        if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"' || quoted.Any(IsYamlBreak))
        {
            throw new InvalidOperationException("YamlDotNet did not write one double-quoted scalar on one line");
        }

        return quoted;
    }

    /// <summary>
    /// Text for a comment: a comment cannot escape, so the live text is shown as its double-quoted form's inside
    /// (<see cref="Quoted"/>): one line whatever it holds, every break, control, bidi or format character visible as an escape.
    /// </summary>
    public static string Comment(string text) => Quoted(text)[1..^1];

    /// <summary>Every character a YAML 1.1 or 1.2 reader ends a line at (YAML 1.1 §4.2.3 b-char, which YamlDotNet and go-yaml follow).</summary>
    public static bool IsYamlBreak(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';

    /// <summary>A character shown as an escape though YAML counts it printable: format (bidi controls, zero-width, BOM), private use, unassigned.</summary>
    private static bool Hidden(char c) =>
        char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string WellFormed(string value)
    {
        if (!value.Any(char.IsSurrogate))
        {
            return value;
        }

        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(value, i++, 2);
            }
            else
            {
                text.Append(char.IsSurrogate(value[i]) ? '\uFFFD' : value[i]);
            }
        }

        return text.ToString();
    }

    [GeneratedRegex("^config:[ \t]*(#.*)?$")]
    private static partial Regex ConfigLine();

    /// <summary>Letter-led: no YAML 1.1 number, timestamp or sexagesimal, and no indicator (<c>- ? : , [ ] { } # &amp; * ! | &gt; ' " % @ `</c>) first.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./@+:-]*(?<!:)\\z")]
    private static partial Regex Plain();

    /// <summary>The letter-led words YAML 1.1 (bool, null) or 1.2 (core schema) resolve to something other than a string.</summary>
    [GeneratedRegex("^(?i:true|false|yes|no|on|off|null|y|n)\\z")]
    private static partial Regex Reserved();
}
