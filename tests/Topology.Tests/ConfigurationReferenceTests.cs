using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// docs/configuration.md cannot drift from schema/pulumi-stack.schema.json. Every key the schema declares (under
/// <c>config</c>, through every <c>$ref</c>, map value and list item) has a row in the reference's key tables, or is
/// named in the row of its parent (<c>{ name, existing: true, location }</c>); every key a row names exists in the
/// schema; and a key is not described differently: every value of its <c>enum</c> (or its items' enum) and the
/// <c>default N</c> its schema description gives appear in its row.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    private const string TopologyPrefix = "databricks-access:topology.";

    private static readonly Lazy<IReadOnlyList<SchemaKey>> Keys = new(() => SchemaKeys(JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "schema", "pulumi-stack.schema.json")))!.AsObject()));

    private static readonly Lazy<IReadOnlyList<Row>> Rows = new(() => ReferenceRows(File.ReadAllText(Path.Combine(RepoRoot, "docs", "configuration.md"))));

    [Fact]
    public void Every_schema_key_is_in_the_reference()
    {
        var missing = Keys.Value.Where(k => Documenting(k.Path).Count == 0).Select(k => k.Path).ToList();
        Assert.True(missing.Count == 0, "docs/configuration.md has no row for (or parent row naming) these schema keys:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_key_the_reference_names_is_in_the_schema()
    {
        var paths = Keys.Value.Select(k => k.Path).ToHashSet(StringComparer.Ordinal);
        var unknown = Rows.Value.SelectMany(r => r.Keys.Select(k => (k, r.Line)))
            .Where(x => (x.k.StartsWith("databricks-access:", StringComparison.Ordinal) || !x.k.Contains(':', StringComparison.Ordinal))
                        && !paths.Contains(x.k) && !paths.Any(p => p.StartsWith(x.k + ".", StringComparison.Ordinal)))
            .Select(x => $"line {x.Line}: {x.k}")
            .ToList();
        Assert.True(unknown.Count == 0, "docs/configuration.md names keys the schema does not declare:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public void Every_allowed_value_and_default_of_a_key_is_in_its_row()
    {
        var different = new List<string>();
        foreach (var key in Keys.Value)
        {
            var rows = Documenting(key.Path);
            if (rows.Count == 0)
            {
                continue; // reported by Every_schema_key_is_in_the_reference
            }

            // "as above": a key's values may be listed in the row of another key with the same name.
            var leaf = Leaf(key.Path);
            var text = string.Join('\n', rows.Concat(Rows.Value.Where(r => r.Keys.Any(k => Leaf(k) == leaf))).Select(r => r.Text));
            foreach (var value in key.Values.Where(v => !Mentions(text, v)))
            {
                different.Add($"{key.Path}: the schema allows '{value}', its row does not say so");
            }

            if (key.Default is { } d && !Mentions(string.Join('\n', rows.Select(r => r.Text)), d))
            {
                different.Add($"{key.Path}: the schema's default is {d}, its row does not say so");
            }
        }

        Assert.True(different.Count == 0, "docs/configuration.md describes these keys differently from the schema:\n" + string.Join('\n', different));
    }

    [Fact]
    public void The_check_reads_the_schema_and_the_tables()
    {
        // The test itself: keys are found through $ref, maps and lists; rows expand shorthand and alternatives.
        Assert.Contains(Keys.Value, k => k.Path == "servicePrincipals.<key>.oauthSecret.store.format" && k.Values.SequenceEqual(["value", "json"]));
        Assert.Contains(Keys.Value, k => k.Path == "databricks-access:policy.maxExpiryDays" && k.Default == "30");
        Assert.Contains(Keys.Value, k => k.Path == "groups.<key>.members.expires");
        Assert.Contains(Rows.Value, r => r.Keys.Contains("webApps.<key>.level") && r.Keys.Contains("webApps.<key>.workspaceAccess"));
        Assert.Contains(Rows.Value, r => r.Keys.SequenceEqual(["groups.<key>.level", "servicePrincipals.<key>.level", "webApps.<key>.level"]));
        Assert.Empty(Documenting("groups.<key>.nonsense"));
        Assert.NotEmpty(Documenting("resourceGroup.location"));
        Assert.False(Mentions("`P1v2`-`P3v2`", "P2v2"));
    }

    /// <summary>
    /// The rows documenting a key: its own; else, for a map or list, the rows of its entries' keys; else an ancestor's
    /// row that names the key.
    /// </summary>
    private static List<Row> Documenting(string path)
    {
        var own = Rows.Value.Where(r => r.Keys.Contains(path)).ToList();
        if (own.Count > 0)
        {
            return own;
        }

        var entries = Rows.Value.Where(r => r.Keys.Any(k => k.StartsWith(path + ".", StringComparison.Ordinal))).ToList();
        if (entries.Count > 0)
        {
            return entries;
        }

        var leaf = Leaf(path);
        return [.. Rows.Value.Where(r => r.Keys.Any(k => path.StartsWith(k + ".", StringComparison.Ordinal)) && Mentions(r.Text, leaf))];
    }

    private static string Leaf(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>The value as a whole word (not part of a longer name or range end).</summary>
    private static bool Mentions(string text, string value) =>
        Regex.IsMatch(text.Replace("\\|", "|", StringComparison.Ordinal), $@"(?<![A-Za-z0-9_-]){Regex.Escape(value)}(?![A-Za-z0-9_])");

    private sealed record SchemaKey(string Path, IReadOnlyList<string> Values, string? Default);

    private sealed record Row(int Line, IReadOnlyList<string> Keys, string Text);

    /// <summary>Every property the schema declares under config, topology keys relative to the topology, list items as their list.</summary>
    private static List<SchemaKey> SchemaKeys(JsonObject schema)
    {
        var defs = schema["$defs"]!.AsObject();
        var keys = new Dictionary<string, SchemaKey>(StringComparer.Ordinal);

        JsonObject Resolve(JsonNode? node)
        {
            var n = node as JsonObject ?? [];
            for (var i = 0; i < 10 && n["$ref"] is JsonValue r; i++)
            {
                n = defs[r.GetValue<string>().Split('/')[^1]]!.AsObject();
            }

            return n;
        }

        IEnumerable<JsonObject> Alternatives(JsonObject n)
        {
            yield return n;
            foreach (var word in new[] { "oneOf", "anyOf", "allOf" })
            {
                foreach (var x in n[word]?.AsArray() ?? [])
                {
                    foreach (var y in Alternatives(Resolve(x)))
                    {
                        yield return y;
                    }
                }
            }

            foreach (var word in new[] { "then", "else" })
            {
                if (n[word] is JsonObject branch)
                {
                    yield return Resolve(branch);
                }
            }
        }

        void Walk(JsonNode? node, string path, int depth)
        {
            if (depth > 12)
            {
                return;
            }

            foreach (var n in Alternatives(Resolve(node)))
            {
                foreach (var (name, value) in n["properties"]?.AsObject() ?? [])
                {
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    var shown = child.StartsWith(TopologyPrefix, StringComparison.Ordinal) ? child[TopologyPrefix.Length..] : child;
                    var resolved = Alternatives(Resolve(value)).ToList();
                    var values = resolved.SelectMany(a => (a["enum"]?.AsArray() ?? []).Concat(Resolve(a["items"])["enum"]?.AsArray() ?? []))
                        .Select(v => v!.ToString()).Distinct(StringComparer.Ordinal).ToList();
                    var description = string.Join(' ', resolved.Select(a => a["description"]?.GetValue<string>()).OfType<string>());
                    var d = DefaultInDescription().Match(description);
                    if (!keys.ContainsKey(shown) && shown != "databricks-access:topology")
                    {
                        keys[shown] = new SchemaKey(shown, values, d.Success ? d.Groups[1].Value : null);
                    }

                    Walk(value, child, depth + 1);
                }

                if (n["additionalProperties"] is JsonObject map)
                {
                    Walk(map, path + ".<key>", depth + 1);
                }

                if (n["items"] is JsonObject items)
                {
                    Walk(items, path, depth + 1);
                }
            }
        }

        Walk(schema["properties"]!["config"], string.Empty, 0);
        return [.. keys.Values];
    }

    /// <summary>The rows of docs/configuration.md's key tables (a header whose first column starts with "key").</summary>
    private static List<Row> ReferenceRows(string markdown)
    {
        var rows = new List<Row>();
        var lines = markdown.Split('\n');
        var inTable = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }

            var cells = UnescapedBar().Split(line.Trim().Trim('|'));
            if (!inTable)
            {
                inTable = cells[0].Trim().StartsWith("key", StringComparison.Ordinal);
                continue;
            }

            if (cells[0].Trim().StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            var keys = new List<string>();
            string? previous = null;
            foreach (Match span in CodeSpan().Matches(cells[0]))
            {
                var key = span.Groups[1].Value.Replace("\\|", "|", StringComparison.Ordinal);
                var colon = key.IndexOf(": ", StringComparison.Ordinal);
                key = (colon < 0 ? key : key[..colon]).Replace("[]", string.Empty, StringComparison.Ordinal).Trim();
                if (key.Contains("<name>", StringComparison.Ordinal))
                {
                    continue;
                }

                if (key.StartsWith('.') && previous is not null)
                {
                    key = previous[..previous.LastIndexOf('.')] + key;
                }

                var dot = key.IndexOf('.');
                var head = dot < 0 ? key : key[..dot];
                foreach (var alternative in head.Split('/'))
                {
                    keys.Add(alternative + (dot < 0 ? string.Empty : key[dot..]));
                }

                previous = keys[^1];
            }

            rows.Add(new Row(i + 1, keys, line));
        }

        return rows;
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex UnescapedBar();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\bdefault:? (\d+)\b")]
    private static partial Regex DefaultInDescription();
}
