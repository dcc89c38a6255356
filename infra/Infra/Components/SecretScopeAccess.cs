using System.Collections.Immutable;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;
using KeyVault = Pulumi.AzureNative.KeyVault;
using KeyVaultInputs = Pulumi.AzureNative.KeyVault.Inputs;
using PulumiRandom = Pulumi.Random;

namespace DatabricksAccess.Infra.Components;

public sealed class SecretScopeAccessArgs
{
    public required ScopePlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public required IPrincipalResolver Principals { get; init; }

    /// <summary>Secret stack config values by key (resolved before any resource is registered).</summary>
    public IReadOnlyDictionary<string, Output<string>> SecretConfig { get; init; } = ImmutableDictionary<string, Output<string>>.Empty;

    /// <summary>The current credential of each service principal by (key, kind), for <c>store</c>: its current slot's value.</summary>
    public IReadOnlyDictionary<(string Owner, CredentialKind Kind), Output<string?>> Credentials { get; init; } =
        ImmutableDictionary<(string Owner, CredentialKind Kind), Output<string?>>.Empty;

    /// <summary>Each service principal's application id by key, for <c>store.format: json</c>.</summary>
    public IReadOnlyDictionary<string, Output<string>> ApplicationIds { get; init; } = ImmutableDictionary<string, Output<string>>.Empty;
}

/// <summary>A secret scope (Databricks- or Key Vault-backed), its ACLs and its secrets.</summary>
public sealed class SecretScopeAccess : ComponentResource
{
    private readonly Dictionary<string, Output<string>> _values = new(StringComparer.Ordinal);

    public SecretScopeAccess(string name, SecretScopeAccessArgs args, ComponentResourceOptions? options = null)
        : base(PulumiTypes.ScopeComponent, name, options)
    {
        var plan = args.Plan;
        var spec = plan.Spec;

        var children = PlannedChildren.Of(this, plan, args.Providers);
        var scopeArgs = new Dbx.SecretScopeArgs { Name = spec.Name };
        if (spec is KeyVaultScopeSpec { KeyVault: var kv })
        {
            scopeArgs.KeyvaultMetadata = new Dbx.Inputs.SecretScopeKeyvaultMetadataArgs { ResourceId = kv.ResourceId, DnsName = kv.DnsName };
        }

        var scope = children.Create(plan.ScopeResource, o => new Dbx.SecretScope(plan.ScopeResource, scopeArgs, o));

        foreach (var acl in plan.Acls)
        {
            children.Create(acl.ResourceName, args.Principals.Gates(acl.Acl.Principal), o => new Dbx.SecretAcl(acl.ResourceName, new Dbx.SecretAclArgs
            {
                Scope = scope.Name,
                Principal = args.Principals.AccessName(acl.Acl.Principal),
                Permission = Vocabulary.Name(acl.Acl.Permission),
            }, o));
        }

        foreach (var secret in plan.Secrets)
        {
            var s = secret.Secret;
            Output<string> value;
            switch (s)
            {
                case ConfigSecret config:
                    value = args.SecretConfig.TryGetValue(config.ConfigKey, out var configured)
                        ? configured
                        : throw new InvalidOperationException($"{s.Path}: secret config key '{config.ConfigKey}' was not resolved");
                    break;
                case GeneratedSecret generated when secret.PasswordResource is { } passwordName:
                    var password = children.Create(passwordName, o => new PulumiRandom.RandomPassword(passwordName, new PulumiRandom.RandomPasswordArgs
                    {
                        Length = generated.Length,
                        Special = true,
                        MinLower = 1,
                        MinUpper = 1,
                        MinNumeric = 1,
                        MinSpecial = 1,
                    }, o));
                    value = password.Result;
                    break;
                case StoredCredentialSecret stored:
                    var kind = stored.Credential;
                    value = args.Credentials.TryGetValue((stored.Owner, kind), out var credential)
                        ? credential.Apply(t => t ?? throw new InvalidOperationException($"{s.Path}: service principal '{stored.Owner}' has no {CredentialSpec.Name(kind)}"))
                        : throw new InvalidOperationException($"{s.Path}: no {CredentialSpec.Name(kind)} of service principal '{stored.Owner}'");
                    if (stored.Format == StoreFormat.Json)
                    {
                        var clientId = args.ApplicationIds.TryGetValue(stored.Owner, out var appId)
                            ? appId
                            : throw new InvalidOperationException($"{s.Path}: no application id of service principal '{stored.Owner}'");
                        value = Output.Tuple(clientId, value).Apply(t => ClientCredentials(t.Item1, t.Item2));
                    }

                    break;
                default:
                    // An existing secret is never planned, and a generated one always with its password resource.
                    throw new InvalidOperationException($"{s.Path}: the plan holds a {s.Source} secret it registers nothing for");
            }

            // Whatever the source, the value is a secret here: a provider-marked secret output (RandomPassword.Result,
            // OboToken.TokenValue) is not secret under the 3.112.1 mocks, and config may hand over a plain value.
            value = Output.CreateSecret(value);
            _values[s.Key] = value;
            if (spec is KeyVaultScopeSpec keyVaultScope)
            {
                // Databricks cannot write into a Key Vault-backed scope: the value goes into the vault (a new
                // version of the same secret on each change, so readers never see it missing).
                var vault = KeyVaultName.Parse(keyVaultScope.KeyVault);
                children.Create(secret.ResourceName, o => new KeyVault.Secret(secret.ResourceName, new KeyVault.SecretArgs
                {
                    ResourceGroupName = vault.ResourceGroup,
                    VaultName = vault.Name,
                    SecretName = s.Key,
                    Properties = new KeyVaultInputs.SecretPropertiesArgs { Value = value, ContentType = "databricks-access credential" },
                }, o));
                continue;
            }

            children.Create(secret.ResourceName, o => new Dbx.Secret(secret.ResourceName, new Dbx.SecretArgs
            {
                Scope = scope.Name,
                Key = s.Key,
                StringValue = value,
            }, o));
        }

        children.Complete();

        ScopeName = scope.Name;
        SecretKeys = Output.Create(plan.Secrets.Select(x => x.Secret.Key).ToImmutableArray());
        RegisterOutputs();
    }

    /// <summary>
    /// <c>store.format: json</c>: <c>{"client_id": "&lt;applicationId&gt;", "client_secret": "&lt;secret&gt;"}</c>, the shape
    /// secrets managers hand to OAuth clients (an external broker's integration reads it so).
    /// </summary>
    public static string ClientCredentials(string clientId, string clientSecret)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("client_id", clientId);
            json.WriteString("client_secret", clientSecret);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Output("scopeName")]
    public Output<string> ScopeName { get; private set; }

    [Output("secretKeys")]
    public Output<ImmutableArray<string>> SecretKeys { get; private set; }

    /// <summary>The value given to each secret's <c>string_value</c>, by secret key; every one is a secret output.</summary>
    public IReadOnlyDictionary<string, Output<string>> SecretValues => _values;
}

/// <summary>The resource group and name of a vault, from its resource id (<c>/subscriptions/…/resourceGroups/&lt;rg&gt;/providers/Microsoft.KeyVault/vaults/&lt;name&gt;</c>).</summary>
public sealed record KeyVaultName(string ResourceGroup, string Name)
{
    public static KeyVaultName Parse(KeyVaultSpec spec)
    {
        var parts = spec.ResourceId.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string? At(string segment)
        {
            var i = Array.FindIndex(parts, p => p.Equals(segment, StringComparison.OrdinalIgnoreCase));
            return i >= 0 && i + 1 < parts.Length ? parts[i + 1] : null;
        }

        return new KeyVaultName(
            At("resourceGroups") ?? throw new InvalidOperationException($"'{spec.ResourceId}' names no resource group"),
            At("vaults") ?? throw new InvalidOperationException($"'{spec.ResourceId}' names no vault"));
    }
}
