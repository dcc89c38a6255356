using System.Collections.Immutable;
using System.Text.Json;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// Issue 21 on the mocks: an external JIT broker (Apono) next to the stack, the workspace token policy, SQL warehouse
/// permissions and the web app runtime, as `up` registers them.
/// </summary>
public sealed class BrokerTests
{
    private const string ProdDeployer = "4f6e2d1c-0b9a-4837-a6b5-c4d3e2f1a0b9";

    /// <summary>Prod with Apono's integration: its principal, a delegated group and the exception for its account role.</summary>
    private static Task<StackRun> RunWithApono(AccessMocks? mocks = null, bool preview = false)
    {
        var file = StackRun.Load("prod", text => text
            .Edit("  databricks-access:policy:\n    standingAdmins: []\n", """
                  databricks-access:policy:
                    standingAdmins: []
                    exceptions:
                      - { rule: standing-admin, principal: sp:apono, reason: "Apono JIT integration, SEC-812", expires: 2026-12-20T00:00:00Z }

                """)
            .Edit("    servicePrincipals:\n", """
                    servicePrincipals:
                      apono:
                        displayName: Apono integration
                        level: account
                        workspaceAccess: user
                        accountRoles: [account_admin]
                        managers: [sp:apono, user:owner@contoso.com, group:platform-admins, sp:reporter]
                        oauthSecret: { rotationDays: 30, store: { secret: connectors/apono-credentials, format: json } }
                      reporter:
                        level: account
                        oauthSecret: { rotationDays: 30 }

                """)
            .Edit("    groups:\n", """
                    groups:
                      analysts-jit:
                        level: account
                        entitlements: [workspace-access, databricks-sql-access]
                        members: { managedBy: apono }
                      legacy-jit:
                        existing: true
                        members: { managedBy: apono }

                """));
        return StackRun.RunAsync("prod", file, StackRun.Now, mocks ?? new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)), preview);
    }

    [Fact]
    public async Task The_account_admin_role_is_one_role_on_the_account_provider_replaced_delete_first()
    {
        var run = await RunWithApono();
        Assert.Equal(0, run.Expected.ExitCode);
        var role = run.Mocks.Registered("sp-apono-account-role-account-admin");
        Assert.Equal(PulumiTypes.ServicePrincipalRole, role.Type);
        Assert.Equal(("scim-sp-apono-sp", "account_admin"), (role.Inputs.Str("servicePrincipalId"), role.Inputs.Str("role")));
        Assert.Equal(run.AccountProviderRef, role.Provider);
        // id "<sp id>|<role>" comes back the same after a replacement: create-then-delete would remove the role.
        var options = (CustomResourceOptions)run.ObservedNamed(role.Name).Options;
        Assert.True(options.DeleteBeforeReplace);
        Assert.False(options.Protect ?? false);
        Assert.Contains(run.Plan.BlastRadius, x => x.Resource.Name == role.Name);
    }

    [Fact]
    public async Task Managers_share_the_rule_set_with_the_deployers_rule()
    {
        var run = await RunWithApono();
        var ruleSet = run.Mocks.Registered("sp-apono-rule-set");
        var appId = run.Mocks.Registered("sp-apono-sp").State["applicationId"];
        Assert.Equal($"accounts/0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e/servicePrincipals/{appId}/ruleSets/default", ruleSet.Inputs.Str("name"));
        Assert.Equal(run.AccountProviderRef, ruleSet.Provider);
        // One PUT of the whole rule set [fact: rule-set-put-whole]: both rules in it, so neither wipes the other.
        var rules = ruleSet.Inputs.Maps("grantRules").ToDictionary(r => (string)r["role"]!, r => ((ImmutableArray<object?>)r["principals"]!).Cast<string>().ToList());
        Assert.Equal([$"servicePrincipals/{ProdDeployer}"], rules["roles/servicePrincipal.user"]);
        // One manager rule: the creator's default (the deployer, which the PUT would otherwise drop) and the declared managers.
        // Apono manages itself, and another principal the stack creates (built after it) manages it: both are named by the
        // application id their creation returned, as the rule set's own name is (issue 26).
        var reporterAppId = run.Mocks.Registered("sp-reporter-sp").State["applicationId"];
        Assert.NotEqual(appId, reporterAppId);
        Assert.Equal([$"servicePrincipals/{ProdDeployer}", $"servicePrincipals/{appId}", "users/owner@contoso.com", "groups/platform-admins", $"servicePrincipals/{reporterAppId}"],
            rules["roles/servicePrincipal.manager"]);
    }

    [Fact]
    public async Task A_json_store_holds_the_client_id_and_the_current_slot_as_a_secret()
    {
        var run = await RunWithApono();
        var credential = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "apono").OAuthSecret!;
        Assert.Equal(2, credential.AllSlots.Count);
        // The previous slot is registered only until it expires (issue 20): every declared slot, the current among them.
        Assert.Equal(credential.Slots.Count, run.Mocks.Registrations.Count(r => r.Type == PulumiTypes.ServicePrincipalSecret && r.Name.StartsWith("sp-apono-", StringComparison.Ordinal)));
        Assert.Contains(credential.Current, credential.Slots);

        var stored = run.Mocks.Registered("scope-connectors-secret-apono-credentials");
        Assert.Equal(("connectors", "apono-credentials"), (stored.Inputs.Str("scope"), stored.Inputs.Str("key")));
        using var json = JsonDocument.Parse(stored.Inputs.Str("stringValue")!);
        Assert.Equal(["client_id", "client_secret"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(run.Mocks.Registered("sp-apono-sp").State["applicationId"], json.RootElement.GetProperty("client_id").GetString());
        Assert.Equal(AccessMocks.OAuthSecret(credential.Current.ResourceName), json.RootElement.GetProperty("client_secret").GetString());
        Assert.True(await Output.IsSecretAsync(run.Component<SecretScopeAccess>("scope-connectors").SecretValues["apono-credentials"]));

        // Not in the stack output either; a principal without a store still is.
        var oauthSecrets = await run.OutputAsync<ImmutableDictionary<string, string?>>("oauthSecrets");
        Assert.Equal(["reporter"], oauthSecrets.Keys);
    }

    [Theory]
    [InlineData("8b0f\"quoted\\back", "se\"cret\n")]
    [InlineData("plain", "")]
    public void Client_credentials_are_json_whatever_the_values_hold(string clientId, string secret)
    {
        using var json = JsonDocument.Parse(SecretScopeAccess.ClientCredentials(clientId, secret));
        Assert.Equal((clientId, secret), (json.RootElement.GetProperty("client_id").GetString(), json.RootElement.GetProperty("client_secret").GetString()));
    }

    [Fact]
    public async Task A_delegated_group_gets_no_member_resource_and_reports_no_unmanaged_members()
    {
        var mocks = new AccessMocks { LiveMembers = name => name == "legacy-jit" ? ["granted-by-apono"] : [] };
        var run = await RunWithApono(mocks);
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Type == PulumiTypes.GroupMember && (r.Name.Contains("analysts-jit", StringComparison.Ordinal) || r.Name.Contains("legacy-jit", StringComparison.Ordinal)));
        Assert.Equal(PulumiTypes.Group, run.Mocks.Registered("group-analysts-jit-group").Type);
        Assert.Equal(PulumiTypes.Entitlements, run.Mocks.Registered("group-analysts-jit-entitlements").Type);
        var unmanaged = await run.OutputAsync<ImmutableDictionary<string, ImmutableArray<string>>>("unmanagedMembers");
        Assert.False(unmanaged.ContainsKey("legacy-jit"));
    }

    [Fact]
    public async Task The_token_policy_sets_the_workspace_conf_key_protected_and_retained()
    {
        var run = await StackRun.RunAsync("prod");
        var policy = run.Mocks.Registered("token-policy");
        Assert.Equal(PulumiTypes.WorkspaceConf, policy.Type);
        // Workspace conf values are strings [fact: workspace-conf-patch].
        Assert.Equal("90", policy.Inputs.Str("customConfig", "maxTokenLifetimeDays"));
        Assert.Equal(string.Empty, policy.Provider);
        var options = (CustomResourceOptions)run.ObservedNamed("token-policy").Options;
        Assert.Equal((true, true, true), (options.Protect, options.RetainOnDelete, options.DeleteBeforeReplace));
    }

    [Fact]
    public async Task Warehouse_permissions_name_the_found_warehouse_and_the_whole_acl()
    {
        var run = await StackRun.RunAsync("prod");
        var permissions = run.Mocks.Registered("warehouse-shared-sql-permissions");
        Assert.Equal(PulumiTypes.Permissions, permissions.Type);
        Assert.Equal(AccessMocks.WarehouseId("Shared SQL warehouse"), permissions.Inputs.Str("sqlEndpointId"));
        var akto = (string)run.Mocks.Registered("sp-akto-connector-sp").State["applicationId"];
        var acl = permissions.Inputs.Maps("accessControls")
            .Select(c => $"{c.GetValueOrDefault("servicePrincipalName") ?? c.GetValueOrDefault("groupName") ?? c.GetValueOrDefault("userName")} {c["permissionLevel"]}")
            .Order(StringComparer.Ordinal);
        Assert.Equal([$"{akto} CAN_USE", "data-scientists CAN_USE", "platform-admins CAN_MANAGE", "platform-lead@contoso.com IS_OWNER"], acl);
        var options = (CustomResourceOptions)run.ObservedNamed("warehouse-shared-sql-permissions").Options;
        Assert.Equal((true, true), (options.Protect, options.RetainOnDelete));
        Assert.Contains(run.Mocks.Calls, c => c.Token == PulumiTypes.GetSqlWarehouse && c.Args.Str("name") == "Shared SQL warehouse");
    }

    [Fact]
    public async Task The_prod_sample_stores_the_akto_credential_as_json_in_the_connectors_scope()
    {
        var run = await StackRun.RunAsync("prod");
        var credential = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "akto-connector").OAuthSecret!;
        using var json = JsonDocument.Parse(run.Mocks.Registered("scope-connectors-secret-akto-oauth").Inputs.Str("stringValue")!);
        Assert.Equal(run.Mocks.Registered("sp-akto-connector-sp").State["applicationId"], json.RootElement.GetProperty("client_id").GetString());
        Assert.Equal(AccessMocks.OAuthSecret(credential.Current.ResourceName), json.RootElement.GetProperty("client_secret").GetString());
    }

    [Theory]
    [InlineData(null, "DOTNETCORE|8.0")]
    [InlineData("PYTHON|3.12", "PYTHON|3.12")]
    public async Task The_site_runs_the_declared_runtime(string? runtime, string expected)
    {
        var file = StackRun.Load("dev", runtime is null ? null : text => text.Edit(
            "        sku: B1\n", $"        sku: B1\n        runtime: \"{runtime}\"\n"));
        var run = await StackRun.RunAsync("dev", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        Assert.Equal(expected, run.Mocks.Registered("webapp-notebook-runner-site").Inputs.Str("siteConfig", "linuxFxVersion"));
    }

    [Fact]
    public async Task A_preview_with_apono_registers_the_plan()
    {
        var run = await RunWithApono(new AccessMocks { Unknown = true }, preview: true);
        Assert.Equal(
            run.Plan.AllResources.Select(r => $"{r.Resource.Type} {r.Resource.Name}").Order(StringComparer.Ordinal),
            run.Mocks.Registrations.Select(r => $"{r.Type} {r.Name}").Order(StringComparer.Ordinal));
        Assert.Equal("account_admin", run.Mocks.Registered("sp-apono-account-role-account-admin").Inputs.Str("role"));
    }
}
