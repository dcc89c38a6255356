using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class ExpiryTests
{
    private const string Topology = """
        groups:
          analysts:
            members:
              - principal: user:bob@contoso.com
                expires: 2026-12-01T18:00:00Z
                reason: INC-4711
        """;

    private static readonly DateTimeOffset Expiry = new(2026, 12, 1, 18, 0, 0, TimeSpan.Zero);

    private static EvaluationResult At(TimeProvider clock) =>
        TopologyEvaluator.Evaluate(StackFile.Parse(StackYaml(Topology), "t.yaml").ToInput(), clock);

    [Fact]
    public void A_membership_is_declared_until_the_instant_it_expires_and_not_at_it()
    {
        var clock = new FakeTimeProvider(Expiry - TimeSpan.FromTicks(1));
        var before = At(clock);
        Assert.Single(before.Model.Groups["analysts"].Members);
        Assert.Empty(before.Plan!.Expired);
        Assert.Contains(before.Plan.AllResources, r => r.Resource.Name == "group-analysts-member-user-bob@contoso.com");

        clock.Advance(TimeSpan.FromTicks(1));
        var at = At(clock);
        Assert.Empty(at.Model.Groups["analysts"].Members);
        var expired = Assert.Single(at.Plan!.Expired);
        Assert.Equal(("analysts", PrincipalRef.User("bob@contoso.com"), Expiry, "INC-4711"), (expired.Group, expired.Principal, expired.Expires, expired.Reason));
        Assert.DoesNotContain(at.Plan.AllResources, r => r.Resource.Name.Contains("bob", StringComparison.Ordinal));
        Assert.Equal(0, at.ExitCode);
    }

    [Fact]
    public void Expiring_within_seven_days_is_reported_at_the_boundary()
    {
        var inside = At(new FakeTimeProvider(Expiry - Planner.ExpiringWindow));
        Assert.Single(inside.Plan!.ExpiringSoon);
        var outside = At(new FakeTimeProvider(Expiry - Planner.ExpiringWindow - TimeSpan.FromSeconds(1)));
        Assert.Empty(outside.Plan!.ExpiringSoon);
    }

    [Fact]
    public void Effective_access_through_a_membership_ends_with_it()
    {
        var result = Evaluate("""
            groups:
              outer:
                members:
                  - principal: group:inner
                    expires: 2026-12-10T00:00:00Z
                    reason: project
              inner:
                members:
                  - principal: user:bob@contoso.com
                    expires: 2026-12-01T00:00:00Z
                    reason: INC-1
            secretScopes:
              s:
                acls:
                  group:outer: READ
            """);
        var bob = result.Access.Single(e => e.Principal == PrincipalRef.User("bob@contoso.com") && e.Kind == AccessKind.SecretScope);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), bob.Until);
        Assert.Equal("outer (through inner)", bob.Via);
    }
}
