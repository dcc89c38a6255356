using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class AccountLevelTests
{
    [Fact]
    public void With_an_account_identities_default_to_account_level_with_user_workspace_access()
    {
        var result = Evaluate("""
            groups:
              analysts: {}
            servicePrincipals:
              conn: {}
            """, account: Account);
        Assert.Equal((IdentityLevel.Account, WorkspaceAccess.User), (result.Model.Groups["analysts"].Level, result.Model.Groups["analysts"].WorkspaceAccess));
        Assert.Equal(IdentityLevel.Account, result.Model.ServicePrincipals["conn"].Level);
        var plan = result.Plan!;
        Assert.Equal("databricks-account", plan.AccountProviderResource);
        var assignment = plan.AllResources.Single(x => x.Resource.Name == "group-analysts-assignment").Resource;
        Assert.Equal((PulumiTypes.MwsPermissionAssignment, ProviderScope.Account, Authority.PerPrincipal, false, false),
            (assignment.Type, assignment.Provider, assignment.Authority, assignment.Protect, assignment.InBlastRadius));
        Assert.Contains(plan.AllResources, x => x.Resource == new PlannedResource(PulumiTypes.Group, "group-analysts-group", ProviderScope.Account));
    }

    [Fact]
    public void A_workspace_local_group_is_a_legacy_warning_that_keeps_exit_code_zero()
    {
        var result = Evaluate("""
            groups:
              old: { level: workspace }
            """, account: Account);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["topology.groups.old: warning: group 'old' is workspace-local (legacy): it cannot receive Unity Catalog grants or span workspaces; prefer level: account"],
            Lines(result));
    }

    [Fact]
    public void Identity_rules_are_checked_offline_all_at_once()
    {
        var result = Evaluate("""
            groups:
              old: { level: workspace }
              synced:
                source: entra
                members:
                  - user:a@contoso.com
                  - { principal: "user:b@contoso.com", expires: "2026-11-26T00:00:00Z", reason: r }
              hidden: { workspaceAccess: none }
            servicePrincipals:
              offline: { workspaceAccess: none }
            secretScopes:
              s:
                acls:
                  group:hidden: READ
                  sp:offline: WRITE
            catalogGrants:
              - { on: "catalog:main", to: "group:old", privileges: [USE_CATALOG] }
            jobs:
              j: { notebook: /x, runAs: "sp:offline", canManageRun: ["group:hidden"] }
            """, account: Account);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                "topology.catalogGrants[0].to: Unity Catalog cannot grant to workspace-local group 'old'; make it an account group (level: account)",
                "topology.groups.synced.members: 'synced' is synced from Entra ID (source: entra) and immutable here: manage its members in Entra ID",
                "topology.jobs.j.canManageRun[0]: a job permission for group:hidden could never take effect: it has workspaceAccess: none in this workspace",
                "topology.jobs.j.runAs: running a job for sp:offline could never take effect: it has workspaceAccess: none in this workspace",
                "topology.secretScopes.s.acls[\"group:hidden\"]: a secret ACL for group:hidden could never take effect: it has workspaceAccess: none in this workspace",
                "topology.secretScopes.s.acls[\"sp:offline\"]: a secret ACL for sp:offline could never take effect: it has workspaceAccess: none in this workspace",
            ],
            Lines(result, Severity.Error).OrderBy(l => l, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Workspace_admin_assignment_counts_as_admin_for_every_admin_policy()
    {
        var result = Evaluate("""
            groups:
              platform-admins:
                workspaceAccess: admin
                members:
                  - user:eve@contoso.com
                  - { principal: "user:oncall@contoso.com", expires: "2026-11-27T00:00:00Z", reason: CHG-7 }
            """, account: Account);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                "topology.groups.platform-admins.members[1].expires: policy admin-duration: admin access for user:oncall@contoso.com through 'platform-admins' lasts until 2026-11-27T00:00:00Z, longer than maxAdminHours (12h)",
                "topology.groups.platform-admins.members[0]: policy standing-admin: user:eve@contoso.com would be a standing human admin through 'platform-admins' with no expiry; give the membership expires + reason, or list it in policy.standingAdmins",
            ],
            Lines(result));
    }

    [Fact]
    public void A_service_principal_with_admin_assignment_is_a_standing_admin()
    {
        var result = Evaluate("""
            servicePrincipals:
              deployer: { workspaceAccess: admin }
            """, account: Account);
        Assert.Equal(
            ["topology.servicePrincipals.deployer.workspaceAccess: policy standing-admin: sp:deployer would be a standing admin through its workspaceAccess: admin with no expiry; give the membership expires + reason, or list it in policy.standingAdmins"],
            Lines(result));
    }

    [Fact]
    public void Account_level_without_an_account_is_an_error_and_workspace_groups_cannot_join_account_groups()
    {
        Assert.Equal(
            ["topology.groups.g.level: account-level identities need databricks-access:account (id, host, workspaceId)"],
            Lines(Evaluate("groups:\n  g: { level: account }\n")));

        var nested = Evaluate("""
            groups:
              local: { level: workspace }
              fed: { members: [group:local] }
            """, account: Account);
        Assert.Contains("topology.groups.fed.members[0]: workspace-local group:local cannot be a member of account group 'fed'", Lines(nested));
    }

    [Fact]
    public void A_synced_group_plans_no_group_and_no_members_only_a_lookup_and_its_assignment()
    {
        var result = Evaluate("""
            groups:
              engineers: { source: entra, entitlements: [workspace-access] }
            """, account: Account);
        var group = Assert.Single(result.Plan!.Groups);
        Assert.Equal(
            [
                (PulumiTypes.Entitlements, "group-engineers-entitlements", ProviderScope.Workspace),
                (PulumiTypes.MwsPermissionAssignment, "group-engineers-assignment", ProviderScope.Account),
            ],
            group.Resources.Select(r => (r.Type, r.Name, r.Provider)).ToArray());
        Assert.Contains(result.Plan.Lookups, l => l == new PlannedLookup(PulumiTypes.GetGroup, "engineers", ProviderScope.Account));
        Assert.False(group.ReportsUnmanagedMembers);
    }

    [Fact]
    public void The_access_matrix_shows_workspace_access_through_the_assignment()
    {
        var result = Evaluate("""
            groups:
              analysts:
                members: [user:a@contoso.com]
            """, account: Account);
        var entry = result.Access.Single(e => e.Principal == PrincipalRef.User("a@contoso.com") && e.Kind == AccessKind.Workspace);
        Assert.Equal(("USER", "analysts"), (entry.Permission, entry.Via));
        Assert.Equal(IdentityLevel.Account, result.Model.LevelOf(PrincipalRef.Group("analysts")));
    }
}
