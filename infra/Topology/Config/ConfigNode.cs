namespace DatabricksAccess.Topology.Config;

/// <summary>
/// A config value with the path it was found at (<c>topology.groups.admins.members[2]</c>) and, when it came
/// from a file, its line. Both the stack file (YAML) and Pulumi's structured config (JSON) become this tree,
/// so validation speaks the same language offline and inside the Pulumi program.
/// </summary>
public abstract class ConfigNode
{
    private string? _path;
    private ConfigNode? _parent;
    private readonly string? _key;
    private readonly int _index;
    private readonly string? _file;
    private readonly int _line;
    private readonly int _column;

    protected ConfigNode(string path, SourceLocation? location)
    {
        _path = path;
        if (location is { } l)
        {
            (_file, _line, _column) = (l.File, l.Line, l.Column);
        }
    }

    /// <summary>
    /// A node read from a file: its path is its parent's path and its key (or index), worked out when first asked
    /// for. A large file thus holds no path strings, and no key, however long, is copied into every path below it.
    /// </summary>
    private protected ConfigNode(ConfigNode? parent, string? key, int index, string file, int line, int column)
    {
        _parent = parent;
        _key = key;
        _index = index;
        (_file, _line, _column) = (file, line, column);
        if (parent is null)
        {
            _path = string.Empty;
        }
    }

    public string Path => _path ??= _key is null ? _parent!.Item(_index) : _parent!.Child(_key);

    public SourceLocation? Location => _file is null ? null : new SourceLocation(_file, _line, _column);

    public abstract string KindName { get; }

    public string Child(string key) =>
        key.Length > 0 && key.All(c => char.IsLetterOrDigit(c) || c is '-' or '_')
            ? (Path.Length == 0 ? key : $"{Path}.{key}")
            : $"{Path}[\"{key}\"]";

    public string Item(int index) => $"{Path}[{index}]";

    /// <summary>Makes this node the root of the paths below it (<c>topology</c> rather than its place in the file).</summary>
    internal void Reroot(string path)
    {
        _parent = null;
        _path = path;
    }
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

    internal ConfigMap(ConfigNode? parent, string? key, int index, string file, int line, int column, List<KeyValuePair<string, ConfigNode>> entries)
        : base(parent, key, index, file, line, column)
    {
        Entries = entries;
    }

    /// <summary>Entries in document order (a YAML file cannot repeat a key; JSON config may, and validation reports it).</summary>
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

    internal ConfigList(ConfigNode? parent, string? key, int index, string file, int line, int column, List<ConfigNode> items)
        : base(parent, key, index, file, line, column)
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

    internal ConfigScalar(ConfigNode? parent, string? key, int index, string file, int line, int column, string? value, bool quoted)
        : base(parent, key, index, file, line, column)
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
