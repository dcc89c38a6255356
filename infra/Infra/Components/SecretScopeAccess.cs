using System.Collections.Immutable;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;
using PulumiRandom = Pulumi.Random;

namespace DatabricksAccess.Infra.Components;

public sealed class SecretScopeAccessArgs
{
    public required ScopePlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public required IPrincipalResolver Principals { get; init; }

    /// <summary>Secret stack config values by key (resolved before any resource is registered).</summary>
    public IReadOnlyDictionary<string, Output<string>> SecretConfig { get; init; } = ImmutableDictionary<string, Output<string>>.Empty;

    /// <summary>On-behalf-of token values by service principal key (<c>token.store</c>).</summary>
    public IReadOnlyDictionary<string, Output<string?>> Tokens { get; init; } = ImmutableDictionary<string, Output<string?>>.Empty;
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
            children.Create(acl.ResourceName, o => new Dbx.SecretAcl(acl.ResourceName, new Dbx.SecretAclArgs
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
                case SecretSourceKind.Token:
                    value = args.Tokens.TryGetValue(s.TokenOwner!, out var token)
                        ? token.Apply(t => t ?? throw new InvalidOperationException($"{s.Path}: service principal '{s.TokenOwner}' has no token"))
                        : throw new InvalidOperationException($"{s.Path}: no token of service principal '{s.TokenOwner}'");
                    break;
                default:
                    throw new InvalidOperationException($"{s.Path}: unknown secret source {s.Source}");
            }

            // Whatever the source, the value is a secret here: a provider-marked secret output (RandomPassword.Result,
            // OboToken.TokenValue) is not secret under the 3.112.1 mocks, and config may hand over a plain value.
            value = Output.CreateSecret(value);
            _values[s.Key] = value;
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
