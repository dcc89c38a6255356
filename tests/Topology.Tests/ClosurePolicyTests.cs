using CsCheck;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Admin and all-users rules judge effective access (the transitive closure), not direct membership.</summary>
public class ClosurePolicyTests
{
    private static string At(double hours) => Instants.Format(Now.AddHours(hours));

    [Fact]
    public void A_long_membership_of_a_group_that_is_a_standing_member_of_admins_is_long_admin_access()
    {
        var result = Evaluate($$"""
            groups:
              oncall:
                members:
                  - { principal: "user:bob@contoso.com", expires: "{{At(72)}}", reason: INC-1 }
              admins:
                existing: true
                members: [group:oncall]
            """, policy: "standingAdmins: [group:oncall]");
        Assert.Equal(
            [$"topology.groups.oncall.members[0].expires: policy admin-duration: admin access for user:bob@contoso.com through 'oncall' (a member of 'admins') lasts until {At(72)}, longer than maxAdminHours (12h)"],
            Lines(result));
    }

    [Fact]
    public void The_same_holds_through_an_account_group_with_workspace_access_admin()
    {
        var result = Evaluate($$"""
            groups:
              platform-admins: { workspaceAccess: admin }
              oncall:
                members:
                  - { principal: "user:bob@contoso.com", expires: "{{At(72)}}", reason: INC-1 }
              platform-admins-all:
                workspaceAccess: admin
                members: [group:oncall]
            """, policy: "standingAdmins: [group:oncall]", account: Account);
        Assert.Equal(
            [$"topology.groups.oncall.members[0].expires: policy admin-duration: admin access for user:bob@contoso.com through 'oncall' (a member of 'platform-admins-all') lasts until {At(72)}, longer than maxAdminHours (12h)"],
            Lines(result, Severity.Violation));
    }

    [Fact]
    public void Admin_access_ends_with_the_earliest_expiry_on_the_way()
    {
        // bob's 3 days in oncall end with oncall's 2 hours in admins: no long admin access anywhere.
        var result = Evaluate($$"""
            groups:
              oncall:
                members:
                  - { principal: "user:bob@contoso.com", expires: "{{At(72)}}", reason: INC-1 }
              admins:
                existing: true
                members:
                  - { principal: "group:oncall", expires: "{{At(2)}}", reason: CHG-7 }
            """);
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void The_users_group_cannot_be_nested_nor_take_members()
    {
        var result = Evaluate("""
            groups:
              everyone-plus: { members: [group:users] }
              users:
                existing: true
                members: [user:a@contoso.com]
            """, policy: "allowAllUsersAcl: true");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                "topology.groups.everyone-plus.members[0]: the built-in users group (every identity of the workspace) cannot be a member of 'everyone-plus'; grant the access to group:users directly if everyone should have it",
                "topology.groups.users.members[0]: adds user:a@contoso.com to the built-in users group, which Databricks maintains itself: every workspace identity is already in it",
            ],
            Lines(result));
    }

    [Fact]
    public void All_users_rules_see_every_group_that_holds_everyone()
    {
        // The binder refuses such a model; the policy still judges it on the closure should one ever get through.
        var valid = Evaluate("""
            groups:
              everyone-plus: {}
            secretScopes:
              s: { acls: { "group:everyone-plus": READ } }
            jobs:
              j: { notebook: /Shared/j, runAs: "user:a@contoso.com", canView: [group:everyone-plus] }
            catalogGrants:
              - { on: catalog:main, to: group:everyone-plus, privileges: [USE_CATALOG] }
            """, account: Account);
        Assert.Equal(0, valid.ExitCode);
        var model = valid.Model with
        {
            Groups = new SortedDictionary<string, GroupSpec>(valid.Model.Groups.ToDictionary(), StringComparer.Ordinal)
            {
                ["everyone-plus"] = valid.Model.Groups["everyone-plus"] with
                {
                    Members = [new Membership(PrincipalRef.Group(Names.UsersGroup), null, null, "topology.groups.everyone-plus.members[0]")],
                },
            },
        };
        var diagnostics = new Diagnostics();
        new PolicyChecker(new AccessGraph(model), diagnostics).Check();
        Assert.Equal(
            [
                "topology.secretScopes.s.acls[\"group:everyone-plus\"]: policy all-users-access: READ on scope 's' for group:everyone-plus, which holds the built-in users group: everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended",
                "topology.jobs.j: policy all-users-access: CAN_VIEW on job 'j' for group:everyone-plus, which holds the built-in users group: everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended",
                "topology.catalogGrants[0].to: policy all-users-access: grant on catalog:main to group:everyone-plus, which holds the built-in users group: everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended",
            ],
            diagnostics.Items.Select(d => d.ToString()));
    }

    [Theory]
    [InlineData("admins", "workspaceAccess: admin", "workspaceAccess")]
    [InlineData("users", "displayName: Everybody", "displayName")]
    [InlineData("admins", "source: entra", "source")]
    public void Keys_that_would_be_ignored_on_built_in_groups_are_errors(string group, string setting, string key)
    {
        var result = Evaluate($$"""
            groups:
              {{group}}: { existing: true, {{setting}} }
            """, account: Account);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"topology.groups.{group}.{key}: '{group}' is a built-in workspace group; {key} does not apply to it and would be ignored", Lines(result));
    }

    [Fact]
    public void Admin_reach_per_group_equals_the_best_path_over_the_whole_closure_property()
    {
        // Random DAGs: group i may be a member of any later group, or of admins, standing or for 1-48 hours.
        var edge = Gen.Select(Gen.Int[0, 7], Gen.Int[0, 48]);
        Gen.Select(Gen.Int[2, 7], edge.Array[0, 14], Gen.Int[0, 48]).Sample((count, edges, bobHours) =>
        {
            var members = Enumerable.Range(0, count).ToDictionary(i => i, _ => new List<string>());
            var admins = new List<string>();
            string Entry(string principal, int hours) =>
                hours == 0 ? $"\"{principal}\"" : $"{{ principal: \"{principal}\", expires: \"{At(hours)}\", reason: r }}";
            foreach (var (i, (to, hours)) in edges.Select((e, i) => (i % count, e)))
            {
                var target = i + 1 + to;
                var list = target >= count ? admins : members[target];
                if (!list.Any(x => x.Contains($"group:g{i}\"", StringComparison.Ordinal)))
                {
                    list.Add(Entry($"group:g{i}", hours));
                }
            }

            members[0].Add(Entry("user:bob@contoso.com", bobHours));
            var groups = string.Concat(members.Select(m => $"  g{m.Key}:\n    members: [{string.Join(", ", m.Value)}]\n"))
                + $"  admins:\n    existing: true\n    members: [{string.Join(", ", admins)}]\n";
            var result = Evaluate($"groups:\n{groups}", policy: "allowAllUsersAcl: true");
            Assert.True(result.IsValid, string.Join("\n", Lines(result)));
            var graph = result.Graph!;
            foreach (var principal in graph.Principals())
            {
                Assert.Equal(graph.AdminReach(principal, graph.GroupsOf(principal))?.Until, graph.AdminReach(principal)?.Until);
            }
        }, iter: 200);
    }
}
