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
        if (spec.Backend == ScopeBackend.AzureKeyVault)
        {
            var kv = spec.KeyVault ?? throw new InvalidOperationException($"{spec.Path}: a Key Vault-backed scope without keyVault");
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
            switch (s.Source)
            {
                case SecretSourceKind.Config:
                    value = args.SecretConfig.TryGetValue(s.ConfigKey!, out var configured)
                        ? configured
                        : throw new InvalidOperationException($"{s.Path}: secret config key '{s.ConfigKey}' was not resolved");
                    break;
                case SecretSourceKind.Generate:
                    var passwordName = secret.PasswordResource ?? throw new InvalidOperationException($"{s.Path}: no password resource planned");
                    var password = children.Create(passwordName, o => new PulumiRandom.RandomPassword(passwordName, new PulumiRandom.RandomPasswordArgs
                    {
                        Length = s.Length ?? throw new InvalidOperationException($"{s.Path}: no length"),
                        Special = true,
                        MinLower = 1,
                        MinUpper = 1,
                        MinNumeric = 1,
                        MinSpecial = 1,
                    }, o));
                    value = password.Result;
                    break;
                case SecretSourceKind.Token or SecretSourceKind.OAuthSecret:
                    var kind = s.Source == SecretSourceKind.Token ? CredentialKind.Token : CredentialKind.OAuthSecret;
                    value = args.Credentials.TryGetValue((s.CredentialOwner!, kind), out var credential)
                        ? credential.Apply(t => t ?? throw new InvalidOperationException($"{s.Path}: service principal '{s.CredentialOwner}' has no {CredentialSpec.Name(kind)}"))
                        : throw new InvalidOperationException($"{s.Path}: no {CredentialSpec.Name(kind)} of service principal '{s.CredentialOwner}'");
                    break;
                default:
                    throw new InvalidOperationException($"{s.Path}: unknown secret source {s.Source}");
            }

            // Whatever the source, the value is a secret here: a provider-marked secret output (RandomPassword.Result,
            // OboToken.TokenValue) is not secret under the 3.112.1 mocks, and config may hand over a plain value.
            value = Output.CreateSecret(value);
            _values[s.Key] = value;
            if (spec.Backend == ScopeBackend.AzureKeyVault)
            {
                // Databricks cannot write into a Key Vault-backed scope: the value goes into the vault (a new
                // version of the same secret on each change, so readers never see it missing).
                var vault = KeyVaultName.Parse(spec.KeyVault ?? throw new InvalidOperationException($"{spec.Path}: a Key Vault-backed scope without keyVault"));
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
