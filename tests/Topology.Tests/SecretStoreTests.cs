using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 30: a key in a Databricks-backed scope is written in place (retained on delete, delete-first: the delete of
/// the replaced key is a no-op once the state carries the flag), a create-first replacement of a key whose state lacks
/// the flag is refused, and a key no longer declared is listed as kept.
/// </summary>
public sealed class SecretStoreTests
{
    private static ResourcePlan Prod(Func<string, string>? edit = null)
    {
        var path = Path.Combine(RepoRoot, "Pulumi.prod.yaml");
        var file = edit is null ? StackFile.Load(path) : StackFile.Parse(edit(File.ReadAllText(path)), path);
        return TopologyEvaluator.Evaluate(file.ToInput(), Now).Plan!;
    }

    [Fact]
    public void Every_databricks_secret_is_retained_on_delete_and_replaced_delete_first_and_key_vault_secrets_are_not()
    {
        var plan = Prod();
        var secrets = plan.AllResources.Select(x => x.Resource).Where(r => r.Type == PulumiTypes.Secret).ToList();
        Assert.Equal(
            ["scope-app-secrets-secret-ci-token", "scope-app-secrets-secret-db-password", "scope-app-secrets-secret-publishing-api", "scope-connectors-secret-akto-oauth"],
            secrets.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(secrets, r => Assert.Equal((true, true, false), (r.RetainOnDelete, r.DeleteBeforeReplace, r.Protect)));

        var vault = Prod(text => text
                .Edit("    secretScopes:\n",
                    "    secretScopes:\n      vault:\n        backend: azure-keyvault\n        keyVault: { resourceId: /subscriptions/0000/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-dbx, dnsName: https://kv-dbx.vault.azure.net/ }\n")
                .Edit("store: app-secrets/ci-token", "store: vault/ci-token"))
            .AllResources.Select(x => x.Resource).Single(r => r.Type == PulumiTypes.KeyVaultSecret);
        Assert.Equal((false, false), (vault.RetainOnDelete, vault.DeleteBeforeReplace)); // a new version in place
    }

    [Fact]
    public void The_diff_lists_a_removed_secret_or_store_as_kept_and_a_key_of_a_removed_scope_as_deleted_with_it()
    {
        var before = Prod();
        var after = Prod(text => text
            .Edit("          publishing-api: { config: publishingApiToken }\n", string.Empty)
            .Edit("token: { lifetimeDays: 30, rotationDays: 25, store: app-secrets/ci-token }", "token: { lifetimeDays: 30, rotationDays: 25 }"));
        Assert.Equal(
            [
                "app-secrets/ci-token is no longer declared: the key stays in the workspace with its last value (retained on delete), and no run deletes it; the audit reports it until you delete it (databricks secrets delete-secret app-secrets ci-token) once no consumer reads it",
                "app-secrets/publishing-api is no longer declared: the key stays in the workspace with its last value (retained on delete), and no run deletes it; the audit reports it until you delete it (databricks secrets delete-secret app-secrets publishing-api) once no consumer reads it",
            ],
            PlanDiff.Compute(before, after).Where(c => c.Kind == PlanDiff.KeptKind).Select(c => c.Text));
        Assert.DoesNotContain(PlanDiff.Compute(before, before), c => c.Kind == PlanDiff.KeptKind);
        Assert.DoesNotContain(PlanDiff.Compute(after, before), c => c.Kind == PlanDiff.KeptKind); // declared again: written over

        var withoutConnectors = Prod(text => text
            .Edit("      connectors:\n        backend: databricks\n", string.Empty)
            .Edit("store: { secret: connectors/akto-oauth, format: json }", string.Empty)
            .Edit("oauthSecret: { rotationDays: 60, lifetimeDays: 90,  }", "oauthSecret: { rotationDays: 60, lifetimeDays: 90 }"));
        Assert.Equal(["connectors/akto-oauth is deleted with its scope connectors (the scope is no longer declared)"],
            PlanDiff.Compute(before, withoutConnectors).Where(c => c.Kind == PlanDiff.KeptKind).Select(c => c.Text));
    }

    private static string Step(string op, string type, string name, bool retained = false) =>
        $$"""{ "op": "{{op}}", "urn": "urn:pulumi:prod::databricks-access::databricks-access:index:SecretScope${{type}}::{{name}}", "oldState": { "type": "{{type}}"{{(retained ? ", \"retainOnDelete\": true" : string.Empty)}} } }""";

    private static string Preview(params string[] steps) => $"{{ \"steps\": [ {string.Join(", ", steps)} ] }}";

    private const string Key = "scope-app-secrets-secret-ci-token";

    [Fact]
    public void The_guard_refuses_a_create_first_replacement_of_a_key_whose_state_lacks_retain_on_delete()
    {
        var plan = Prod();

        // As `pulumi preview --json --show-replacement-steps` prints it: create-replacement before delete-replaced.
        var createFirst = MigrationGuard.Check(Preview(
            Step("create-replacement", PulumiTypes.Secret, Key), Step("replace", PulumiTypes.Secret, Key), Step("delete-replaced", PulumiTypes.Secret, Key)), plan);
        Assert.Equal(
            [$"{Key}: the preview would replace it create-first while its state has no retainOnDelete: the new object has the same id (scope, key, string_value force a replacement), so the delete that follows removes what the create wrote (pulumi/pulumi-databricks#642); replace it delete-first, or let a run that replaces nothing record retainOnDelete first"],
            createFirst);

        // The same with the flag in the old state: the delete is a no-op, the create wrote in place.
        Assert.Empty(MigrationGuard.Check(Preview(
            Step("create-replacement", PulumiTypes.Secret, Key, retained: true), Step("replace", PulumiTypes.Secret, Key, retained: true),
            Step("delete-replaced", PulumiTypes.Secret, Key, retained: true)), plan));

        // Delete-first without the flag (the first deploy of this change): the key is empty for a moment, nothing is lost.
        Assert.Empty(MigrationGuard.Check(Preview(
            Step("delete-replaced", PulumiTypes.Secret, Key), Step("replace", PulumiTypes.Secret, Key), Step("create-replacement", PulumiTypes.Secret, Key)), plan));

        // Without replacement steps the order is the plan's: delete-first for a Databricks secret.
        Assert.Empty(MigrationGuard.Check(Preview(Step("replace", PulumiTypes.Secret, Key)), plan));

        // A type whose replacement gets a new id (a token slot) is not concerned.
        var slot = plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.Current.ResourceName;
        Assert.Empty(MigrationGuard.Check(Preview(
            Step("create-replacement", PulumiTypes.OboToken, slot), Step("replace", PulumiTypes.OboToken, slot), Step("delete-replaced", PulumiTypes.OboToken, slot)), plan));
    }

    [Fact]
    public void The_guard_verb_refuses_it_with_one_line_and_exit_1()
    {
        var dir = Directory.CreateTempSubdirectory("dbx-access-store-").FullName;
        var preview = Path.Combine(dir, "preview.json");
        File.WriteAllText(preview, Preview(
            Step("create-replacement", PulumiTypes.Secret, Key), Step("replace", PulumiTypes.Secret, Key), Step("delete-replaced", PulumiTypes.Secret, Key)));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = Cli.Program.Run(["guard", "--file", Path.Combine(RepoRoot, "Pulumi.prod.yaml"), "--preview", preview, "--now", "2026-11-25T12:00:00Z"],
            stdout, stderr, TimeProvider.System, dir);
        Directory.Delete(dir, recursive: true);
        Assert.Equal(1, code);
        Assert.StartsWith($"refused: {Key}: the preview would replace it create-first while its state has no retainOnDelete", stderr.ToString(), StringComparison.Ordinal);
    }
}
