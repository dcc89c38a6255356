using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// What `up` may do to a shared workspace: every resource is registered with exactly the options the plan decided,
/// lookups never fail the run, the stack's own admins are not drift, and credentials rotate one slot at a time.
/// </summary>
public sealed class LiveSafetyTests
{
    private const string ProdDeployer = "4f6e2d1c-0b9a-4837-a6b5-c4d3e2f1a0b9";

    /// <summary>Prod with every opt-in: authoritative grants, token usage, the built-in users group's entitlements.</summary>
    private static StackFile ProdWithOptIns() => StackRun.Load("prod", text => text
        .Edit("    protect: true\n", "    protect: true\n    authoritativeGrants: [catalog:main]\n    tokenUsage: { canUse: [group:data-scientists] }\n    builtinEntitlements: true\n")
        .Edit("      admins:\n        existing: true\n", "      admins:\n        existing: true\n      users:\n        existing: true\n        entitlements: [workspace-access]\n"));

    public static readonly TheoryData<string> Variants = ["dev", "prod", "prod-opt-ins"];

    private static Task<StackRun> Run(string variant, AccessMocks? mocks = null) => variant == "prod-opt-ins"
        ? StackRun.RunAsync("prod", ProdWithOptIns(), StackRun.Now, mocks ?? new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)))
        : StackRun.RunAsync(variant, mocks: mocks);

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Every_resource_gets_the_protect_retain_and_delete_before_replace_the_plan_decided(string variant)
    {
        var run = await Run(variant);
        var planned = run.Plan.AllResources.Select(x => x.Resource).Where(r => !r.Type.StartsWith("databricks-access:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(planned);
        foreach (var r in planned)
        {
            var options = Assert.IsType<CustomResourceOptions>(run.ObservedNamed(r.Name).Options, exactMatch: false);
            Assert.Equal(
                (r.Name, r.Protect, r.RetainOnDelete, r.DeleteBeforeReplace),
                (r.Name, options.Protect ?? false, options.RetainOnDelete ?? false, options.DeleteBeforeReplace ?? false));
        }

        // The types whose id survives a replacement are never replaced create-first (pulumi/pulumi-databricks#642).
        Assert.All(run.Observed.Where(o => o.Type is PulumiTypes.Secret or PulumiTypes.SecretAcl or PulumiTypes.MwsPermissionAssignment),
            o => Assert.True(((CustomResourceOptions)o.Options).DeleteBeforeReplace, o.Name));
        Assert.Contains(run.Observed, o => o.Type == PulumiTypes.Secret);
    }

    [Fact]
    public async Task Opt_ins_register_their_authoritative_resources_protected()
    {
        var run = await Run("prod-opt-ins");
        var authoritative = run.Plan.BlastRadius.Where(x => x.Resource.Authority == Authority.Authoritative).ToList();
        Assert.Equal(
            ["catalog-grants-catalog-main", "group-users-entitlements", "token-policy", "token-usage", "warehouse-shared-sql-permissions"],
            authoritative.Select(x => x.Resource.Name).Order(StringComparer.Ordinal));
        foreach (var (_, r) in authoritative)
        {
            Assert.True(run.ObservedNamed(r.Name).Options.Protect, r.Name);
        }

        var grants = run.Mocks.Registered("catalog-grants-catalog-main");
        Assert.Equal(PulumiTypes.Grants, grants.Type);
        Assert.Equal("main", grants.Inputs.Str("catalog"));
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Name == "catalog-grants-catalog-main-sp-akto-connector");
        Assert.True(run.ObservedNamed("group-users-entitlements").Options.RetainOnDelete);
    }

    [Fact]
    public async Task Shared_identities_keep_their_settings_when_removed_from_config()
    {
        var run = await Run("prod");
        foreach (var name in new[] { "group-data-platform-engineers-entitlements", "group-data-platform-engineers-assignment" })
        {
            Assert.True(run.ObservedNamed(name).Options.RetainOnDelete, name);
        }

        Assert.True(run.ObservedNamed("group-data-platform-engineers-assignment").Options.Protect);
        Assert.Null(run.ObservedNamed("group-data-scientists-assignment").Options.RetainOnDelete is true ? "retained" : null);
    }

    [Fact]
    public async Task A_departed_user_is_reported_and_skipped_and_everything_else_is_applied()
    {
        var mocks = new AccessMocks { MissingUsers = new HashSet<string> { "bob@contoso.com" } };
        var run = await Run("prod", mocks);

        var registered = mocks.Registrations.Select(r => r.Name).ToHashSet();
        Assert.DoesNotContain("group-data-scientists-member-user-bob@contoso.com", registered);
        var expected = run.Plan.AllResources.Select(x => x.Resource.Name).Where(n => n != "group-data-scientists-member-user-bob@contoso.com");
        Assert.Equal(expected.Order(StringComparer.Ordinal), registered.Order(StringComparer.Ordinal));

        var unresolved = await run.OutputAsync<ImmutableArray<ImmutableDictionary<string, object?>>>("unresolvedPrincipals");
        var entry = Assert.Single(unresolved);
        Assert.Equal("user:bob@contoso.com", entry["principal"]);
        Assert.Equal("account", entry["level"]);
        Assert.Equal(["topology.groups.data-scientists.members[1]"], ((ImmutableArray<string>)entry["skipped"]!).ToList());

        var none = await Run("prod");
        Assert.Empty(await none.OutputAsync<ImmutableArray<ImmutableDictionary<string, object?>>>("unresolvedPrincipals"));
    }

    [Fact]
    [Trait("fact", "data-group-not-found")]
    public async Task A_missing_entra_group_existing_service_principal_and_deployer_are_reported_and_skipped_and_everything_else_is_applied()
    {
        const string Partner = "0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0f";
        const string Deployer = "4f6e2d1c-0b9a-4837-a6b5-c4d3e2f1a0b9";
        var file = StackRun.Load("prod", text => text
            .Edit("    servicePrincipals:\n", $"    servicePrincipals:\n      partner:\n        existing: true\n        applicationId: {Partner}\n        workspaceAccess: user\n        entitlements: [workspace-access]\n")
            .Edit("        to: sp:akto-connector\n        privileges: [USE_CATALOG]\n", "        to: sp:akto-connector\n        privileges: [USE_CATALOG]\n      - on: catalog:main\n        to: sp:partner\n        privileges: [USE_CATALOG]\n"));
        var mocks = new AccessMocks
        {
            MissingGroups = new HashSet<string> { "data-platform-engineers" },
            MissingServicePrincipals = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Partner, Deployer },
        };
        var run = await StackRun.RunAsync("prod", file, StackRun.Now, mocks, key => Output.Create(StackRun.ConfigValue(key)));

        // Planned in full (nothing missing), the run registers all of it but what needs the two missing identities.
        var all = run.Plan.AllResources.Select(x => x.Resource.Name).ToHashSet();
        Assert.Contains("sp-partner-entitlements", all);
        Assert.Contains("group-data-platform-engineers-entitlements", all);
        var registered = mocks.Registrations.Select(r => r.Name).ToHashSet();
        var skipped = all.Except(registered).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["group-data-platform-engineers", "group-data-platform-engineers-assignment", "group-data-platform-engineers-entitlements",
             "group-data-scientists-member-group-data-platform-engineers", "sp-partner", "sp-partner-assignment", "sp-partner-entitlements"],
            skipped.Where(n => !n.StartsWith("catalog-grants", StringComparison.Ordinal)));
        Assert.Empty(registered.Except(all));
        Assert.Contains("group-data-scientists", registered);
        Assert.Contains("sp-akto-connector", registered);
        Assert.DoesNotContain(mocks.Calls, c => c.Token == PulumiTypes.GetGroup && Equals(c.Args.GetValueOrDefault("displayName"), "data-platform-engineers"));
        Assert.DoesNotContain(mocks.Calls, c => c.Token == PulumiTypes.GetServicePrincipal && c.Args.Str("applicationId") is Partner or Deployer);
        Assert.Contains(mocks.Calls, c => c.Token == PulumiTypes.GetGroup && c.Args.Str("displayName") == "admins");

        var unresolved = await run.OutputAsync<ImmutableArray<ImmutableDictionary<string, object?>>>("unresolvedPrincipals");
        Assert.Equal(["group:data-platform-engineers", "sp:partner"], unresolved.Select(u => (string)u["principal"]!));
        Assert.Equal(
            ["topology.groups.data-platform-engineers", "topology.groups.data-scientists.members[0]"],
            ((ImmutableArray<string>)unresolved[0]["skipped"]!).ToList());
        Assert.Contains("topology.servicePrincipals.partner", (ImmutableArray<string>)unresolved[1]["skipped"]!);
        Assert.Contains((ImmutableArray<string>)unresolved[1]["skipped"]!, p => p.EndsWith(".to", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_stacks_own_admins_and_the_deployer_are_not_unmanaged_members_of_admins()
    {
        var mocks = new AccessMocks
        {
            LiveMembers = name => name == "admins"
                ? ["scim-group-platform-admins-group", $"scim-lookup-{ProdDeployer}", "someone-else"]
                : [],
        };
        var run = await Run("prod", mocks);
        var unmanaged = await run.OutputAsync<ImmutableDictionary<string, ImmutableArray<string>>>("unmanagedMembers");
        Assert.Equal(["someone-else"], unmanaged["admins"].ToList());
    }

    [Fact]
    [Trait("fact", "rule-set-put-whole")]
    public async Task The_deployer_is_granted_service_principal_user_on_the_principals_it_acts_as()
    {
        var run = await Run("prod");
        foreach (var (ruleSet, sp) in new[] { ("sp-ci-deployer-rule-set", "sp-ci-deployer-sp"), ("webapp-notebook-runner-rule-set", "webapp-notebook-runner-sp") })
        {
            var registered = run.Mocks.Registered(ruleSet);
            Assert.Equal(PulumiTypes.AccessControlRuleSet, registered.Type);
            Assert.Equal(run.AccountProviderRef, registered.Provider);
            var appId = run.Mocks.Registered(sp).State["applicationId"];
            Assert.Equal($"accounts/0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e/servicePrincipals/{appId}/ruleSets/default", registered.Inputs.Str("name"));
            // The whole rule set is PUT [fact: rule-set-put-whole]: the creator's
            // default servicePrincipal.manager is declared, or the create would remove it.
            var rules = registered.Inputs.Maps("grantRules");
            Assert.Equal(["roles/servicePrincipal.manager", "roles/servicePrincipal.user"], rules.Select(r => (string)r["role"]!).Order(StringComparer.Ordinal));
            Assert.All(rules, rule => Assert.Equal([$"servicePrincipals/{ProdDeployer}"], ((ImmutableArray<object?>)rule["principals"]!).Cast<string>()));

            // Jobs running as the principal and its tokens wait for the rule set (a dependency, not a value).
            var consumers = run.Observed.Where(o => (o.Type == PulumiTypes.Job && ruleSet.StartsWith("webapp-", StringComparison.Ordinal))
                || (o.Type == PulumiTypes.OboToken && o.Name.StartsWith(sp[..^3], StringComparison.Ordinal))).ToList();
            Assert.NotEmpty(consumers);
            foreach (var consumer in consumers)
            {
                var gates = await OutputUtilities.GetValueAsync(consumer.Options.DependsOn.ToOutput());
                Assert.Contains(ruleSet, gates.Select(g => g.GetResourceName()));
            }
        }
    }

    [Fact]
    public async Task A_rotation_replaces_exactly_one_slot_and_the_store_takes_the_new_current_value()
    {
        var token = StackRun.Load("dev").ToInput();
        var boundary = Topology.TopologyEvaluator.Evaluate(token, StackRun.Now).Plan!
            .ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.NextRotation;
        var before = await StackRun.RunAsync("dev", boundary - TimeSpan.FromTicks(1));
        var after = await StackRun.RunAsync("dev", boundary);

        // What replaces a slot is its keeper, the ReplacementTrigger (the policy inputs are ignored changes): only the renewed
        // slot's keeper differs (or it is new: the slot it renews had expired and was no longer declared).
        static async Task<Dictionary<string, string>> Keepers(StackRun run, string type)
        {
            var keepers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var o in run.Observed.Where(o => o.Type == type))
            {
                keepers[o.Name] = (string)(await OutputUtilities.GetValueAsync(o.Options.ReplacementTrigger!.ToOutput()))!;
            }

            return keepers;
        }

        static Dictionary<string, string> Inputs(StackRun run, string type) => run.Mocks.Registrations.Where(r => r.Type == type)
            .ToDictionary(r => r.Name, r => string.Join(';', r.Inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
        var (a, b) = (await Keepers(before, PulumiTypes.OboToken), await Keepers(after, PulumiTypes.OboToken));
        var renewed = after.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.Current;
        var changed = b.Keys.Where(k => !a.TryGetValue(k, out var was) || was != b[k]).ToList();
        Assert.Equal([renewed.ResourceName], changed);
        Assert.All(a.Keys.Where(k => k != renewed.ResourceName), k => Assert.Equal(a[k], b[k]));
        Assert.Equal(renewed.Keeper, b[renewed.ResourceName]);

        // The OAuth secret rotates on its own schedule: untouched at the token's boundary.
        Assert.Equal(Inputs(before, PulumiTypes.ServicePrincipalSecret), Inputs(after, PulumiTypes.ServicePrincipalSecret));

        var previousValue = before.Mocks.Registered("scope-app-secrets-secret-ci-token").Inputs.Str("stringValue");
        var storedValue = after.Mocks.Registered("scope-app-secrets-secret-ci-token").Inputs.Str("stringValue");
        Assert.Equal(AccessMocks.TokenValue(renewed.ResourceName), storedValue);
        Assert.NotEqual(previousValue, storedValue);
        Assert.True(await Output.IsSecretAsync(after.Component<SecretScopeAccess>("scope-app-secrets").SecretValues["ci-token"]));
    }

    [Fact]
    public async Task A_credential_stored_in_a_key_vault_backed_scope_goes_into_the_vault_as_a_secret()
    {
        var file = StackRun.Load("dev", text => text
            .Edit("        oauthSecret: { rotationDays: 90, store: { secret: connectors/akto-oauth, format: json } }\n", "        oauthSecret: { rotationDays: 90, store: vault/akto-oauth-secret }\n")
            .Edit("    secretScopes:\n", "    secretScopes:\n      vault:\n        backend: azure-keyvault\n        keyVault: { resourceId: /subscriptions/0000/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-dbx, dnsName: https://kv-dbx.vault.azure.net/ }\n"));
        var run = await StackRun.RunAsync("dev", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));

        var stored = run.Mocks.Registered("scope-vault-secret-akto-oauth-secret");
        Assert.Equal(PulumiTypes.KeyVaultSecret, stored.Type);
        Assert.Equal(("rg-kv", "kv-dbx", "akto-oauth-secret"), (stored.Inputs.Str("resourceGroupName"), stored.Inputs.Str("vaultName"), stored.Inputs.Str("secretName")));
        var current = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "akto-connector").OAuthSecret!.Current;
        Assert.Equal(AccessMocks.OAuthSecret(current.ResourceName), stored.Inputs.Str("properties", "value"));
        Assert.True(await Output.IsSecretAsync(run.Component<SecretScopeAccess>("scope-vault").SecretValues["akto-oauth-secret"]));
        Assert.False((await run.OutputAsync<ImmutableDictionary<string, string?>>("oauthSecrets")).ContainsKey("akto-connector"));
    }
}
