using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// The Pulumi CLI's rules for project config, ported from pulumi/pulumi v3.258.0 (the version in .pulumi.version):
/// <list type="bullet">
/// <item><c>sdk/go/common/workspace/project.json</c>: the schema of <c>config</c> entries (a shorthand scalar or
/// array, or a declaration with only <c>type</c>, <c>items</c>, <c>description</c>, <c>secret</c>, <c>default</c>,
/// <c>value</c>; <c>type</c> one of string, integer, boolean, array, object); schema messages are paraphrased;</item>
/// <item><c>RewriteShorthandConfigValues</c> and <c>Project.Validate</c> [fact: project-config-rules];</item>
/// <item><c>mergeConfig</c> and <c>validateStackConfigValue</c> [fact: project-config-rules]: a project-namespaced key with
/// neither default nor value is required in every stack; a typed key's stack value must have that type; a
/// <c>secret</c> key must be stored encrypted.</item>
/// </list>
/// Messages are Pulumi's. Stack files are read alone: values an imported ESC environment would add are not seen
/// (this repository's stack files import none).
/// </summary>
internal static partial class PulumiProjectRules
{
    private static readonly HashSet<string> DeclarationKeys = new(StringComparer.Ordinal) { "type", "items", "description", "secret", "default", "value" };
    private static readonly HashSet<string> SimpleTypes = new(StringComparer.Ordinal) { "string", "integer", "boolean", "array", "object" };

    internal sealed record ConfigType(string? Type, ItemsType? Items, object? Default, object? Value, bool Secret);

    internal sealed record ItemsType(string Type, ItemsType? Items);

    internal sealed record Project(string Name, IReadOnlyDictionary<string, ConfigType> Config);

    /// <summary>Loads and validates a project file; throws with Pulumi's message on the first problem.</summary>
    public static Project LoadProject(string yaml)
    {
        var raw = Plain(Root(yaml)) as Dictionary<string, object?> ?? throw new RuleException("expected project to be an object");
        if (!raw.TryGetValue("name", out var name) || name is not string { Length: > 0 } projectName)
        {
            throw new RuleException("project is missing a non-empty string 'name' attribute");
        }

        if (!raw.ContainsKey("runtime"))
        {
            throw new RuleException("#: missing properties: 'runtime'");
        }

        var config = new Dictionary<string, ConfigType>(StringComparer.Ordinal);
        if (raw.TryGetValue("config", out var configNode) && configNode is not null)
        {
            var map = configNode as Dictionary<string, object?> ?? throw new RuleException("#/config: expected object");
            foreach (var (key, value) in map)
            {
                config[key] = Declaration(projectName, key, value);
            }
        }

        var project = new Project(projectName, config);
        Validate(project);
        return project;
    }

    /// <summary>Pulumi's checks of one stack file against the project; every problem Pulumi would report first.</summary>
    public static IReadOnlyList<string> ValidateStack(Project project, string stackName, string stackYaml)
    {
        var root = Root(stackYaml) as YamlMappingNode;
        var values = new Dictionary<string, (object? Value, bool Secure)>(StringComparer.Ordinal);
        if (root?.Get("config") is YamlMappingNode stackConfig)
        {
            foreach (var (keyNode, valueNode) in stackConfig.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                var secure = valueNode is YamlMappingNode m && m.Children.Count == 1 && m.Get("secure") is YamlScalarNode;
                values[FullKey(project.Name, key)] = (secure ? null : Plain(valueNode), secure);
            }
        }

        // mergeConfig: missing required keys are reported together, sorted.
        var missing = new List<string>();
        foreach (var key in project.Config.Keys.Order(StringComparer.Ordinal))
        {
            var type = project.Config[key];
            var full = FullKey(project.Name, key);
            var found = values.ContainsKey(full);
            var hasDefault = type.Default is not null;
            var hasValue = type.Value is not null;
            if (!found && !hasValue && !hasDefault && full.StartsWith(project.Name + ":", StringComparison.Ordinal))
            {
                missing.Add(key);
                continue;
            }

            if (!found && (hasValue || hasDefault))
            {
                // createConfigValue: a primitive becomes its text, anything else JSON (an object value).
                var applied = hasDefault ? type.Default : type.Value;
                values[full] = (applied is string or long or bool or double ? Text(applied) : applied, false);
            }
        }

        if (missing.Count > 0)
        {
            var list = missing.Count == 1
                ? $"'{missing[0]}'"
                : string.Join(", ", missing.Take(missing.Count - 2).Select(k => $"'{k}'")) + (missing.Count > 2 ? ", " : string.Empty)
                  + $"'{missing[^2]}' and '{missing[^1]}'";
            return [$"Stack '{stackName}' is missing configuration {(missing.Count == 1 ? "value" : "values")} {list}"];
        }

        // validateStackConfigValues: typed keys, sorted; the first problem stops the run.
        foreach (var key in project.Config.Keys.Order(StringComparer.Ordinal))
        {
            var type = project.Config[key];
            if (type.Type is null || !values.TryGetValue(FullKey(project.Name, key), out var stackValue))
            {
                continue;
            }

            if (type.Secret && !stackValue.Secure)
            {
                return [$"Stack '{stackName}' with configuration key '{key}' must be encrypted as it's secret"];
            }

            // A secure value is decrypted text: only a string (or a number or boolean written as text) can match.
            var content = stackValue.Secure ? "<decrypted text>" : stackValue.Value switch
            {
                // A scalar stack value reaches the check as its text (config.Value.Object() is false).
                string or long or double or bool => Text(stackValue.Value),
                _ => stackValue.Value,
            };
            if (!ValidateConfigValue(type.Type, type.Items, content))
            {
                return [$"Stack '{stackName}' with configuration key '{key}' must be of type '{FullTypeName(type.Type, type.Items)}'"];
            }
        }

        return [];
    }

    private static ConfigType Declaration(string project, string key, object? value)
    {
        // RewriteShorthandConfigValues: a primitive or array is a default (project namespace) or a value (others).
        if (value is string or long or bool or double || value is List<object?>)
        {
            if (value is double)
            {
                throw new RuleException($"#/config/{key}: expected string, integer, boolean, array or object");
            }

            return IsProjectNamespaced(project, key) ? new ConfigType(null, null, value, null, false) : new ConfigType(null, null, null, value, false);
        }

        if (value is not Dictionary<string, object?> map)
        {
            throw new RuleException($"#/config/{key}: expected string, integer, boolean, array or object");
        }

        foreach (var attribute in map.Keys.Where(k => !DeclarationKeys.Contains(k)))
        {
            throw new RuleException($"#/config/{key}: additionalProperties '{attribute}' not allowed");
        }

        string? type = null;
        if (map.TryGetValue("type", out var t))
        {
            type = t as string;
            if (type is null || !SimpleTypes.Contains(type))
            {
                throw new RuleException($"#/config/{key}/type: value must be one of \"string\", \"integer\", \"boolean\", \"array\", \"object\"");
            }
        }

        // The schema does not require `items` here; Project.Validate does (below).
        var items = map.TryGetValue("items", out var i) ? Items(key, i) : null;

        if (map.TryGetValue("description", out var d) && d is not string)
        {
            throw new RuleException($"#/config/{key}/description: expected string");
        }

        var secret = false;
        if (map.TryGetValue("secret", out var s))
        {
            secret = s as bool? ?? throw new RuleException($"#/config/{key}/secret: expected boolean");
        }

        return new ConfigType(type, items, map.GetValueOrDefault("default"), map.GetValueOrDefault("value"), secret);
    }

    private static ItemsType Items(string key, object? node)
    {
        if (node is not Dictionary<string, object?> map || map.GetValueOrDefault("type") is not string type || !SimpleTypes.Contains(type))
        {
            throw new RuleException($"#/config/{key}/items: missing or invalid 'type'");
        }

        if (type == "array" && !map.ContainsKey("items"))
        {
            throw new RuleException($"#/config/{key}/items: missing properties: 'items'");
        }

        return new ItemsType(type, map.TryGetValue("items", out var inner) ? Items(key, inner) : null);
    }

    /// <summary><c>Project.Validate</c> [fact: project-config-rules].</summary>
    private static void Validate(Project project)
    {
        foreach (var (key, type) in project.Config)
        {
            if (type.Default is not null && type.Value is not null)
            {
                throw new RuleException($"project config '{key}' cannot have both a 'default' and 'value' attribute");
            }

            if (IsProjectNamespaced(project.Name, key))
            {
                if (type.Type == "array" && type.Items is null)
                {
                    throw new RuleException($"The configuration key '{key}' declares an array but does not specify the underlying type via the 'items' attribute");
                }

                if (type.Type is not null && type.Default is not null && !ValidateConfigValue(type.Type, type.Items, type.Default))
                {
                    throw new RuleException($"The default value specified for configuration key '{key}' is not of the expected type '{FullTypeName(type.Type, type.Items)}'");
                }
            }
            else
            {
                if (type.Type is not null)
                {
                    throw new RuleException($"Configuration key '{key}' is not namespaced by the project and should not define a type");
                }

                if (type.Default is not null)
                {
                    throw new RuleException($"Configuration key '{key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?");
                }

                if (type.Value is null)
                {
                    throw new RuleException($"Configuration key '{key}' is namespaced and must provide an attribute 'value'");
                }
            }
        }
    }

    /// <summary><c>ValidateConfigValue</c> [fact: project-config-rules].</summary>
    private static bool ValidateConfigValue(string type, ItemsType? items, object? value) => type switch
    {
        "string" => value is string,
        "integer" => value is long || (value is double d && d == Math.Truncate(d)) || (value is string s && IntegerText().IsMatch(s)),
        "boolean" => value is bool || value is "true" or "false",
        "object" => value is Dictionary<string, object?>,
        _ => value is List<object?> list && items is not null && list.All(v => ValidateConfigValue(items.Type, items.Items, v)),
    };

    private static string FullTypeName(string type, ItemsType? items) =>
        items is null ? type : $"array<{FullTypeName(items.Type, items.Items)}>";

    private static bool IsProjectNamespaced(string project, string key) =>
        !key.Contains(':', StringComparison.Ordinal) || key.StartsWith(project + ":", StringComparison.Ordinal);

    private static string FullKey(string project, string key) => key.Contains(':', StringComparison.Ordinal) ? key : $"{project}:{key}";

    private static string Text(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static YamlNode? Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    /// <summary>A YAML node as gopkg.in/yaml.v3 decodes it into <c>any</c> (YAML 1.2 core schema for plain scalars).</summary>
    private static object? Plain(YamlNode? node) => node switch
    {
        null => null,
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Plain(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Plain).ToList(),
        YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.Plain } q => q.Value ?? "",
        YamlScalarNode p => Scalar(p.Value ?? ""),
        _ => null,
    };

    private static object? Scalar(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return true;
        }

        if (text is "false" or "False" or "FALSE")
        {
            return false;
        }

        if (IntegerText().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (FloatText().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        return text;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatText();
}

internal sealed class RuleException(string message) : Exception(message);
