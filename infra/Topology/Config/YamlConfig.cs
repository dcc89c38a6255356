using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DatabricksAccess.Topology.Config;

/// <summary>
/// Reads one YAML document into a <see cref="ConfigNode"/> tree, keeping each node's line and column. It reads
/// the parser's events in a loop (no recursion) and refuses what a stack file has no use for and what could make
/// a small file expensive or misleading: anchors and aliases (a 1 KB file can expand to gigabytes), tags, a second
/// document (Pulumi reads only the first), repeated keys (Pulumi rejects them), nesting deeper than
/// <see cref="MaxDepth"/>, more than <see cref="MaxNodes"/> values and values longer than <see cref="MaxScalarLength"/>.
/// Every problem is one <see cref="ConfigLoadException"/> naming the file, line and column.
/// </summary>
public static class YamlConfig
{
    public const int MaxDepth = 32;
    public const int MaxNodes = 3_000_000;
    public const int MaxScalarLength = 16_384;

    private sealed class Frame(ConfigNode node, List<KeyValuePair<string, ConfigNode>>? entries, List<ConfigNode>? items)
    {
        public ConfigNode Node { get; } = node;

        public List<KeyValuePair<string, ConfigNode>>? Entries { get; } = entries;

        public List<ConfigNode>? Items { get; } = items;

        /// <summary>Keys of a large map, for the repeated-key check (a small one is scanned).</summary>
        public HashSet<string>? Keys { get; set; }

        public string? PendingKey { get; set; }
    }

    /// <summary>The document's root node; null when the file holds no document or an empty one.</summary>
    public static ConfigNode? Parse(string text, string file)
    {
        CheckFlowNesting(text, file);
        var parser = new Parser(new StringReader(text));
        var stack = new List<Frame>();
        ConfigNode? root = null;
        var documents = 0;
        var nodes = 0;
        var last = Mark.Empty;
        var pool = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                last = e.Start;
                switch (e)
                {
                    case DocumentStart when ++documents > 1:
                        throw Error(file, e.Start, "a second YAML document starts here; a stack file holds exactly one (Pulumi would ignore the rest)");
                    case AnchorAlias alias:
                        throw Error(file, e.Start, $"YAML aliases (*{alias.Value}) are not supported; write the value out");
                    case NodeEvent { Anchor.IsEmpty: false } anchored:
                        throw Error(file, e.Start, $"YAML anchors (&{anchored.Anchor.Value}) are not supported; write the value out");
                    case NodeEvent { Tag.IsEmpty: false } tagged:
                        throw Error(file, e.Start, $"YAML tags ({tagged.Tag.Value}) are not supported");
                    case Scalar scalar:
                        if (scalar.Value.Length > MaxScalarLength)
                        {
                            throw Error(file, e.Start, $"a value of {scalar.Value.Length} characters; at most {MaxScalarLength} are allowed");
                        }

                        if (stack.Count > 0 && stack[^1] is { Entries: not null, PendingKey: null } owner)
                        {
                            if (!AddKey(owner, scalar.Value))
                            {
                                throw Error(file, e.Start, $"duplicate key '{scalar.Value}' (Pulumi rejects a repeated key)");
                            }

                            owner.PendingKey = scalar.Value;
                            break;
                        }

                        var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded;
                        var isNull = !quoted && scalar.Value is "" or "~" or "null" or "Null" or "NULL";
                        var (sp, sk, si) = Slot(stack, file, e, ++nodes);
                        var value = new ConfigScalar(sp, sk, si, file, (int)e.Start.Line, (int)e.Start.Column, isNull ? null : Shared(pool, scalar.Value), quoted);
                        Attach(ref root, stack, value);
                        break;
                    case MappingStart or SequenceStart:
                        if (stack.Count > 0 && stack[^1] is { Entries: not null, PendingKey: null })
                        {
                            throw Error(file, e.Start, "a map or list as a key is not supported; keys are plain strings");
                        }

                        if (stack.Count >= MaxDepth)
                        {
                            throw Error(file, e.Start, $"nesting deeper than {MaxDepth} levels is not supported");
                        }

                        var (cp, ck, ci) = Slot(stack, file, e, ++nodes);
                        var (line, column) = ((int)e.Start.Line, (int)e.Start.Column);
                        if (e is MappingStart)
                        {
                            var entries = new List<KeyValuePair<string, ConfigNode>>();
                            var map = new ConfigMap(cp, ck, ci, file, line, column, entries);
                            Attach(ref root, stack, map);
                            stack.Add(new Frame(map, entries, null));
                        }
                        else
                        {
                            var items = new List<ConfigNode>();
                            var list = new ConfigList(cp, ck, ci, file, line, column, items);
                            Attach(ref root, stack, list);
                            stack.Add(new Frame(list, null, items));
                        }

                        break;
                    case MappingEnd or SequenceEnd:
                        stack.RemoveAt(stack.Count - 1);
                        break;
                }
            }
        }
        catch (ConfigLoadException)
        {
            throw;
        }
        catch (YamlException ex)
        {
            var inner = ex.InnerException as YamlException ?? ex;
            var (line, column) = ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase)
                ? TabPosition(text, inner.Start)
                : ((int)inner.Start.Line, (int)inner.Start.Column);
            throw new ConfigLoadException($"{file}:{line}:{column}: YAML syntax error: {FirstLine(inner.Message)}", ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // YamlDotNet also throws InvalidOperationException and ArgumentException on some malformed input.
            throw new ConfigLoadException($"{file}:{last.Line}:{last.Column}: YAML syntax error after this point: {FirstLine(ex.Message)}", ex);
        }

        return root;
    }

    /// <summary>
    /// One instance of each short value (principals, permissions, entitlements repeat throughout a large file); the
    /// pool stops growing at 65,536 values, so a file of distinct values costs it little.
    /// </summary>
    private static string Shared(Dictionary<string, string> pool, string value)
    {
        if (value.Length > 48)
        {
            return value;
        }

        if (pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (pool.Count < 65_536)
        {
            pool[value] = value;
        }

        return value;
    }

    /// <summary>Where the next node goes: its parent, and its key or index there.</summary>
    private static (ConfigNode? Parent, string? Key, int Index) Slot(List<Frame> stack, string file, ParsingEvent e, int nodes)
    {
        if (nodes > MaxNodes)
        {
            throw Error(file, e.Start, $"more than {MaxNodes} values in one file");
        }

        if (stack.Count == 0)
        {
            return (null, null, 0);
        }

        var top = stack[^1];
        return top.Entries is not null ? (top.Node, top.PendingKey!, 0) : (top.Node, null, top.Items!.Count);
    }

    private static void Attach(ref ConfigNode? root, List<Frame> stack, ConfigNode node)
    {
        if (stack.Count == 0)
        {
            root = node;
            return;
        }

        var top = stack[^1];
        if (top.Entries is { } entries)
        {
            entries.Add(new(top.PendingKey!, node));
            top.PendingKey = null;
        }
        else
        {
            top.Items!.Add(node);
        }
    }

    /// <summary>Records a map key; false when the map has it already. Small maps are scanned, large ones hashed.</summary>
    private static bool AddKey(Frame map, string key)
    {
        var entries = map.Entries!;
        if (map.Keys is null)
        {
            foreach (var (k, _) in entries)
            {
                if (k == key)
                {
                    return false;
                }
            }

            if (entries.Count >= 16)
            {
                map.Keys = new HashSet<string>(entries.Select(x => x.Key), StringComparer.Ordinal) { key };
            }

            return true;
        }

        return map.Keys.Add(key);
    }

    /// <summary>
    /// YamlDotNet's scanner looks at every open flow collection for each token, so <c>[[[[...</c> costs quadratic
    /// time before the first event arrives: a linear pass refuses deep flow nesting first. It skips comments and
    /// quoted strings, and outside flow collections counts only brackets where a value can start.
    /// </summary>
    private static void CheckFlowNesting(string text, string file)
    {
        var depth = 0;
        var line = 1;
        var lineStart = 0;
        var previous = '\n';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    lineStart = i + 1;
                    previous = '\n';
                    continue;
                case ' ' or '\t' or '\r':
                    continue;
                case '#' when i == 0 || text[i - 1] is ' ' or '\t' or '\n':
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        i++;
                    }

                    continue;
            }

            var valueStart = depth > 0 || previous is '\n' or ':' or '-' or '?' or '[' or '{' or ',';
            if (valueStart && c is '"' or '\'')
            {
                for (i++; i < text.Length; i++)
                {
                    if (c == '"' && text[i] == '\\')
                    {
                        i++;
                    }
                    else if (text[i] == c && !(c == '\'' && i + 1 < text.Length && text[i + 1] == '\''))
                    {
                        break;
                    }
                    else if (text[i] == '\'' && c == '\'')
                    {
                        i++;
                    }
                    else if (text[i] == '\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }
                }
            }
            else if (valueStart && c is '[' or '{' && ++depth > MaxDepth)
            {
                throw Error(file, new Mark(i, line, i - lineStart + 1), $"nesting deeper than {MaxDepth} levels is not supported");
            }
            else if (depth > 0 && c is ']' or '}')
            {
                depth--;
            }

            previous = c;
        }
    }

    /// <summary>
    /// YamlDotNet reports some tab errors at the start of the enclosing block; the tab itself is the first one in
    /// a line's indentation from there on.
    /// </summary>
    private static (int Line, int Column) TabPosition(string text, Mark reported)
    {
        var line = 1;
        var atIndent = true;
        var column = 0;
        foreach (var c in text)
        {
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                atIndent = true;
                continue;
            }

            if (c == '\t' && atIndent && line >= reported.Line)
            {
                return (line, column);
            }

            atIndent &= c == ' ' || c == '\t';
        }

        return ((int)reported.Line, (int)reported.Column);
    }

    private static ConfigLoadException Error(string file, Mark at, string message) =>
        new($"{file}:{at.Line}:{at.Column}: {message}");

    private static string FirstLine(string message)
    {
        var i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }
}
