using DatabricksAccess.Topology.Planning;
using Pulumi;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// Issue 30: the options on every Databricks <c>Secret</c> the program registers, as the engine receives them. Retained
/// on delete, so the delete-replaced step of a replacement calls no Delete when the old state has the flag
/// [fact: engine-retain-on-delete-old-state] and the create that follows is a PutSecret over the key
/// [fact: secret-put-overwrites]; delete-first, so a state still without the flag is never replaced create-first
/// [fact: pulumi-databricks-upstream]. A Key Vault secret keeps its options: a new
/// value is an update, a new version in place.
/// </summary>
public sealed class SecretStoreOptionsTests
{
    public static readonly TheoryData<string> Stacks = ["dev", "prod"];

    [Theory]
    [MemberData(nameof(Stacks))]
    [Trait("fact", "secret-put-overwrites")]
    public async Task Every_databricks_secret_is_registered_retained_on_delete_delete_first_and_unprotected(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var secrets = run.Observed.Where(o => o.Type == PulumiTypes.Secret).ToList();

        // Every key the plan writes into a Databricks-backed scope, config, generate and credential stores alike.
        var planned = run.Plan.Scopes.Where(s => s.Spec.Backend == Topology.Model.ScopeBackend.Databricks)
            .SelectMany(s => s.Secrets.Select(x => x.ResourceName)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(planned);
        Assert.Equal(planned, secrets.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Contains(run.Plan.Scopes.SelectMany(s => s.Secrets), x => x.Secret.CredentialOwner is not null && planned.Contains(x.ResourceName));
        Assert.All(secrets, o =>
        {
            var options = (CustomResourceOptions)o.Options;
            Assert.Equal((o.Name, true, true, false), (o.Name, options.RetainOnDelete ?? false, options.DeleteBeforeReplace ?? false, options.Protect ?? false));
        });
    }

    [Fact]
    public async Task A_key_vault_secret_is_neither_retained_nor_replaced_delete_first()
    {
        var file = StackRun.Load("dev", text => text
            .Edit("        oauthSecret: { rotationDays: 90, store: { secret: connectors/akto-oauth, format: json } }\n", "        oauthSecret: { rotationDays: 90, store: vault/akto-oauth-secret }\n")
            .Edit("    secretScopes:\n", "    secretScopes:\n      vault:\n        backend: azure-keyvault\n        keyVault: { resourceId: /subscriptions/0000/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-dbx, dnsName: https://kv-dbx.vault.azure.net/ }\n"));
        var run = await StackRun.RunAsync("dev", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));

        var options = (CustomResourceOptions)run.ObservedNamed("scope-vault-secret-akto-oauth-secret").Options;
        Assert.Equal(PulumiTypes.KeyVaultSecret, run.Mocks.Registered("scope-vault-secret-akto-oauth-secret").Type);
        Assert.Equal((false, false), (options.RetainOnDelete ?? false, options.DeleteBeforeReplace ?? false));
    }
}
