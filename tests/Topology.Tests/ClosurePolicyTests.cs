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

    /// <summary>Offsets from now an expiry takes (null: standing): now and 1 ms either side, maxAdminHours (12 h) and
    /// 1 ms either side, and repeats, so equal expiries meet on purpose.</summary>
    private static readonly TimeSpan?[] ExpiryOffsets =
    [
        null, null, TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1),
        TimeSpan.FromHours(12) - TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(12), TimeSpan.FromHours(12) + TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(72),
    ];

    /// <summary>Offsets from now a <c>starts</c> takes (null: none): now and 1 ms either side, before and after.</summary>
    private static readonly TimeSpan?[] StartOffsets =
        [null, null, null, TimeSpan.FromHours(-3), TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(30)];

    private sealed record Edge(string Member, string Group, DateTimeOffset? Starts, DateTimeOffset? Expires, string Path)
    {
        public bool Expired => Expires is { } x && x <= Now;

        public bool Pending => !Expired && Starts is { } s && s > Now;

        public bool Active => !Expired && !Pending;
    }

    /// <summary>
    /// Issue 33: admin reach and the admin-duration rule against a brute-force oracle written from the rules, not from
    /// <see cref="AccessGraph"/>: every path of active memberships (started at or before now, expiring after it) from a
    /// principal up to <c>admins</c>; a path lasts until its earliest expiry; the best path is the longest-lived (standing
    /// is longest). Random DAGs of nested groups, each membership standing or time-bound at the boundaries above, with
    /// <c>starts</c> at the boundaries too.
    /// </summary>
    [Fact]
    public void Admin_reach_and_admin_duration_equal_a_brute_force_path_enumeration_property()
    {
        var edge = Gen.Select(Gen.Int[0, 2], Gen.Int[0, ExpiryOffsets.Length - 1], Gen.Int[0, StartOffsets.Length - 1]);
        Gen.Select(Gen.Int[1, 4], edge.Array[10], edge.Array[4]).Sample((n, groupEdges, userEdges) =>
        {
            // Groups g0..g(n-1) and admins (index n); g_i may be a member of g_j for j > i; users u0 and u1 join groups.
            var members = Enumerable.Range(0, n + 1).ToDictionary(i => i, _ => new List<string>());
            var edges = new List<Edge>();
            string Key(int i) => i == n ? "admins" : $"g{i}";
            void Add(string member, int group, (int Present, int Expiry, int Start) e)
            {
                if (e.Present == 0 || edges.Any(x => x.Member == member && x.Group == Key(group)))
                {
                    return;
                }

                var expires = ExpiryOffsets[e.Expiry] is { } x ? Now + x : (DateTimeOffset?)null;
                var starts = StartOffsets[e.Start] is { } st && expires is { } ex && Now + st < ex ? Now + st : (DateTimeOffset?)null;
                var path = $"topology.groups.{Key(group)}.members[{members[group].Count}]";
                edges.Add(new Edge(member, Key(group), starts, expires, path));
                members[group].Add(expires is null
                    ? $"\"{member}\""
                    : $"{{ principal: \"{member}\", expires: \"{Instants.Format(expires.Value)}\"{(starts is { } s ? $", starts: \"{Instants.Format(s)}\"" : "")}, reason: r }}");
            }

            var k = 0;
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j <= n && k < groupEdges.Length; j++, k++)
                {
                    Add($"group:g{i}", j, groupEdges[k]);
                }
            }

            for (var u = 0; u < userEdges.Length; u++)
            {
                Add($"user:u{u % 2}@contoso.com", u % (n + 1), userEdges[u]);
            }

            var groups = string.Concat(members.Select(m => m.Key == n
                ? $"  admins:\n    existing: true\n    members: [{string.Join(", ", m.Value)}]\n"
                : $"  g{m.Key}:\n    members: [{string.Join(", ", m.Value)}]\n"));
            var result = Evaluate($"groups:\n{groups}", policy: "allowAllUsersAcl: true\nrequireReason: false");
            Assert.True(result.Graph is not null, string.Join("\n", Lines(result)));

            // Admin reach of every principal: present or not, and until when.
            var oracle = new Dictionary<string, (bool Reaches, DateTimeOffset? Until)>(StringComparer.Ordinal);
            foreach (var principal in Enumerable.Range(0, n).Select(i => $"group:g{i}").Concat(["user:u0@contoso.com", "user:u1@contoso.com"]))
            {
                oracle[principal] = AdminPaths(principal, edges);
                var reach = result.Graph.AdminReach(Parse(principal));
                Assert.True(oracle[principal] == (reach is not null, reach?.Until), $"{principal}: oracle {oracle[principal]}, graph ({reach is not null}, {reach?.Until:O})\n{groups}");
                if (reach?.UntilPath is { } untilPath)
                {
                    // The membership named as the end is a time-bound one that ends exactly then.
                    Assert.Equal(reach.Value.Until, edges.Single(e => e.Path == untilPath).Expires);
                }
            }

            // admin-duration: a time-bound membership whose admin access, from its start (or now), lasts past maxAdminHours.
            var expected = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var e in edges.Where(e => e.Expires is not null && !e.Expired))
            {
                var group = e.Group == "admins" ? (true, null) : oracle[$"group:{e.Group}"];
                if (group.Reaches)
                {
                    var until = group.Until is { } g && g < e.Expires!.Value ? g : e.Expires!.Value;
                    var from = e.Starts is { } st && (e.Pending || st < Now) ? st : Now;
                    if (until - from > TimeSpan.FromHours(12))
                    {
                        expected.Add($"{e.Path}.expires");
                    }
                }
            }

            var actual = Lines(result, Severity.Violation).Where(l => l.Contains(": policy admin-duration: ", StringComparison.Ordinal))
                .Select(l => l[..l.IndexOf(": policy ", StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
            Assert.True(expected.SetEquals(actual), $"admin-duration: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]\n{groups}");
        }, iter: 300);
    }

    private static PrincipalRef Parse(string text) => PrincipalRef.TryParse(text, out var p, out _) ? p : throw new InvalidOperationException(text);

    /// <summary>The oracle: the best of every path of active memberships from <paramref name="principal"/> to admins.</summary>
    private static (bool Reaches, DateTimeOffset? Until) AdminPaths(string principal, List<Edge> edges)
    {
        var ends = new List<DateTimeOffset?>();
        void Walk(string from, DateTimeOffset? until, HashSet<string> seen)
        {
            foreach (var e in edges.Where(e => e.Active && e.Member == from && !seen.Contains(e.Group)))
            {
                var end = e.Expires is not { } x ? until : until is not { } u ? x : (x < u ? x : u);
                if (e.Group == "admins")
                {
                    ends.Add(end);
                }
                else
                {
                    Walk($"group:{e.Group}", end, [.. seen, e.Group]);
                }
            }
        }

        Walk(principal, null, []);
        return ends.Count == 0 ? (false, null) : ends.Any(x => x is null) ? (true, null) : (true, ends.Max());
    }
}
