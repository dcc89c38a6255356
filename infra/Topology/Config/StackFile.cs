using DatabricksAccess.Topology.Model;

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
        IReadOnlyDictionary<string, bool> keys, IReadOnlyList<Diagnostic> findings, ConfigNode? deployer = null)
    {
        Findings = findings;
        Deployer = deployer;
        FilePath = path;
        Project = project;
        Topology = topology;
        Policy = policy;
        Account = account;
        Keys = keys;
    }

    /// <summary>The structured keys of this project that the program reads; any other plain key draws a warning.</summary>
    public static readonly IReadOnlyList<string> KnownKeys = ["topology", "policy", "account", "deployer"];

    public string FilePath { get; }

    public string Project { get; }

    public ConfigNode? Topology { get; }

    public ConfigNode? Policy { get; }

    public ConfigNode? Account { get; }

    /// <summary><c>databricks-access:deployer</c>: the CI identity (<c>{ applicationId }</c>).</summary>
    public ConfigNode? Deployer { get; }

    /// <summary>Config keys of this project (without the <c>project:</c> prefix) mapped to "is secure".</summary>
    public IReadOnlyDictionary<string, bool> Keys { get; }

    /// <summary>Problems with the file's other config keys (a provider credential in plain text).</summary>
    public IReadOnlyList<Diagnostic> Findings { get; }

    public StackConfigInput ToInput() => new(Topology, Policy, Account, new ConfigKeyView(Keys)) { Deployer = Deployer };

    public static StackFile Load(string path, string project = DefaultProject) =>
        Parse(SourceText.Read(path, "the stack file"), path, project);

    public static StackFile Parse(string text, string path, string project = DefaultProject)
    {
        var root = YamlConfig.Parse(text, path);
        ConfigNode? topology = null, policy = null, account = null, deployer = null;
        var keys = new Dictionary<string, bool>(StringComparer.Ordinal);
        var findings = new List<Diagnostic>();
        if (root is ConfigScalar { Value: not null } or ConfigList)
        {
            throw new ConfigLoadException($"{root.Location}: expected a YAML map at the top of the file");
        }

        if ((root as ConfigMap)?["config"] is { } configNode)
        {
            if (configNode is not ConfigMap config)
            {
                if (configNode is ConfigScalar { Value: null })
                {
                    return new StackFile(path, project, null, null, null, keys, findings);
                }

                throw new ConfigLoadException($"{configNode.Location}: 'config' must be a map");
            }

            var prefix = project + ":";
            foreach (var (fullKey, value) in config.Entries)
            {
                var secure = value is ConfigMap { Entries: [{ Key: "secure" }] };
                if (!secure && !fullKey.StartsWith(prefix, StringComparison.Ordinal) && PlainCredential(fullKey, value))
                {
                    findings.Add(new Diagnostic(Severity.Error, value.Path,
                        $"a provider credential in plain text: store it with `pulumi config set --secret {fullKey}`, or better, let CI sign in with OIDC (docs/delivery.md: Deploy with Pulumi)"));
                }

                if (!fullKey.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var key = fullKey[prefix.Length..];
                keys[key] = secure;
                if (!secure && !KnownKeys.Contains(key))
                {
                    // Not read by this program: a typo of a known key, or a secret value stored in plain text.
                    findings.Add(new Diagnostic(Severity.Warning, value.Path,
                        $"unknown key '{fullKey}'{Model.Suggest.Hint(key, KnownKeys)}; this program reads {string.Join(", ", KnownKeys.Select(k => prefix + k))} and secret values (pulumi config set --secret)"));
                }

                switch (key)
                {
                    case "topology":
                        value.Reroot("topology");
                        topology = value;
                        break;
                    case "policy":
                        value.Reroot("policy");
                        policy = value;
                        break;
                    case "account":
                        value.Reroot("account");
                        account = value;
                        break;
                    case "deployer":
                        value.Reroot("deployer");
                        deployer = value;
                        break;
                }
            }
        }

        return new StackFile(path, project, topology, policy, account, keys, findings, deployer);
    }

    /// <summary>
    /// Provider settings that hold a credential (<c>databricks:token</c>, <c>databricks:clientSecret</c>,
    /// <c>azure-native:clientSecret</c>, passwords, OIDC request tokens) must not sit in the file in plain text.
    /// </summary>
    private static bool PlainCredential(string fullKey, ConfigNode value)
    {
        var colon = fullKey.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? fullKey : fullKey[(colon + 1)..];
        var credential = name.EndsWith("token", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("secret", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("password", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("credentials", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("privatekey", StringComparison.OrdinalIgnoreCase);
        return credential && value is not ConfigScalar { Value: null or "" };
    }
}

/// <summary>Everything the model is built from; the same whether it came from a file or from Pulumi.</summary>
public sealed record StackConfigInput(ConfigNode? Topology, ConfigNode? Policy, ConfigNode? Account, IConfigKeyView? Keys)
{
    /// <summary><c>databricks-access:deployer</c>, the CI identity; null when not configured.</summary>
    public ConfigNode? Deployer { get; init; }

    /// <summary>The last deployment's credential slots (its <c>credentialSchedule</c> output); null offline or on a first run.</summary>
    public CredentialSchedule? CredentialSchedule { get; init; }

    /// <summary>The last deployment's <c>importedResources</c> output: their import ids are retired; null offline or on a first run.</summary>
    public IReadOnlySet<string>? ImportedResources { get; init; }

    /// <summary>What the last deployment says of the retired Entitlements resources; null offline (every one may be in the state).</summary>
    public EntitlementsHandover? EntitlementsHandover { get; init; }
}

public sealed class ConfigKeyView(IReadOnlyDictionary<string, bool> keys) : IConfigKeyView
{
    public bool? IsSecure(string key) => keys.TryGetValue(key, out var secure) ? secure : null;
}
