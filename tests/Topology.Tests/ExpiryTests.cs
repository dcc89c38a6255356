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

    [Fact]
    public void Token_rotation_keeper_changes_exactly_at_the_bucket_boundary()
    {
        // 2026-11-27 is day 20,784 since the Unix epoch, a multiple of 16 (1,299 x 16).
        var start = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(0, (DateOnly.FromDateTime(start.UtcDateTime).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) % 16);
        var last = Rotation.At(start - TimeSpan.FromTicks(1), 16);
        var first = Rotation.At(start, 16);
        var later = Rotation.At(start + TimeSpan.FromDays(16) - TimeSpan.FromTicks(1), 16);
        Assert.Equal("rotation-2026-11-11", last.Keeper);
        Assert.Equal("rotation-2026-11-27", first.Keeper);
        Assert.Equal(first, later);
        Assert.Equal(new DateOnly(2026, 12, 13), first.NextRotation);
    }
}
