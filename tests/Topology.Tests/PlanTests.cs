using CsCheck;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class PlanTests
{
    [Fact]
    public void Dev_plan_has_the_resources_the_program_must_declare()
    {
        var dev = TopologyEvaluator.Evaluate(Config.StackFile.Load(Path.Combine(RepoRoot, "Pulumi.dev.yaml")).ToInput(), Now);
        Assert.Equal(0, dev.ExitCode);
        var names = dev.Plan!.AllResources.Select(x => x.Resource.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Contains("group-data-scientists-member-user-bob@contoso.com", names);
        Assert.DoesNotContain("group-admins-member-user-oncall@contoso.com", names);
        Assert.DoesNotContain("group-admins-group", names);
        Assert.Contains("scope-app-secrets-secret-ci-token", names);
        Assert.Contains("scope-app-secrets-password-db-password", names);
        Assert.Equal(["nightly-etl"], dev.Plan.WebApps.Single().TriggeredJobs);
    }

    [Fact]
    public void Prod_protects_what_must_not_vanish_from_config_not_from_the_stack_name()
    {
        var prod = TopologyEvaluator.Evaluate(Config.StackFile.Load(Path.Combine(RepoRoot, "Pulumi.prod.yaml")).ToInput(), Now);
        // Owned resources are protected by the stack's `protect`; shared principals' assignments always are (OwnershipTests).
        var protectedTypes = prod.Plan!.AllResources.Where(x => x.Resource.Protect && x.Resource.Authority == Authority.Owned)
            .Select(x => x.Resource.Type).Distinct().Order().ToArray();
        Assert.Equal(
            [PulumiTypes.UserAssignedIdentity, PulumiTypes.Group, PulumiTypes.SecretScope, PulumiTypes.ServicePrincipal],
            protectedTypes);
        var dev = TopologyEvaluator.Evaluate(Config.StackFile.Load(Path.Combine(RepoRoot, "Pulumi.dev.yaml")).ToInput(), Now);
        Assert.DoesNotContain(dev.Plan!.AllResources, x => x.Resource.Protect && x.Resource.Authority == Authority.Owned);
    }

    private static readonly string[] Members =
        ["user:a@contoso.com", "user:b@contoso.com", "group:inner", "sp:bot", "user:c@contoso.com", "webapp:runner"];

    [Fact]
    public void Reordering_config_changes_no_name_and_no_access()
    {
        // Property: any permutation of members, groups and ACL entries yields the same plan and access matrix.
        var reference = Render(Members, ["outer", "inner", "third"]);
        Gen.Shuffle(Members).Select(Gen.Shuffle(new[] { "outer", "inner", "third" }))
            .Sample((members, groups) => Render(members, groups) == reference, iter: 60);
    }

    private static string Render(IReadOnlyList<string> members, IReadOnlyList<string> groups)
    {
        var groupYaml = string.Concat(groups.Select(g => g switch
        {
            "outer" => "  outer:\n    members: [" + string.Join(", ", members.Select(m => $"\"{m}\"")) + "]\n",
            "inner" => "  inner: { members: [\"user:d@contoso.com\"] }\n",
            _ => "  third: {}\n",
        }));
        var acls = string.Concat(members.Select(m => $"      \"{m}\": READ\n"));
        var result = Evaluate(
            "groups:\n" + groupYaml
            + "servicePrincipals:\n  bot: {}\n"
            + "resourceGroup: rg-x\nwebApps:\n  runner: { name: runner-x }\n"
            + "secretScopes:\n  s:\n    acls:\n" + acls);
        Assert.Equal(0, result.ExitCode);
        return string.Join('\n', result.Plan!.AllResources.Select(r => $"{r.Component}|{r.Resource}").Order(StringComparer.Ordinal))
            + string.Join('\n', result.Access.Select(a => a.ToString()));
    }

    [Fact]
    public void Resource_names_derive_from_keys_never_positions()
    {
        var result = Evaluate("""
            groups:
              g:
                members: [user:Bob@Contoso.com]
            """);
        var member = Assert.Single(result.Plan!.Groups.Single().Members);
        Assert.Equal("group-g-member-user-bob@contoso.com", member.ResourceName);
    }

    [Fact]
    public void A_job_nobody_is_granted_anything_on_gets_no_empty_permissions_resource()
    {
        var result = Evaluate("""
            jobs:
              quiet: { notebook: /x, runAs: "user:svc@contoso.com" }
              shared: { notebook: /y, runAs: "user:svc@contoso.com", canView: ["user:a@contoso.com"] }
            """);
        Assert.Equal(
            ["job-quiet-job", "job-shared-job", "job-shared-permissions"],
            result.Plan!.Jobs.SelectMany(j => j.Resources).Select(r => r.Name).ToArray());
    }

    [Fact]
    public void Undeclared_built_in_member_groups_and_the_metastore_are_planned_lookups()
    {
        var result = Evaluate("""
            groups:
              admins-plus: { members: [group:admins] }
            servicePrincipals:
              conn: {}
            catalogGrants:
              - { on: metastore, to: "sp:conn", privileges: [CREATE_CATALOG] }
            """, policy: "allowAllUsersAcl: true");
        Assert.Equal(
            [
                new PlannedLookup(PulumiTypes.GetGroup, "admins", ProviderScope.Workspace),
                new PlannedLookup(PulumiTypes.GetCurrentMetastore, "metastore", ProviderScope.Workspace),
            ],
            result.Plan!.Lookups);
    }

    [Fact]
    public void The_blast_radius_a_check_shows_is_the_full_plans_without_planning_the_rest()
    {
        var optIns = Evaluate("""
            builtinEntitlements: true
            authoritativeGrants: [catalog:main]
            tokenUsage: { canUse: [sp:ci, group:analysts] }
            servicePrincipals:
              ci: { token: { rotationDays: 20, overlapDays: 5 } }
            groups:
              analysts: { members: [user:a@contoso.com] }
              users: { existing: true, entitlements: [workspace-access] }
              admins: { existing: true, entitlements: [allow-cluster-create], members: [{ principal: user:b@contoso.com, expires: "2026-11-25T18:00:00Z", reason: r }] }
            catalogGrants:
              - { on: catalog:main, to: group:analysts, privileges: [USE_CATALOG] }
              - { on: catalog:other, to: group:analysts, privileges: [USE_CATALOG] }
            """, account: Account);
        Assert.True(optIns.IsValid, string.Join("\n", Lines(optIns)));
        var stacks = new[] { "Pulumi.dev.yaml", "Pulumi.prod.yaml" }
            .Select(f => Topology.TopologyEvaluator.Evaluate(Config.StackFile.Load(Path.Combine(RepoRoot, f)).ToInput(), Now))
            .Append(optIns);
        foreach (var result in stacks)
        {
            var alone = Planner.BlastRadius(result.Model);
            Assert.Equal(result.Plan!.BlastRadius, alone);
        }

        Assert.Equal(4, Planner.BlastRadius(optIns.Model).Count);
    }
}
