using DatabricksAccess.Topology.Evaluation;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class DiffTests
{
    private const string Base = """
        groups:
          data-scientists:
            members: [user:alice@contoso.com, user:carol@contoso.com]
        secretScopes:
          app-secrets:
            acls:
              group:data-scientists: READ
              user:carol@contoso.com: WRITE
        """;

    [Fact]
    public void Changes_read_like_a_review()
    {
        var head = """
            groups:
              data-scientists:
                members:
                  - user:alice@contoso.com
                  - { principal: "user:bob@contoso.com", expires: "2026-12-01T00:00:00Z", reason: INC-4711 }
            secretScopes:
              app-secrets:
                acls:
                  group:data-scientists: WRITE
            """;
        var changes = AccessDiff.Compute(Evaluate(Base).Access, Evaluate(head).Access).Select(c => c.Describe()).ToArray();
        Assert.Equal(
            [
                "alice@contoso.com changes from READ on app-secrets to WRITE via data-scientists",
                "bob@contoso.com gains membership of data-scientists, until 2026-12-01 (INC-4711)",
                "bob@contoso.com gains WRITE on app-secrets via data-scientists, until 2026-12-01 (INC-4711)",
                "carol@contoso.com loses membership of data-scientists",
                "carol@contoso.com loses WRITE on app-secrets",
                "group:data-scientists changes from READ on app-secrets to WRITE",
            ],
            changes);
    }

    [Fact]
    public void Identical_topologies_have_no_changes_and_the_diff_is_antisymmetric()
    {
        var a = Evaluate(Base).Access;
        Assert.Empty(AccessDiff.Compute(a, a));
        var b = Evaluate(Base.Edit("user:carol@contoso.com: WRITE", "user:carol@contoso.com: MANAGE")).Access;
        var forward = AccessDiff.Compute(a, b);
        var backward = AccessDiff.Compute(b, a);
        Assert.Equal(forward.Count, backward.Count);
        Assert.All(forward.Zip(backward), p => Assert.Equal((p.First.Before, p.First.After), (p.Second.After, p.Second.Before)));
    }

    [Fact]
    public void Moving_a_group_to_the_account_is_shown_with_the_access_it_now_gets_through_the_assignment()
    {
        var before = Evaluate("groups:\n  analysts: { level: workspace, members: [user:a@contoso.com] }\n", account: Account);
        var after = Evaluate("groups:\n  analysts: { members: [user:a@contoso.com] }\n", account: Account);
        Assert.Equal(
            [
                "group:analysts moves from workspace level to account level",
                "a@contoso.com gains USER access to the workspace via analysts",
                "group:analysts gains USER access to the workspace",
            ],
            AccessDiff.Compute(before, after).Select(c => c.Describe()).ToArray());
    }
}
