using System.Text.Json;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>What an apply may change on a live, shared workspace: authority, options, opt-ins and the blast radius.</summary>
public class OwnershipTests
{
    private const string DeployerId = "9a0c3b7e-1d2f-4e5a-8b6c-7d8e9f0a1b2c";
    private const string Deployer = $"  databricks-access:deployer:\n    applicationId: {DeployerId}\n";

    private static PlannedResource Resource(EvaluationResult result, string name) =>
        result.Plan!.AllResources.Select(x => x.Resource).SingleOrDefault(r => r.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"'{name}' is not planned; planned: {string.Join(", ", result.Plan.AllResources.Select(x => x.Resource.Name))}");

    private static EvaluationResult Stack(string stack) =>
        TopologyEvaluator.Evaluate(StackFile.Load(Path.Combine(RepoRoot, $"Pulumi.{stack}.yaml")).ToInput(), Now);

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_stack_files_hold_no_authoritative_resource_without_an_opt_in(string stack)
    {
        var result = Stack(stack);
        Assert.Equal(0, result.ExitCode);
        // Authoritative: only the opt-ins the samples show (issue 21): the token policy, and in prod one warehouse's permissions.
        Assert.Equal(
            stack == "dev" ? ["token-policy"] : ["token-policy", "warehouse-shared-sql-permissions"],
            result.Plan!.BlastRadius.Where(x => x.Resource.Authority == Authority.Authoritative).Select(x => x.Resource.Name).Order(StringComparer.Ordinal));

        // Beside them: every per-principal resource of a principal the stack does not create, and nothing else.
        Assert.All(result.Plan.BlastRadius.Where(x => x.Resource.Authority != Authority.Authoritative),
            x => Assert.Equal((Authority.PerPrincipal, true), (x.Resource.Authority, x.Resource.SharedPrincipal)));
        Assert.Equal(
            result.Plan.AllResources.Where(x => x.Resource.Authority == Authority.PerPrincipal && !result.Model.Owns(PrincipalRef.TryParse(x.Resource.Principal, out var p, out _) ? p : throw new InvalidOperationException(x.Resource.Principal)))
                .Select(x => x.Resource.Name).Order(StringComparer.Ordinal),
            result.Plan.BlastRadius.Where(x => x.Resource.Authority != Authority.Authoritative).Select(x => x.Resource.Name).Order(StringComparer.Ordinal));
        Assert.Null(result.Plan.TokenUsageResource);
        Assert.DoesNotContain(result.Plan.AllResources, x => x.Resource.Type == PulumiTypes.Grants);
    }

    [Fact]
    public void Catalog_grants_are_one_per_principal_grant_per_securable_and_principal_and_the_stacks_own_principals_are_out_of_the_blast_radius()
    {
        var result = Evaluate("""
            servicePrincipals: { loader: {} }
            groups: { analysts: { level: account } }
            catalogGrants:
              - { on: catalog:main, to: sp:loader, privileges: [USE_CATALOG] }
              - { on: catalog:main, to: group:analysts, privileges: [USE_CATALOG, BROWSE] }
              - { on: schema:main.raw, to: sp:loader, privileges: [SELECT] }
            """, account: Account);
        Assert.Equal(0, result.ExitCode);
        var grants = result.Plan!.Grants!.Resources.ToList();
        Assert.Equal(
            ["catalog-grants-catalog-main-group-analysts", "catalog-grants-catalog-main-sp-loader", "catalog-grants-schema-main.raw-sp-loader"],
            grants.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(grants, r =>
        {
            Assert.Equal(PulumiTypes.Grant, r.Type);
            // The principal's privileges become exactly the list [fact: grant-principal-authoritative].
            Assert.Equal(Authority.PerPrincipal, r.Authority);
            Assert.False(r.SharedPrincipal);
            Assert.False(r.Protect);
            Assert.True(r.DeleteBeforeReplace);
        });
        Assert.Empty(result.Plan.BlastRadius);
    }

    [Fact]
    public void Authoritative_grants_are_an_opt_in_per_securable_protected_and_in_the_blast_radius()
    {
        var result = Evaluate("""
            authoritativeGrants: [catalog:sandbox]
            servicePrincipals: { loader: {} }
            catalogGrants:
              - { on: catalog:sandbox, to: sp:loader, privileges: [USE_CATALOG] }
              - { on: catalog:main, to: sp:loader, privileges: [USE_CATALOG] }
            """, account: Account);
        Assert.Equal(0, result.ExitCode);
        var whole = Resource(result, "catalog-grants-catalog-sandbox");
        Assert.Equal((PulumiTypes.Grants, Authority.Authoritative, true, true), (whole.Type, whole.Authority, whole.Protect, whole.DeleteBeforeReplace));
        Assert.Equal("every grant on catalog:sandbox to a principal not declared here (a delete revokes every grant on it)", whole.Revokes);
        Assert.Equal(PulumiTypes.Grant, Resource(result, "catalog-grants-catalog-main-sp-loader").Type);
        Assert.DoesNotContain(result.Plan!.AllResources, x => x.Resource.Name == "catalog-grants-catalog-sandbox-sp-loader");
        Assert.Equal(["catalog-grants-catalog-sandbox"], result.Plan.BlastRadius.Select(x => x.Resource.Name));
    }

    [Fact]
    public void Authoritative_grant_opt_ins_that_would_revoke_everything_are_errors()
    {
        var result = Evaluate("""
            authoritativeGrants: [metastore, catalog:empty, catalog:main, catalog:main]
            servicePrincipals: { loader: {} }
            catalogGrants:
              - { on: catalog:main, to: sp:loader, privileges: [USE_CATALOG] }
            """, account: Account);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                "topology.authoritativeGrants[0]: the metastore cannot be authoritative: its grants reach every workspace on the metastore, which no one stack declares",
                "topology.authoritativeGrants[1]: no grant on catalog:empty is declared: as the whole truth, it would revoke every grant on it",
                "topology.authoritativeGrants[3]: catalog:main is listed twice",
            ],
            Lines(result, Severity.Error));
    }

    [Fact]
    public void Unity_catalog_knows_account_users_not_the_workspace_users_group()
    {
        var users = Evaluate("""
            catalogGrants:
              - { on: catalog:main, to: group:users, privileges: [BROWSE] }
            """, policy: "allowAllUsersAcl: true", account: Account);
        Assert.Equal(
            ["topology.catalogGrants[0].to: Unity Catalog does not know the workspace-local 'users' group; grant to 'group:account users' (everyone in the account) instead"],
            Lines(users, Severity.Error));

        const string AccountUsers = """
            catalogGrants:
              - { on: catalog:main, to: "group:account users", privileges: [BROWSE] }
            """;
        var strict = Evaluate(AccountUsers, account: Account);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("policy all-users-access", Assert.Single(Lines(strict, Severity.Violation)), StringComparison.Ordinal);
        var allowed = Evaluate(AccountUsers, policy: "allowAllUsersAcl: true", account: Account);
        Assert.Equal(0, allowed.ExitCode);
        Assert.Equal("catalog-grants-catalog-main-group-account-users", Assert.Single(allowed.Plan!.Grants!.Resources).Name);

        var elsewhere = Evaluate("""
            groups: { team: { level: account, members: ["group:account users"] } }
            """, account: Account);
        Assert.Contains("topology.groups.team.members[0]: 'account users' is Unity Catalog's all-users principal: it can only receive catalogGrants",
            Lines(elsewhere, Severity.Error));
    }

    [Fact]
    public void Token_usage_is_not_managed_unless_the_stack_opts_in()
    {
        const string Sps = """
            servicePrincipals:
              ci: { token: { lifetimeDays: 30, rotationDays: 20 } }
            """;
        var without = Evaluate(Sps);
        Assert.Equal(0, without.ExitCode);
        Assert.Null(without.Plan!.TokenUsageResource);
        Assert.Contains("topology.servicePrincipals.ci.token: warning: sp:ci needs CAN_USE in the workspace's token permissions, which this stack does not manage (they are workspace-wide and authoritative); grant it there, or opt in with topology.tokenUsage",
            Lines(without));

        var with = Evaluate(Sps + "\n" + """
            tokenUsage: { canUse: [group:data-eng, user:ana@contoso.com] }
            groups: { data-eng: {} }
            """);
        Assert.Equal(0, with.ExitCode);
        var usage = Resource(with, "token-usage");
        Assert.Equal((PulumiTypes.Permissions, Authority.Authoritative, true), (usage.Type, usage.Authority, usage.Protect));
        Assert.Equal(["user:ana@contoso.com", "group:data-eng", "sp:ci"], with.Plan!.TokenUsers.Select(p => p.ToString()));
        Assert.Equal(["token-usage"], with.Plan.BlastRadius.Select(x => x.Resource.Name));
        Assert.DoesNotContain(Lines(with), l => l.Contains("CAN_USE", StringComparison.Ordinal));
    }

    [Fact]
    public void Token_use_for_everyone_needs_policy_consent()
    {
        var result = Evaluate("tokenUsage: { canUse: [group:users] }");
        Assert.Equal(
            ["topology.tokenUsage.canUse[0]: policy all-users-access: token use for the built-in users group: everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended"],
            Lines(result, Severity.Violation));
    }

    [Fact]
    public void Settings_of_identities_the_stack_does_not_create_are_kept_on_delete_and_assignments_protected()
    {
        var result = Evaluate("""
            groups:
              synced: { source: entra, workspaceAccess: user, entitlements: [workspace-access] }
              shared: { existing: true, workspaceAccess: user, entitlements: [databricks-sql-access] }
              own: { level: account, entitlements: [workspace-access] }
            servicePrincipals:
              partner: { existing: true, applicationId: 0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0f, entitlements: [workspace-access] }
            """, account: Account);
        Assert.Equal(0, result.ExitCode);
        foreach (var key in new[] { "group-synced", "group-shared", "sp-partner" })
        {
            var entitlements = Resource(result, $"{key}-entitlements");
            Assert.Equal((Authority.PerPrincipal, true, true), (entitlements.Authority, entitlements.RetainOnDelete, entitlements.Protect));
            var assignment = Resource(result, $"{key}-assignment");
            Assert.Equal((Authority.PerPrincipal, true, true, true),
                (assignment.Authority, assignment.RetainOnDelete, assignment.Protect, assignment.DeleteBeforeReplace));
        }

        static string principal(string key) => key.StartsWith("sp-", StringComparison.Ordinal) ? $"sp:{key[3..]}" : $"group:{key[6..]}";
        Assert.Equal(
            new[] { "group-shared", "group-synced", "sp-partner" }.SelectMany(k => new[] { ($"{k}-assignment", principal(k)), ($"{k}-entitlements", principal(k)) }),
            result.Plan!.BlastRadius.Select(x => (x.Resource.Name, x.Resource.Principal!)).Order());

        var own = Resource(result, "group-own-entitlements");
        Assert.Equal((Authority.PerPrincipal, false, false, false), (own.Authority, own.RetainOnDelete, own.Protect, own.InBlastRadius));
        var ownAssignment = Resource(result, "group-own-assignment");
        Assert.Equal((Authority.PerPrincipal, false, false, false), (ownAssignment.Authority, ownAssignment.RetainOnDelete, ownAssignment.Protect, ownAssignment.InBlastRadius));
    }

    [Fact]
    public void Entitlements_of_the_built_in_groups_need_an_opt_in_and_are_authoritative()
    {
        const string Topology = """
            groups:
              users: { existing: true, entitlements: [workspace-access] }
            """;
        Assert.Equal(
            ["topology.groups.users.entitlements: entitlements of the built-in 'users' group are authoritative over the whole workspace (they replace what every identity gets through it, and a delete strips them); opt in with topology.builtinEntitlements: true"],
            Lines(Evaluate(Topology), Severity.Error));

        var optedIn = Evaluate(Topology + "\nbuiltinEntitlements: true\n");
        Assert.Equal(0, optedIn.ExitCode);
        var entitlements = Resource(optedIn, "group-users-entitlements");
        Assert.Equal((Authority.Authoritative, true, true), (entitlements.Authority, entitlements.Protect, entitlements.RetainOnDelete));
        Assert.Equal(["group-users-entitlements"], optedIn.Plan!.BlastRadius.Select(x => x.Resource.Name));
    }

    [Fact]
    public void Members_added_to_groups_the_stack_does_not_own_are_additive()
    {
        var result = Evaluate("""
            groups:
              admins: { existing: true, members: [{ principal: user:ana@contoso.com, expires: 2026-11-25T18:00:00Z, reason: INC-1 }] }
              own: { members: [user:bo@contoso.com] }
            """);
        Assert.Equal(Authority.Additive, Resource(result, "group-admins-member-user-ana@contoso.com").Authority);
        Assert.Equal(Authority.Owned, Resource(result, "group-own-member-user-bo@contoso.com").Authority);
    }

    /// <summary>Pinned: the types whose provider id survives a replacement (read from each provider implementation).</summary>
    [Fact]
    public void Delete_before_replace_is_pinned_to_the_types_whose_id_survives_a_replacement()
    {
        var resourceTypes = typeof(PulumiTypes).GetFields()
            .Where(f => f.IsLiteral && f.Name != nameof(PulumiTypes.DatabricksProvider) && !f.Name.StartsWith("Get", StringComparison.Ordinal) && !f.Name.EndsWith("Component", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Append(PulumiTypes.DatabricksProvider)
            .ToList();
        Assert.All(resourceTypes, t => ResourceTraits.Of(t)); // every registered type has its traits recorded

        Assert.Equal(
            new[]
            {
                PulumiTypes.ResourceGroup, PulumiTypes.WebApp,
                PulumiTypes.AccessControlRuleSet, PulumiTypes.Entitlements, PulumiTypes.Grant, PulumiTypes.Grants, PulumiTypes.GroupMember,
                PulumiTypes.MwsPermissionAssignment, PulumiTypes.Permissions, PulumiTypes.Secret, PulumiTypes.SecretAcl, PulumiTypes.SecretScope,
                PulumiTypes.ServicePrincipalRole, PulumiTypes.WorkspaceConf,
            }.Order(StringComparer.Ordinal),
            resourceTypes.Where(ResourceTraits.DeleteBeforeReplace).Order(StringComparer.Ordinal));
        Assert.False(ResourceTraits.DeleteBeforeReplace(PulumiTypes.OboToken));
        Assert.False(ResourceTraits.DeleteBeforeReplace(PulumiTypes.ServicePrincipalSecret));

        // A Key Vault secret's replacement has a new id (vault or name changed): create first; its delete is a data-plane soft delete.
        Assert.False(ResourceTraits.DeleteBeforeReplace(PulumiTypes.KeyVaultSecret));
        Assert.DoesNotContain("nothing remote", ResourceTraits.Of(PulumiTypes.KeyVaultSecret).Delete, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_not_found_is_left_out_and_reported_and_revocations_do_not_depend_on_lookups()
    {
        var result = Evaluate("""
            groups:
              team:
                members:
                  - user:gone@contoso.com
                  - user:here@contoso.com
                  - { principal: user:old@contoso.com, expires: 2026-11-01T00:00:00Z, reason: INC-1 }
            secretScopes:
              app: { acls: { user:gone@contoso.com: READ, user:here@contoso.com: READ } }
            jobs:
              etl: { notebook: /Shared/etl, runAs: user:here@contoso.com, canView: [user:gone@contoso.com] }
            """);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [new UserLookup("gone@contoso.com", ProviderScope.Workspace), new UserLookup("here@contoso.com", ProviderScope.Workspace)],
            result.Plan!.UserLookups);

        var plan = Planner.Plan(result.Model, new HashSet<UserLookup> { new("gone@contoso.com", ProviderScope.Workspace) });
        var names = plan.AllResources.Select(x => x.Resource.Name).ToList();
        Assert.DoesNotContain("group-team-member-user-gone@contoso.com", names);
        Assert.DoesNotContain("scope-app-acl-user-gone@contoso.com", names);
        Assert.Contains("group-team-member-user-here@contoso.com", names);
        Assert.Contains("scope-app-acl-user-here@contoso.com", names);
        Assert.Empty(plan.Jobs.Single().Spec.CanView);
        Assert.Null(plan.Jobs.Single().PermissionsResource);
        var unresolved = Assert.Single(plan.Unresolved);
        Assert.Equal("gone@contoso.com", unresolved.Email);
        Assert.Equal(
            ["topology.groups.team.members[0]", "topology.jobs.etl.canView", "topology.secretScopes.app.acls[\"user:gone@contoso.com\"]"],
            unresolved.Paths.Order(StringComparer.Ordinal));
        Assert.Equal(["old@contoso.com"], plan.Expired.Select(e => e.Principal.Key)); // revoked without any lookup
    }

    [Fact]
    public void A_looked_up_group_or_service_principal_not_found_is_left_out_with_everything_that_names_it()
    {
        var result = Evaluate("""
            groups:
              synced: { source: entra, entitlements: [workspace-access] }
              own: { level: account, members: [group:synced, sp:partner] }
            servicePrincipals:
              partner: { existing: true, applicationId: 0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0f, entitlements: [workspace-access] }
            jobs:
              sync: { notebook: /Shared/sync, runAs: sp:partner, canView: [group:synced] }
            """, account: Account);
        Assert.True(result.ExitCode == 0, string.Join('\n', Lines(result)));
        var full = result.Plan!.AllResources.Select(x => x.Resource.Name).ToHashSet();
        Assert.Contains(result.Plan.Lookups, l => l.Token == PulumiTypes.GetAccountIamGroupsV2 && l.Subject == "*");
        Assert.Contains(result.Plan.Lookups, l => l.Token == PulumiTypes.GetServicePrincipals && l.Provider == ProviderScope.Account);

        var plan = Planner.Plan(result.Model!, null, new HashSet<PrincipalRef> { PrincipalRef.Group("synced"), PrincipalRef.Sp("partner") });
        var left = full.Except(plan.AllResources.Select(x => x.Resource.Name)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["group-own-member-group-synced", "group-own-member-sp-partner", "group-synced", "group-synced-assignment", "group-synced-entitlements",
            "job-sync", "job-sync-job", "job-sync-permissions", "sp-partner", "sp-partner-assignment", "sp-partner-entitlements"], left);
        Assert.Contains("group-own-group", plan.AllResources.Select(x => x.Resource.Name));
        Assert.Equal(["group:synced", "sp:partner"], plan.Unresolved.Select(u => u.Principal));
        Assert.Equal(["topology.groups.synced", "topology.groups.own.members[0]"], plan.Unresolved[0].Paths); // job sync goes with its runAs
        Assert.Equal("0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0f", plan.Unresolved[1].Email);
        Assert.Contains("topology.jobs.sync.runAs", plan.Unresolved[1].Paths);
    }

    [Fact]
    public void The_deployer_may_act_as_the_service_principals_the_stack_creates_for_jobs_and_tokens()
    {
        const string Topology = """
            resourceGroup: rg
            webApps: { runner: {} }
            servicePrincipals:
              ci: { token: { lifetimeDays: 30, rotationDays: 20 } }
              partner: { existing: true, applicationId: 0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0f }
              idle: {}
            jobs:
              etl: { notebook: /Shared/etl, runAs: webapp:runner }
              sync: { notebook: /Shared/sync, runAs: sp:partner }
            """;
        var result = Evaluate(Topology, account: Account, extra: Deployer);
        Assert.Equal(0, result.ExitCode);
        var ruleSets = result.Plan!.AllResources.Where(x => x.Resource.Type == PulumiTypes.AccessControlRuleSet).Select(x => x.Resource).ToList();
        Assert.Equal(["sp-ci-rule-set", "webapp-runner-rule-set"], ruleSets.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(ruleSets, r => Assert.Equal((ProviderScope.Account, Authority.Owned), (r.Provider, r.Authority)));
        Assert.Contains("topology.jobs.sync.runAs: warning: sp:partner is not created by this stack, so its rule set is not managed here: the deployer needs roles/servicePrincipal.user on it already",
            Lines(result));

        var noDeployer = Evaluate(Topology, account: Account);
        Assert.DoesNotContain(noDeployer.Plan!.AllResources, x => x.Resource.Type == PulumiTypes.AccessControlRuleSet);
        Assert.Contains(Lines(noDeployer), l => l.StartsWith("deployer: warning: databricks-access:deployer is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void The_stacks_own_admins_are_declared_members_of_admins()
    {
        var result = Evaluate("""
            groups:
              admins: { existing: true }
              platform: { level: account, workspaceAccess: admin }
              readers: { level: account }
            """, policy: "standingAdmins: [group:platform]", account: Account, extra: Deployer);
        Assert.Equal(0, result.ExitCode);
        var admins = result.Plan!.Groups.Single(g => g.Spec.Key == "admins");
        Assert.Equal(
            [new ImplicitMember(PrincipalRef.Group("platform"), null, "workspaceAccess: admin"), new ImplicitMember(null, DeployerId, "deployer")],
            admins.ImplicitMembers);
        Assert.Contains(result.Plan.Lookups, l => l.Token == PulumiTypes.GetServicePrincipal && l.Subject == DeployerId);

        const string Scheduled = "0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0a";
        var withAutomation = Evaluate("groups: { admins: { existing: true } }", account: Account,
            extra: $"  databricks-access:deployer:\n    applicationId: {DeployerId}\n    automation: [{Scheduled}, not-a-uuid]\n");
        Assert.Equal(["deployer.automation[1]: 'not-a-uuid' is not an application id (a UUID)"], Lines(withAutomation, Severity.Error));
        var valid = Evaluate("groups: { admins: { existing: true } }", account: Account,
            extra: $"  databricks-access:deployer:\n    applicationId: {DeployerId}\n    automation: [{Scheduled}]\n");
        Assert.Equal(
            [new ImplicitMember(null, DeployerId, "deployer"), new ImplicitMember(null, Scheduled, "automation identity")],
            valid.Plan!.Groups.Single().ImplicitMembers);
        Assert.Contains(valid.Plan.Lookups, l => l.Token == PulumiTypes.GetServicePrincipal && l.Subject == Scheduled);
    }

    [Fact]
    public void Identity_rules_that_only_fail_at_apply_time_are_errors_offline()
    {
        var result = Evaluate("""
            groups:
              local: { level: workspace, members: [group:team] }
              team: { level: account }
              hidden: { level: account, workspaceAccess: none, entitlements: [workspace-access] }
            """, account: Account);
        Assert.Equal(
            [
                "topology.groups.local.members[0]: account group 'team' cannot be a member of workspace-local group 'local': workspace SCIM cannot hold account groups; make 'local' an account group",
                "topology.groups.hidden.entitlements: group:hidden has workspaceAccess: none, so it is not in the workspace: entitlements could never take effect",
            ],
            Lines(result, Severity.Error));
    }

    [Fact]
    public void The_diff_reports_a_change_of_authority()
    {
        const string Topology = """
            servicePrincipals: { loader: {} }
            catalogGrants:
              - { on: catalog:sandbox, to: sp:loader, privileges: [USE_CATALOG] }
            """;
        var before = Evaluate(Topology, account: Account);
        var after = Evaluate(Topology + "\nauthoritativeGrants: [catalog:sandbox]\n", account: Account);
        var changes = PlanDiff.Compute(before.Plan!, after.Plan!);
        Assert.Equal(
            ["catalog-grants-catalog-sandbox becomes authoritative: an apply revokes every grant on catalog:sandbox to a principal not declared here (a delete revokes every grant on it)"],
            changes.Select(c => c.Text));
        Assert.Equal(
            ["catalog-grants-catalog-sandbox is no longer managed: it was authoritative, and its delete revokes every grant on the securable"],
            PlanDiff.Compute(after.Plan!, before.Plan!).Select(c => c.Text));
        Assert.Empty(PlanDiff.Compute(before.Plan!, before.Plan!));
    }

    [Fact]
    public void Plan_json_gives_every_resource_its_authority_and_options_and_the_text_plan_a_blast_radius()
    {
        var dir = Directory.CreateTempSubdirectory("dbx-access-own-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "Pulumi.t.yaml"), StackYaml("""
                authoritativeGrants: [catalog:sandbox]
                servicePrincipals: { loader: {} }
                catalogGrants:
                  - { on: catalog:sandbox, to: sp:loader, privileges: [USE_CATALOG] }
                """, account: Account));
            var @out = new StringWriter();
            Assert.Equal(0, Program.Run(["plan", "--stack", "t", "--format", "json"], @out, new StringWriter(), new FakeTimeProvider(Now), dir));
            using var json = JsonDocument.Parse(@out.ToString());
            var resources = json.RootElement.GetProperty("resources").EnumerateArray().ToList();
            Assert.NotEmpty(resources);
            Assert.All(resources, r =>
            {
                Assert.Contains(r.GetProperty("authority").GetString(), new[] { "owned", "additive", "per-principal", "authoritative" });
                foreach (var flag in new[] { "deleteBeforeReplace", "retainOnDelete", "protect" })
                {
                    Assert.True(r.GetProperty(flag).ValueKind is JsonValueKind.True or JsonValueKind.False, flag);
                }
            });
            var grants = resources.Single(r => r.GetProperty("name").GetString() == "catalog-grants-catalog-sandbox");
            Assert.Equal(("authoritative", true, true), (grants.GetProperty("authority").GetString(), grants.GetProperty("protect").GetBoolean(), grants.GetProperty("deleteBeforeReplace").GetBoolean()));

            var check = new StringWriter();
            Assert.Equal(0, Program.Run(["check", "--stack", "t"], check, new StringWriter(), new FakeTimeProvider(Now), dir));
            Assert.Contains("catalog-grants-catalog-sandbox (databricks:index/grants:Grants, authoritative, in catalog-grants) revokes every grant on catalog:sandbox", check.ToString(), StringComparison.Ordinal);

            var text = new StringWriter();
            Assert.Equal(0, Program.Run(["plan", "--stack", "t"], text, new StringWriter(), new FakeTimeProvider(Now), dir));
            Assert.Contains("Blast radius (1 resource(s): 1 authoritative (explicit opt-ins, protected), 0 per-principal of principals this stack does not create, 0 account role(s) granting account-wide power):", text.ToString(), StringComparison.Ordinal);
            Assert.Contains("  catalog-grants-catalog-sandbox (databricks:index/grants:Grants, authoritative, in catalog-grants) revokes every grant on catalog:sandbox to a principal not declared here", text.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_ownership_and_rotation_rule_is_rejected_on_a_fixture_file_at_once()
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(["check", "--file", Fixture("bad-ownership.yaml")], @out, err, new FakeTimeProvider(Now), RepoRoot);
        Assert.Equal(2, code);
        var errors = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(": error: ", StringComparison.Ordinal) || !l.Contains(": warning: ", StringComparison.Ordinal)).ToList();
        foreach (var expected in new[]
        {
            "topology.authoritativeGrants[0]: the metastore cannot be authoritative",
            "topology.authoritativeGrants[1]: no grant on catalog:nothing-declared is declared",
            "topology.groups.local.members[0]: account group 'team' cannot be a member of workspace-local group 'local'",
            "topology.groups.hidden.entitlements: group:hidden has workspaceAccess: none",
            "topology.groups.users.entitlements: entitlements of the built-in 'users' group are authoritative over the whole workspace",
            "topology.groups.crowd.members[0]: 'account users' is Unity Catalog's all-users principal",
            "topology.servicePrincipals.ci.token.overlapDays: overlapDays 30 must be more than 0 and less than rotationDays (30)",
            "topology.servicePrincipals.loader.oauthSecret.lifetimeDays: a credential lives exactly rotationDays + overlapDays (20 + 5 = 25 days), not 30",
            "topology.servicePrincipals.short.oauthSecret.rotationDays: the default overlap of 7 days must be more than 0 and less than rotationDays (5)",
            "topology.catalogGrants[0].to: Unity Catalog does not know the workspace-local 'users' group; grant to 'group:account users'",
        })
        {
            Assert.Single(errors, l => l.StartsWith(expected, StringComparison.Ordinal));
        }

        Assert.DoesNotContain("   at ", err.ToString(), StringComparison.Ordinal);
    }
}

public class UnsafeMigrationTests
{
    private const string Topology = """
        servicePrincipals: { loader: {} }
        catalogGrants:
          - { on: catalog:sandbox, to: sp:loader, privileges: [USE_CATALOG] }
          - { on: catalog:main, to: sp:loader, privileges: [USE_CATALOG] }
        """;

    [Fact]
    public void Toggling_authoritative_grants_is_refused_with_the_two_step_procedure_unless_the_head_says_it_is_intended()
    {
        var grant = Evaluate(Topology, account: Account);
        var grants = Evaluate(Topology + "\nauthoritativeGrants: [catalog:sandbox]\n", account: Account);
        var intended = Evaluate(Topology + "\nauthoritativeGrants: [catalog:sandbox]\nintendedMigrations: [catalog:sandbox]\n", account: Account);
        Assert.True(intended.IsValid);

        var on = Assert.Single(PlanDiff.Unsafe(grant.Plan!, grants.Plan!, grants.Model, "prod"));
        Assert.Equal("catalog:sandbox", on.Subject);
        Assert.Contains("pulumi state delete --stack prod --yes 'urn:pulumi:prod::databricks-access::databricks-access:index:CatalogGrants$databricks:index/grant:Grant::catalog-grants-catalog-sandbox-sp-loader'", on.Text, StringComparison.Ordinal);
        Assert.StartsWith("topology.authoritativeGrants: making catalog:sandbox authoritative in one step revokes the declared privileges", on.Text, StringComparison.Ordinal);

        var off = Assert.Single(PlanDiff.Unsafe(grants.Plan!, grant.Plan!, grant.Model, "prod"));
        Assert.Contains("pulumi state unprotect --stack prod --yes 'urn:pulumi:prod::databricks-access::databricks-access:index:CatalogGrants$databricks:index/grants:Grants::catalog-grants-catalog-sandbox' && pulumi state delete --stack prod --yes 'urn:pulumi:prod::databricks-access::databricks-access:index:CatalogGrants$databricks:index/grants:Grants::catalog-grants-catalog-sandbox'", off.Text, StringComparison.Ordinal);

        Assert.Empty(PlanDiff.Unsafe(grant.Plan!, intended.Plan!, intended.Model, "prod"));
        Assert.Empty(PlanDiff.Unsafe(grant.Plan!, grant.Plan!, grant.Model, "prod"));

        // The command: the diff is printed, the refusal goes to stderr, exit 1.
        var dir = Directory.CreateTempSubdirectory("dbx-access-unsafe-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "base.yaml"), StackYaml(Topology, account: Account));
            File.WriteAllText(Path.Combine(dir, "Pulumi.prod.yaml"), StackYaml(Topology + "\nauthoritativeGrants: [catalog:sandbox]\n", account: Account));
            var err = new StringWriter();
            Assert.Equal(1, Program.Run(["diff", "--base", Path.Combine(dir, "base.yaml"), "--head", Path.Combine(dir, "Pulumi.prod.yaml")], new StringWriter(), err, new FakeTimeProvider(Now), dir));
            Assert.Contains("--stack prod --yes 'urn:pulumi:prod::", err.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public class MigrationGuardTests
{
    [Fact]
    public void The_diff_says_a_workspace_access_level_change_leaves_a_moment_without_access()
    {
        var path = Path.Combine(RepoRoot, "Pulumi.prod.yaml");
        var text = File.ReadAllText(path);
        const string user = "      ci-deployer:\n        level: account\n        workspaceAccess: user\n";
        Assert.Contains(user, text, StringComparison.Ordinal);
        var before = TopologyEvaluator.Evaluate(StackFile.Parse(text, path).ToInput(), Now);
        var after = TopologyEvaluator.Evaluate(StackFile.Parse(text.Edit(user, user.Replace("user", "admin", StringComparison.Ordinal)), path).ToInput(), Now);

        var lines = PlanDiff.Compute(before.Plan!, after.Plan!).Where(c => c.Subject == "sp-ci-deployer-assignment").Select(c => c.Text).ToList();
        Assert.Equal(
            ["sp-ci-deployer-assignment: sp:ci-deployer's workspace access changes from USER to ADMIN by a delete-first replacement (the assignment has no update): sp:ci-deployer has no workspace access for the seconds between the two calls during the up"],
            lines);
        Assert.DoesNotContain(PlanDiff.Compute(before.Plan!, before.Plan!), c => c.Subject == "sp-ci-deployer-assignment");
    }

    private static string Step(string op, string type, string name, bool protect = false) =>
        $$"""{ "op": "{{op}}", "urn": "urn:pulumi:prod::databricks-access::databricks-access:index:X${{type}}::{{name}}", "oldState": { "type": "{{type}}", "protect": {{(protect ? "true" : "false")}} } }""";

    private static string Preview(params string[] steps) => $"{{ \"steps\": [ {string.Join(", ", steps)} ] }}";

    [Fact]
    public void The_guard_refuses_previews_that_revoke_beyond_the_change_and_lets_safe_ones_through()
    {
        var prod = Topology.TopologyEvaluator.Evaluate(Config.StackFile.Load(Path.Combine(RepoRoot, "Pulumi.prod.yaml")).ToInput(), Now);
        var plan = prod.Plan!;
        var token = plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var shared = plan.BlastRadius.First().Resource;
        var refused = MigrationGuard.Check(Preview(
            Step("replace", PulumiTypes.Grants, "catalog-grants-catalog-main"),
            Step("delete", PulumiTypes.Permissions, "token-usage"),
            Step("replace", PulumiTypes.SecretScope, "scope-app-secrets-scope", protect: true),
            Step("delete", shared.Type, shared.Name),
            // A replacement is one logical `replace` step in `preview --json` (the create-replacement / delete-replaced
            // halves are left out [fact: preview-hides-replacement-steps]).
            Step("replace", PulumiTypes.OboToken, token.A.ResourceName),
            Step("replace", PulumiTypes.OboToken, token.B.ResourceName),
            Step("update", PulumiTypes.Job, "job-nightly-etl-job")), plan);
        Assert.Equal(5, refused.Count);
        Assert.Contains(refused, f => f.StartsWith("catalog-grants-catalog-main: the preview would replace a Grants", StringComparison.Ordinal));
        Assert.Contains(refused, f => f.StartsWith("token-usage: the preview would delete the workspace's token permissions", StringComparison.Ordinal));
        Assert.Contains(refused, f => f.StartsWith("scope-app-secrets-scope: the preview would replace a protected resource", StringComparison.Ordinal));
        Assert.Contains(refused, f => f.StartsWith($"{shared.Name}: the preview would delete a per-principal resource", StringComparison.Ordinal));
        Assert.Contains(refused, f => f.StartsWith("sp:ci-deployer token: the preview would replace or delete both slots", StringComparison.Ordinal));

        // The halves, as a digest printed with replacement steps shows them, are read the same.
        Assert.Contains(MigrationGuard.Check(Preview(
            Step("create-replacement", PulumiTypes.OboToken, token.A.ResourceName),
            Step("delete-replaced", PulumiTypes.OboToken, token.B.ResourceName)), plan),
            f => f.StartsWith("sp:ci-deployer token: the preview would replace or delete both slots", StringComparison.Ordinal));

        // A rotation replaces one slot; a job update, a secret ACL of the stack's own principal, the program's read of
        // its own outputs (a `read` step on every run): nothing to refuse.
        Assert.Empty(MigrationGuard.Check(Preview(
            """{ "op": "read", "urn": "urn:pulumi:prod::databricks-access::pulumi:pulumi:StackReference::previous-deployment", "oldState": { "type": "pulumi:pulumi:StackReference", "protect": false } }""",
            Step("replace", PulumiTypes.OboToken, token.Current.ResourceName),
            Step("update", PulumiTypes.Job, "job-nightly-etl-job"),
            Step("replace", PulumiTypes.SecretAcl, "scope-app-secrets-acl-webapp-notebook-runner")), plan));
    }
}
