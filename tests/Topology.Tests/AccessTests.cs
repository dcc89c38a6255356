using CsCheck;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class AccessTests
{
    private static AccessEntry Scope(EvaluationResult r, PrincipalRef p, string scope) =>
        r.Access.Single(e => e.Principal == p && e.Kind == AccessKind.SecretScope && e.Resource == scope);

    [Fact]
    public void The_strongest_permission_wins_whatever_path_it_comes_through()
    {
        var result = Evaluate("""
            groups:
              readers: { members: [user:alice@contoso.com] }
              writers: { members: [group:readers] }
            secretScopes:
              app:
                acls:
                  user:alice@contoso.com: READ
                  group:writers: WRITE
            """);
        var alice = Scope(result, PrincipalRef.User("alice@contoso.com"), "app");
        Assert.Equal(("WRITE", "writers (through readers)"), (alice.Permission, alice.Via));
        Assert.Single(result.Access, e => e.Principal == PrincipalRef.User("alice@contoso.com") && e.Kind == AccessKind.SecretScope);
    }

    [Fact]
    public void At_equal_strength_standing_access_beats_expiring_and_direct_beats_inherited()
    {
        var result = Evaluate("""
            groups:
              temp:
                members:
                  - { principal: "user:bob@contoso.com", expires: "2026-11-30T00:00:00Z", reason: r }
              perm: { members: [user:bob@contoso.com] }
            secretScopes:
              a:
                acls: { group:temp: READ, group:perm: READ }
              b:
                acls: { group:perm: READ, user:bob@contoso.com: READ }
            """);
        var bob = PrincipalRef.User("bob@contoso.com");
        Assert.Equal(("perm", (DateTimeOffset?)null), (Scope(result, bob, "a").Via, Scope(result, bob, "a").Until));
        Assert.Null(Scope(result, bob, "b").Via);
    }

    [Fact]
    public void Workspace_admins_hold_manage_on_every_scope_and_job()
    {
        var result = Evaluate("""
            groups:
              admins:
                existing: true
                members:
                  - { principal: "user:oncall@contoso.com", expires: "2026-11-25T20:00:00Z", reason: CHG-1 }
            secretScopes:
              one: { acls: { user:oncall@contoso.com: READ } }
              two: {}
            jobs:
              etl: { notebook: /x, runAs: user:svc@contoso.com }
            """);
        var oncall = PrincipalRef.User("oncall@contoso.com");
        foreach (var scope in new[] { "one", "two" })
        {
            var e = Scope(result, oncall, scope);
            Assert.Equal(("MANAGE", "admins"), (e.Permission, e.Via));
            Assert.Equal(new DateTimeOffset(2026, 11, 25, 20, 0, 0, TimeSpan.Zero), e.Until);
        }

        Assert.Contains(result.Access, e => e.Principal == oncall && e.Kind == AccessKind.Job && e.Resource == "etl" && e.Permission == "CAN_MANAGE");
        Assert.Contains(result.Access, e => e.Principal == oncall && e.Kind == AccessKind.Workspace && e.Permission == "ADMIN");
    }

    [Fact]
    public void Acls_for_the_users_group_reach_everyone()
    {
        var result = Evaluate("""
            servicePrincipals:
              bot: {}
            secretScopes:
              pub: { acls: { group:users: READ } }
            """, policy: "allowAllUsersAcl: true");
        var bot = Scope(result, PrincipalRef.Sp("bot"), "pub");
        Assert.Equal(("READ", "users"), (bot.Permission, bot.Via));
    }

    [Fact]
    public void Catalog_privileges_accumulate_rather_than_compete()
    {
        var result = Evaluate("""
            servicePrincipals:
              conn: {}
            catalogGrants:
              - { on: "schema:main.default", to: "sp:conn", privileges: [USE_SCHEMA] }
              - { on: "schema:main.default", to: "sp:conn", privileges: [SELECT, USE_SCHEMA] }
            """);
        Assert.Equal(
            ["SELECT", "USE_SCHEMA"],
            result.Access.Where(e => e.Kind == AccessKind.Catalog).Select(e => e.Permission).ToArray());
        var grants = Assert.Single(result.Plan!.Grants!.Securables);
        Assert.Equal(["SELECT", "USE_SCHEMA"], grants.Grants.Single().Privileges);
    }

    private static readonly string[] Levels = ["READ", "WRITE", "MANAGE"];

    /// <summary>A membership's expiry, from now: standing, now and 1 ms either side, an hour (issue 33: the boundaries on purpose).</summary>
    private static readonly TimeSpan?[] ChainExpiries = [null, null, TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)];

    [Fact]
    public void Effective_scope_permission_is_the_strongest_of_every_path_property()
    {
        // A chain g0 <- g1 <- ... (bob in g0, g(i) member of g(i+1)), each membership standing or expiring at a boundary,
        // with random ACLs on some groups and on bob: bob's effective permission is the maximum over his direct ACL and
        // every group above him that a chain of unexpired memberships (expiring after now) reaches.
        var acl = Gen.Int[-1, 2];
        Gen.Select(Gen.Int[1, 5], acl.Array[6], acl, Gen.Int[0, ChainExpiries.Length - 1].Array[6])
            .Sample((depth, groupAcls, direct, expiries) =>
            {
                string Member(int i)
                {
                    var principal = i == 0 ? "user:bob@contoso.com" : $"group:g{i - 1}";
                    return ChainExpiries[expiries[i]] is { } x ? $"{{ principal: \"{principal}\", expires: \"{Instants.Format(Now + x)}\", reason: r }}" : principal;
                }

                var groups = string.Concat(Enumerable.Range(0, depth).Select(i => $"  g{i}:\n    members: [{Member(i)}]\n"));
                var acls = string.Concat(Enumerable.Range(0, depth).Where(i => groupAcls[i] >= 0)
                    .Select(i => $"      group:g{i}: {Levels[groupAcls[i]]}\n"));
                if (direct >= 0)
                {
                    acls += $"      user:bob@contoso.com: {Levels[direct]}\n";
                }

                var result = Evaluate($"groups:\n{groups}secretScopes:\n  s:\n    acls:\n{acls}");
                var reached = Enumerable.Range(0, depth).TakeWhile(i => ChainExpiries[expiries[i]] is not { } x || Now + x > Now).Count();
                var expected = Enumerable.Range(0, reached).Select(i => groupAcls[i]).Append(direct).Max();
                var actual = result.Access.SingleOrDefault(e => e.Principal == PrincipalRef.User("bob@contoso.com") && e.Kind == AccessKind.SecretScope);
                Assert.True(expected < 0 ? actual is null : actual?.Permission == Levels[expected],
                    $"expected {(expected < 0 ? "none" : Levels[expected])}, got {actual?.Permission ?? "none"}\n{groups}{acls}");
            }, iter: 150);
    }
}
