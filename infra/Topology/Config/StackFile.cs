using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Topology.Config;

/// <summary>
/// A Pulumi stack file (<c>Pulumi.&lt;stack&gt;.yaml</c>) reduced to what Topology needs: this project's
/// <c>topology</c>, <c>policy</c> and <c>account</c> keys as config trees, and which config keys exist and
/// whether they are secure. Secure values themselves are never kept.
/// </summary>
public sealed class StackFile
{
    public const string DefaultProject = "databricks-access";

    private StackFile(string path, string project, ConfigNode? topology, ConfigNode? policy, ConfigNode? account,
        IReadOnlyDictionary<string, bool> keys, ConfigNode? deployer = null)
    {
        Deployer = deployer;
        FilePath = path;
        Project = project;
        Topology = topology;
        Policy = policy;
        Account = account;
        Keys = keys;
    }

    public string FilePath { get; }

    public string Project { get; }

    public ConfigNode? Topology { get; }

    public ConfigNode? Policy { get; }

    public ConfigNode? Account { get; }

    /// <summary><c>databricks-access:deployer</c>: the CI identity (<c>{ applicationId }</c>).</summary>
    public ConfigNode? Deployer { get; }

    /// <summary>Config keys of this project (without the <c>project:</c> prefix) mapped to "is secure".</summary>
    public IReadOnlyDictionary<string, bool> Keys { get; }

    public StackConfigInput ToInput() => new(Topology, Policy, Account, new ConfigKeyView(Keys)) { Deployer = Deployer };

    public static StackFile Load(string path, string project = DefaultProject)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigLoadException($"{path}: cannot read the stack file: {ex.Message}", ex);
        }

        return Parse(text, path, project);
    }

    public static StackFile Parse(string text, string path, string project = DefaultProject)
    {
        var root = YamlConfig.ParseDocument(text, path);
        ConfigNode? topology = null, policy = null, account = null, deployer = null;
        var keys = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (root is not null
            && root.Children.TryGetValue(new YamlScalarNode("config"), out var configNode))
        {
            if (configNode is not YamlMappingNode config)
            {
                if (configNode is YamlScalarNode { Value: null or "" })
                {
                    return new StackFile(path, project, null, null, null, keys);
                }

                throw new ConfigLoadException(
                    $"{path}:{configNode.Start.Line}:{configNode.Start.Column}: 'config' must be a map");
            }

            var prefix = project + ":";
            foreach (var (keyNode, value) in config.Children)
            {
                var fullKey = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                if (!fullKey.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var key = fullKey[prefix.Length..];
                var secure = value is YamlMappingNode m && m.Children.Count == 1
                    && m.Children.ContainsKey(new YamlScalarNode("secure"));
                keys[key] = secure;
                switch (key)
                {
                    case "topology":
                        topology = YamlConfig.Convert(value, "topology", path);
                        break;
                    case "policy":
                        policy = YamlConfig.Convert(value, "policy", path);
                        break;
                    case "account":
                        account = YamlConfig.Convert(value, "account", path);
                        break;
                    case "deployer":
                        deployer = YamlConfig.Convert(value, "deployer", path);
                        break;
                }
            }
        }

        return new StackFile(path, project, topology, policy, account, keys, deployer);
    }
}

/// <summary>Everything the model is built from; the same whether it came from a file or from Pulumi.</summary>
public sealed record StackConfigInput(ConfigNode? Topology, ConfigNode? Policy, ConfigNode? Account, IConfigKeyView? Keys)
{
    /// <summary><c>databricks-access:deployer</c>, the CI identity; null when not configured.</summary>
    public ConfigNode? Deployer { get; init; }
}

/// <summary>What Topology may know about other config keys: whether they are set and secure, never their values.</summary>
public interface IConfigKeyView
{
    /// <summary>null when the key is not set; otherwise whether it is stored as a secret.</summary>
    bool? IsSecure(string key);
}

public sealed class ConfigKeyView(IReadOnlyDictionary<string, bool> keys) : IConfigKeyView
{
    public bool? IsSecure(string key) => keys.TryGetValue(key, out var secure) ? secure : null;
}
