using System.Globalization;
using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Typed, path-aware reads of config nodes that record every problem instead of stopping at the first.</summary>
internal sealed partial class NodeReader(Diagnostics diagnostics)
{
    public Diagnostics Diagnostics { get; } = diagnostics;

    public ConfigMap? Map(ConfigNode? node, string pathIfMissing, bool required = false)
    {
        switch (node)
        {
            case null:
                if (required)
                {
                    Diagnostics.Error(pathIfMissing, "is required");
                }

                return null;
            case ConfigScalar { Value: null }:
                return new ConfigMap(node.Path, node.Location, []);
            case ConfigMap map:
                return map;
            default:
                Diagnostics.Error(node.Path, $"expected a map, found {node.KindName}");
                return null;
        }
    }

    public ConfigList? List(ConfigNode? node)
    {
        switch (node)
        {
            case null:
            case ConfigScalar { Value: null }:
                return null;
            case ConfigList list:
                return list;
            default:
                Diagnostics.Error(node.Path, $"expected a list, found {node.KindName}");
                return null;
        }
    }

    /// <summary>When set (tests keeping the JSON Schema in step), every map's allowed keys are recorded with its path.</summary>
    internal static readonly AsyncLocal<List<(string Path, string[] Allowed)>?> AllowedKeys = new();

    public void AllowOnly(ConfigMap map, params string[] allowed)
    {
        AllowedKeys.Value?.Add((map.Path, allowed));
        foreach (var (key, value) in map.Entries)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                Diagnostics.Error(value.Path, $"unknown key '{Shorten(key)}'{Model.Suggest.Hint(key, allowed)}; allowed keys: {string.Join(", ", allowed)}");
            }
        }
    }

    public string? String(ConfigMap map, string key, bool required = false)
    {
        var node = map[key];
        if (node is null || node is ConfigScalar { Value: null })
        {
            if (required)
            {
                Diagnostics.Error(map.Child(key), "is required");
            }

            return null;
        }

        return String(node);
    }

    /// <summary>Longest string value read from config (a reason, a path, a resource id); longer is an error.</summary>
    public const int MaxString = 1024;

    public string? String(ConfigNode node)
    {
        if (node is ConfigScalar scalar)
        {
            var value = scalar.Value?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                Diagnostics.Error(node.Path, "must not be empty");
                return null;
            }

            if (value.Length > MaxString)
            {
                Diagnostics.Error(node.Path, $"is {value.Length} characters long; at most {MaxString}");
                return null;
            }

            return value;
        }

        Diagnostics.Error(node.Path, $"expected a string, found {node.KindName}");
        return null;
    }

    /// <summary>A display name (groups, service principals, jobs) that Databricks and every report can hold as it is.</summary>
    public string? DisplayName(ConfigMap map, string key)
    {
        var name = String(map, key);
        if (name is not null && Model.Names.DisplayNameProblem(name) is { } problem)
        {
            Diagnostics.Error(map.Child(key), $"'{Shorten(name)}' {problem}");
            return null;
        }

        return name;
    }

    /// <summary>A value as findings quote it: at most 100 characters.</summary>
    public static string Shorten(string text) => text.Length <= 100 ? text : $"{text[..100]}... ({text.Length} characters)";

    public int? Int(ConfigMap map, string key, int min, int max, bool required = false)
    {
        var text = String(map, key, required);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Diagnostics.Error(map.Child(key), $"'{text}' is not a whole number");
            return null;
        }

        if (value < min || value > max)
        {
            Diagnostics.Error(map.Child(key), $"{value} is out of range ({min} to {max})");
            return null;
        }

        return value;
    }

    public bool? Bool(ConfigMap map, string key)
    {
        var text = String(map, key);
        return text switch
        {
            null => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => Invalid(map.Child(key), $"'{text}' is not true or false"),
        };
    }

    public T? Enum<T>(ConfigMap map, string key, IReadOnlyDictionary<string, T> values)
        where T : struct
    {
        var text = String(map, key);
        if (text is null)
        {
            return null;
        }

        // Exact spelling, as the editor schema's enum has it: 'Admin' is a finding with a suggestion, not a guess.
        if (values.TryGetValue(text, out var value))
        {
            return value;
        }

        Diagnostics.Error(map.Child(key), $"'{text}' is not one of: {string.Join(", ", values.Keys)}{Model.Suggest.Hint(text, values.Keys)}");
        return null;
    }

    public IReadOnlyList<(string Value, string Path)> Strings(ConfigMap map, string key)
    {
        var list = List(map[key]);
        if (list is null)
        {
            return []; // most keys are absent from most entries: no list of their own
        }

        var result = new List<(string, string)>();

        foreach (var item in list.Items)
        {
            var value = String(item);
            if (value is not null)
            {
                result.Add((value, item.Path));
            }
        }

        return result;
    }

    /// <summary>
    /// An instant with an explicit time zone (<c>2026-12-01T18:00:00Z</c> or <c>+02:00</c>). A date or a local
    /// time is ambiguous across the people and machines that read it, so it is an error.
    /// </summary>
    public DateTimeOffset? Instant(ConfigMap map, string key, bool required = false)
    {
        var text = String(map, key, required);
        if (text is null)
        {
            return null;
        }

        if (!Model.Instants.TryParse(text, out var value, out var error))
        {
            Diagnostics.Error(map.Child(key), $"'{text}' {error}");
            return null;
        }

        return value;
    }

    /// <summary>
    /// Map entries whose keys are normalised to lower case; a second key that normalises to an existing one is
    /// reported at its own path.
    /// </summary>
    public IEnumerable<(string Key, string Written, ConfigNode Node)> Keyed(ConfigMap? map, string what)
    {
        if (map is null)
        {
            yield break;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (written, node) in map.Entries)
        {
            var key = written.Trim().ToLowerInvariant();
            if (!Model.Names.IsKey(key))
            {
                Diagnostics.Error(node.Path, $"'{Shorten(written)}' is not a valid {what} key; keys use letters, digits, '-', '_' and '.' (no '..'), at most 100");
                continue;
            }

            if (seen.TryGetValue(key, out var first))
            {
                Diagnostics.Error(node.Path, $"duplicate {what} key '{written}' (same as '{first}' after normalisation)");
                continue;
            }

            seen[key] = written;
            yield return (key, written, node);
        }
    }

    private bool? Invalid(string path, string message)
    {
        Diagnostics.Error(path, message);
        return null;
    }
}
