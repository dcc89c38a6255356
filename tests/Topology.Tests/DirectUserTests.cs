using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 27: account users assigned to the workspace directly (<c>topology.users.&lt;email&gt;.workspaceAccess</c>):
/// validated with path-named errors, judged by the admin policies like any admin, planned as the account-level
/// <c>MwsPermissionAssignment</c> groups and service principals use.
/// </summary>
public sealed class DirectUserTests
{
    [Fact]
    public void A_directly_assigned_user_is_one_per_principal_account_assignment_of_the_looked_up_account_user()
    {
        var result = Evaluate("""
            users:
              Ana@Contoso.com: { workspaceAccess: user }
            """, account: Account);

        Assert.Equal(0, result.ExitCode);
        var user = Assert.Single(result.Model.Users.Values);
        Assert.Equal(("ana@contoso.com", WorkspaceAccess.User), (user.Email, user.WorkspaceAccess));
        var plan = result.Plan!;
        var assignment = plan.AllResources.Single(x => x.Resource.Name == "user-ana@contoso.com-assignment");
        Assert.Equal(ResourcePlan.StackComponent, assignment.Component);
        Assert.Equal((PulumiTypes.MwsPermissionAssignment, ProviderScope.Account, Authority.PerPrincipal, true, true, true, "user:ana@contoso.com"),
            (assignment.Resource.Type, assignment.Resource.Provider, assignment.Resource.Authority, assignment.Resource.Protect,
                assignment.Resource.RetainOnDelete, assignment.Resource.InBlastRadius, assignment.Resource.Principal));
        Assert.Contains(new UserLookup("ana@contoso.com", ProviderScope.Account), plan.UserLookups);
        Assert.DoesNotContain(new UserLookup("ana@contoso.com", ProviderScope.Workspace), plan.UserLookups);
    }

    [Fact]
    public void Admin_through_a_direct_assignment_is_a_standing_admin_unless_listed_and_an_implicit_admins_member()
    {
        const string Topology = """
            users:
              ana@contoso.com: { workspaceAccess: admin }
            """;
        var bad = Evaluate(Topology, account: Account);
        Assert.Equal(1, bad.ExitCode); // a policy violation
        var finding = Assert.Single(bad.Diagnostics, d => d.Rule == "standing-admin");
        Assert.Equal("topology.users[\"ana@contoso.com\"].workspaceAccess", finding.Path);
        Assert.Contains("user:ana@contoso.com would be a standing human admin through its workspaceAccess: admin", finding.Message);

        var ok = Evaluate(Topology, policy: "standingAdmins: [\"user:ana@contoso.com\"]", account: Account);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains(Planner.AdminsImplicitMembers(ok.Model), m => m.Principal == PrincipalRef.User("ana@contoso.com"));
        // Its workspace id names it among admins' declared members: looked up at workspace level too.
        Assert.Contains(new UserLookup("ana@contoso.com", ProviderScope.Workspace), ok.Plan!.UserLookups);
        // The access matrix: ADMIN on the workspace, and MANAGE on a scope as every admin.
        var scoped = Evaluate(Topology + "\nsecretScopes:\n  app: {}\n", policy: "standingAdmins: [\"user:ana@contoso.com\"]", account: Account);
        var rows = scoped.Closure!.Of(PrincipalRef.User("ana@contoso.com")).Select(c => c.Entry).ToList();
        Assert.Contains(rows, e => e.Kind == AccessKind.Workspace && e.Permission == "ADMIN");
        Assert.Contains(rows, e => e.Kind == AccessKind.SecretScope && e.Permission == "MANAGE");
    }

    [Fact]
    public void A_time_bound_admin_group_membership_does_not_hide_a_standing_direct_admin()
    {
        var result = Evaluate("""
            users:
              ana@contoso.com: { workspaceAccess: admin }
            groups:
              ops:
                workspaceAccess: admin
                members:
                  - { principal: "user:ana@contoso.com", expires: "2026-11-25T18:00:00Z", reason: INC-1 }
            """, account: Account);
        Assert.Contains(result.Diagnostics, d => d.Rule == "standing-admin" && d.Path == "topology.users[\"ana@contoso.com\"].workspaceAccess");
    }

    [Fact]
    public void Bad_users_entries_are_each_one_line_naming_the_path()
    {
        var result = Evaluate("""
            users:
              not-an-email: { workspaceAccess: user }
              bob@contoso.com: { workspaceAccess: none }
              BOB@contoso.com: { workspaceAccess: user }
              cy@contoso.com: { workspaceAcess: user }
              dee@contoso.com: { workspaceAccess: Admin }
            """, account: Account);
        Assert.Equal(2, result.ExitCode);
        var errors = Lines(result, Severity.Error);
        Assert.Contains(errors, l => l.StartsWith("topology.users.not-an-email: 'not-an-email' is not a user email", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.users[\"bob@contoso.com\"].workspaceAccess: 'none' is not one of: user, admin", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.users[\"BOB@contoso.com\"]: duplicate user 'BOB@contoso.com' (same as 'bob@contoso.com'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.users[\"cy@contoso.com\"].workspaceAcess", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.users[\"dee@contoso.com\"].workspaceAccess: 'Admin' is not one of: user, admin", StringComparison.Ordinal));
        Assert.Null(result.Plan);
    }

    [Fact]
    public void A_direct_assignment_needs_the_account()
    {
        var result = Evaluate("""
            users:
              ana@contoso.com: { workspaceAccess: user }
            """);
        Assert.Equal(
            ["topology.users[\"ana@contoso.com\"].workspaceAccess: a direct workspace assignment is made through the account: it needs databricks-access:account (id, host, workspaceId)"],
            Lines(result, Severity.Error));
    }

    [Fact]
    public void A_user_the_account_lookup_does_not_find_is_skipped_and_reported()
    {
        var result = Evaluate("""
            users:
              ana@contoso.com: { workspaceAccess: user }
              gone@contoso.com: { workspaceAccess: user }
            """, account: Account);
        var plan = Planner.Plan(result.Model, new HashSet<UserLookup> { new("gone@contoso.com", ProviderScope.Account) });
        Assert.Equal(["user-ana@contoso.com-assignment"], plan.UserAssignments.Select(u => u.ResourceName));
        var unresolved = Assert.Single(plan.Unresolved);
        Assert.Equal(("gone@contoso.com", ProviderScope.Account), (unresolved.Email, unresolved.Scope));
        Assert.Equal(["topology.users[\"gone@contoso.com\"].workspaceAccess"], unresolved.Paths);
    }

    [Fact]
    public void A_level_change_is_said_to_be_a_delete_first_replacement()
    {
        var before = Evaluate("users:\n  ana@contoso.com: { workspaceAccess: user }\n", account: Account).Plan!;
        var after = Evaluate("users:\n  ana@contoso.com: { workspaceAccess: admin }\n", policy: "standingAdmins: [\"user:ana@contoso.com\"]", account: Account).Plan!;
        Assert.Contains(PlanDiff.Compute(before, after), c => c.Subject == "user-ana@contoso.com-assignment" && c.Text.Contains("from USER to ADMIN", StringComparison.Ordinal));
    }
}
