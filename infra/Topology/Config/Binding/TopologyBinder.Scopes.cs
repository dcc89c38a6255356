using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Secret scopes, their ACLs and secrets, and the secrets that store credentials.</summary>
internal sealed partial class TopologyBinder
{
    private SecretScopeSpec? BindScope(string key, ConfigNode node)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "name", "backend", "keyVault", "acls", "secrets");
        var name = _r.String(map, "name") ?? key;
        if (!ScopeName().IsMatch(name))
        {
            _d.Error(map.Child("name"), $"'{name}' is not a valid secret scope name (1 to 128 of letters, digits, '-', '_', '.', '@', '/': the provider's rule)");
        }

        var backend = _r.Enum(map, "backend", Backends) ?? ScopeBackend.Databricks;
        KeyVaultSpec? keyVault = null;
        var kvMap = _r.Map(map["keyVault"], map.Child("keyVault"));
        if (backend == ScopeBackend.AzureKeyVault)
        {
            if (kvMap is null)
            {
                _d.Error(map.Child("keyVault"), "is required with backend: azure-keyvault ({ resourceId, dnsName })");
            }
            else
            {
                _r.AllowOnly(kvMap, "resourceId", "dnsName");
                var resourceId = _r.String(kvMap, "resourceId", required: true);
                var dns = _r.String(kvMap, "dnsName", required: true);
                if (resourceId is not null && !resourceId.Contains("/providers/Microsoft.KeyVault/vaults/", StringComparison.OrdinalIgnoreCase))
                {
                    _d.Error(kvMap.Child("resourceId"), $"'{resourceId}' is not a Key Vault resource id");
                }

                if (dns is not null && (!Uri.TryCreate(dns, UriKind.Absolute, out var u) || u.Scheme != Uri.UriSchemeHttps))
                {
                    _d.Error(kvMap.Child("dnsName"), $"'{dns}' is not the vault's https URI");
                }

                if (resourceId is not null && dns is not null)
                {
                    keyVault = new KeyVaultSpec(resourceId, dns);
                }
            }
        }
        else if (kvMap is not null)
        {
            _d.Error(map.Child("keyVault"), "applies only to backend: azure-keyvault");
        }

        var acls = new List<SecretAclSpec>();
        var seen = new Dictionary<PrincipalRef, string>();
        foreach (var (principalText, value) in _r.Map(map["acls"], map.Child("acls"))?.Entries ?? [])
        {
            if (Parse(principalText, value.Path) is not { } principal)
            {
                continue;
            }

            if (seen.TryGetValue(principal, out var first))
            {
                _d.Error(value.Path, $"duplicate ACL for {principal} (first at {first}); give each principal one permission");
                continue;
            }

            seen[principal] = value.Path;
            var permission = _r.String(value);
            if (permission is null)
            {
                continue;
            }

            if (!Vocabulary.SecretPermissions.TryGetValue(permission, out var p))
            {
                _d.Error(value.Path, $"'{permission}' is not a secret permission; use READ, WRITE or MANAGE");
                continue;
            }

            acls.Add(new SecretAclSpec(principal, p, value.Path));
        }

        var secrets = new List<SecretSpec>();
        foreach (var (secretKey, _, secretNode) in _r.Keyed(_r.Map(map["secrets"], map.Child("secrets")), "secret"))
        {
            if (BindSecret(secretKey, secretNode) is { } s)
            {
                secrets.Add(s);
            }
        }

        if (backend == ScopeBackend.AzureKeyVault && secrets.Any(s => s.Source != SecretSourceKind.Existing))
        {
            _d.Error(map.Child("secrets"), "secrets of an Azure Key Vault-backed scope live in Key Vault and cannot be written through Databricks");
        }

        var sorted = acls.OrderBy(a => a.Principal).ToList();
        if (backend == ScopeBackend.AzureKeyVault)
        {
            // Without a keyVault an error is reported above and nothing is planned; the scope stays Key Vault-backed.
            return new KeyVaultScopeSpec(key, name, keyVault ?? new KeyVaultSpec(string.Empty, string.Empty), sorted, secrets, node.Path);
        }

        return new DatabricksScopeSpec(key, name, sorted, secrets, node.Path);
    }

    private SecretSpec? BindSecret(string key, ConfigNode node)
    {
        if (node is ConfigScalar { Value: not null })
        {
            _d.Error(node.Path, "secret values must not be written in plain config; use { config: <secret config key> } or { generate: <length> }");
            return null;
        }

        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        if (map["value"] is not null)
        {
            _d.Error(map.Child("value"), "secret values must not be written in plain config; use { config: <secret config key> } and `pulumi config set --secret`");
            return null;
        }

        _r.AllowOnly(map, "config", "generate", "existing");
        if (map["existing"] is not null)
        {
            if (_r.Bool(map, "existing") is not true)
            {
                _d.Error(map.Child("existing"), "only existing: true is meaningful (the secret exists, its value is not managed); otherwise leave it out");
                return null;
            }

            if (map["config"] is not null || map["generate"] is not null)
            {
                _d.Error(node.Path, "existing: true takes no config or generate: its value is not managed here");
                return null;
            }

            return new ExistingSecret(key, node.Path);
        }

        var configKey = _r.String(map, "config");
        var length = map["generate"] is null ? null : _r.Int(map, "generate", 16, 128);
        if ((configKey is null) == (map["generate"] is null))
        {
            _d.Error(node.Path, "give exactly one of config (a secret stack config key) or generate (a length)");
            return null;
        }

        if (configKey is not null)
        {
            if (!ConfigKeyName().IsMatch(configKey))
            {
                _d.Error(map.Child("config"), $"'{configKey}' is not a config key of this project (letters, digits, '-', '_' and '.', at most 128)");
                return null;
            }

            return new ConfigSecret(key, configKey, node.Path);
        }

        return length is null ? null : new GeneratedSecret(key, length.Value, node.Path);
    }

    /// <summary>
    /// Each credential's <c>store</c> becomes a secret of that scope holding the current slot's value: a Databricks
    /// secret in a Databricks-backed scope, a Key Vault secret in the vault behind a Key Vault-backed one.
    /// </summary>
    private void AddCredentialStores(SortedDictionary<string, SecretScopeSpec> scopes, IReadOnlyDictionary<string, ServicePrincipalSpec> sps)
    {
        // Per scope: its secrets by key, and the credential secrets to add; each scope is rebuilt once (not per store).
        var added = new Dictionary<string, (Dictionary<string, string> Keys, List<SecretSpec> Secrets)>(StringComparer.Ordinal);
        foreach (var sp in sps.Values)
        {
            foreach (var credential in sp.Credentials)
            {
                if (credential.Store is not { } store)
                {
                    continue;
                }

                var path = $"{credential.Path}.store";
                if (!scopes.TryGetValue(store.Scope, out var scope))
                {
                    _d.Error(path, $"secret scope '{store.Scope}' is not declared in topology.secretScopes");
                    continue;
                }

                if (scope.Backend == ScopeBackend.AzureKeyVault && !KeyVaultSecretName().IsMatch(store.Key))
                {
                    _d.Error(path, $"'{store.Key}' is not a Key Vault secret name (1-127 letters, digits and '-'); scope '{store.Scope}' is Key Vault-backed");
                    continue;
                }

                if (scope.Backend == ScopeBackend.Databricks && !SecretKey().IsMatch(store.Key))
                {
                    _d.Error(path, $"'{store.Key}' is not a Databricks secret key (1-128 letters, digits, '-', '_' and '.')");
                    continue;
                }

                if (!added.TryGetValue(store.Scope, out var entry))
                {
                    added[store.Scope] = entry = (scope.Secrets.ToDictionary(x => x.Key, x => x.Path, StringComparer.OrdinalIgnoreCase), []);
                }

                if (!entry.Keys.TryAdd(store.Key, path))
                {
                    _d.Error(path, $"secret '{store.Key}' in scope '{store.Scope}' is already declared at {entry.Keys[store.Key]}");
                    continue;
                }

                entry.Secrets.Add(new StoredCredentialSecret(store.Key.ToLowerInvariant(), sp.Key, credential.Kind, credential.StoreFormat, path));
            }
        }

        foreach (var (key, (_, secrets)) in added)
        {
            scopes[key] = scopes[key] with { Secrets = [.. scopes[key].Secrets, .. secrets] };
        }
    }
}
