using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Topology.Config;

/// <summary>Reads YAML into <see cref="ConfigNode"/> trees, keeping each node's line.</summary>
public static class YamlConfig
{
    public static YamlMappingNode? ParseDocument(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            var inner = ex.InnerException is YamlException ie ? ie : ex;
            throw new ConfigLoadException(
                $"{file}:{inner.Start.Line}:{inner.Start.Column}: YAML syntax error: {FirstLine(inner.Message)}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        return stream.Documents[0].RootNode switch
        {
            YamlMappingNode map => map,
            YamlScalarNode { Value: null or "" } => null,
            var other => throw new ConfigLoadException(
                $"{file}:{other.Start.Line}:{other.Start.Column}: expected a YAML map at the top of the file"),
        };
    }

    public static ConfigNode Convert(YamlNode node, string path, string file)
    {
        var location = new SourceLocation(file, (int)node.Start.Line, (int)node.Start.Column);
        switch (node)
        {
            case YamlMappingNode map:
                var entries = new List<KeyValuePair<string, ConfigNode>>(map.Children.Count);
                var probe = new ConfigMap(path, location, []);
                foreach (var (key, value) in map.Children)
                {
                    var k = key is YamlScalarNode s ? s.Value ?? string.Empty : key.ToString();
                    entries.Add(new(k, Convert(value, probe.Child(k), file)));
                }

                return new ConfigMap(path, location, entries);
            case YamlSequenceNode seq:
                var items = new List<ConfigNode>(seq.Children.Count);
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    items.Add(Convert(seq.Children[i], $"{path}[{i}]", file));
                }

                return new ConfigList(path, location, items);
            case YamlScalarNode scalar:
                var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
                    or ScalarStyle.Literal or ScalarStyle.Folded;
                var isNull = !quoted && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");
                return new ConfigScalar(path, location, isNull ? null : scalar.Value, quoted);
            default:
                throw new ConfigLoadException($"{location}: unsupported YAML node (aliases are not allowed)");
        }
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }
}
