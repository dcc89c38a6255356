using System.Text.Json;

namespace DatabricksAccess.Topology.Config;

/// <summary>Reads Pulumi structured config (JSON) into <see cref="ConfigNode"/> trees.</summary>
public static class JsonConfig
{
    public static ConfigNode Convert(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var probe = new ConfigMap(path, null, []);
                var entries = new List<KeyValuePair<string, ConfigNode>>();
                foreach (var property in element.EnumerateObject())
                {
                    entries.Add(new(property.Name, Convert(property.Value, probe.Child(property.Name))));
                }

                return new ConfigMap(path, null, entries);
            case JsonValueKind.Array:
                var items = new List<ConfigNode>();
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(Convert(item, $"{path}[{i++}]"));
                }

                return new ConfigList(path, null, items);
            case JsonValueKind.String:
                return new ConfigScalar(path, null, element.GetString(), quoted: true);
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return new ConfigScalar(path, null, null, quoted: false);
            default:
                return new ConfigScalar(path, null, element.GetRawText(), quoted: false);
        }
    }

    /// <summary>
    /// Pulumi hands structured config to a program as JSON text; a plain string value is not JSON and is taken
    /// as a string scalar.
    /// </summary>
    public static ConfigNode Parse(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Convert(document.RootElement, path);
        }
        catch (JsonException)
        {
            return new ConfigScalar(path, null, json, quoted: true);
        }
    }
}
