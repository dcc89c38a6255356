namespace DatabricksAccess.Topology.Config;

/// <summary>
/// A config value with the path it was found at (<c>topology.groups.admins.members[2]</c>) and, when it came
/// from a file, its line. Both the stack file (YAML) and Pulumi's structured config (JSON) become this tree,
/// so validation speaks the same language offline and inside the Pulumi program.
/// </summary>
public abstract class ConfigNode
{
    protected ConfigNode(string path, SourceLocation? location)
    {
        Path = path;
        Location = location;
    }

    public string Path { get; }

    public SourceLocation? Location { get; }

    public abstract string KindName { get; }

    public string Child(string key) =>
        key.Length > 0 && key.All(c => char.IsLetterOrDigit(c) || c is '-' or '_')
            ? $"{Path}.{key}"
            : $"{Path}[\"{key}\"]";

    public string Item(int index) => $"{Path}[{index}]";
}

public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

public sealed class ConfigMap : ConfigNode
{
    public ConfigMap(string path, SourceLocation? location, IReadOnlyList<KeyValuePair<string, ConfigNode>> entries)
        : base(path, location)
    {
        Entries = entries;
    }

    /// <summary>Entries in document order; duplicate keys are kept so validation can report them.</summary>
    public IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries { get; }

    public override string KindName => "a map";

    public ConfigNode? this[string key]
    {
        get
        {
            foreach (var (k, v) in Entries)
            {
                if (k == key)
                {
                    return v;
                }
            }

            return null;
        }
    }
}

public sealed class ConfigList : ConfigNode
{
    public ConfigList(string path, SourceLocation? location, IReadOnlyList<ConfigNode> items)
        : base(path, location)
    {
        Items = items;
    }

    public IReadOnlyList<ConfigNode> Items { get; }

    public override string KindName => "a list";
}

public sealed class ConfigScalar : ConfigNode
{
    public ConfigScalar(string path, SourceLocation? location, string? value, bool quoted)
        : base(path, location)
    {
        Value = value;
        Quoted = quoted;
    }

    /// <summary>The scalar's text; null for YAML null / JSON null.</summary>
    public string? Value { get; }

    /// <summary>Whether the source wrote it as a string (quoted YAML, JSON string).</summary>
    public bool Quoted { get; }

    public override string KindName => Value is null ? "null" : "a scalar";
}
