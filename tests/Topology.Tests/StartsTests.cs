using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Issue 18: <c>starts</c> on a time-bound membership (JIT): pending until then, admin duration measured from it.</summary>
public class StartsTests
{
    private static string Oncall(string starts, string expires) => $$"""
        groups:
          admins:
            existing: true
            members:
              - { principal: user:oncall@contoso.com, starts: "{{starts}}", expires: "{{expires}}", reason: CHG-7 }
        """;

    private static readonly DateTimeOffset Start = Now.AddHours(1);

    [Fact]
    public void A_membership_is_not_planned_before_it_starts_and_is_from_its_start_on()
    {
        var yaml = Oncall(Instants.Format(Start), Instants.Format(Start.AddHours(8)));
        var name = Planner.MemberResourceName("admins", PrincipalRef.User("oncall@contoso.com"));

        var before = Evaluate(yaml, now: Start.AddSeconds(-1));
        Assert.Equal(0, before.ExitCode);
        Assert.DoesNotContain(before.Plan!.AllResources, r => r.Resource.Name == name);
        Assert.DoesNotContain(before.Access, e => e.Principal == PrincipalRef.User("oncall@contoso.com"));
        var pending = Assert.Single(before.Model.Pending);
        Assert.Equal(("admins", Start, Start.AddHours(8)), (pending.Group, pending.Starts, pending.Expires));

        var at = Evaluate(yaml, now: Start);
        Assert.Contains(at.Plan!.AllResources, r => r.Resource.Name == name);
        Assert.Empty(at.Model.Pending);
        Assert.Contains(at.Access, e => e.Principal == PrincipalRef.User("oncall@contoso.com") && e.Permission == "ADMIN" && e.Until == Start.AddHours(8));
    }

    [Fact]
    public void Admin_duration_is_measured_from_starts()
    {
        // Twelve hours from its start is allowed (maxAdminHours 12), however far ahead it starts; a second more is not.
        Assert.Empty(Lines(Evaluate(Oncall(Instants.Format(Now.AddDays(3)), Instants.Format(Now.AddDays(3).AddHours(12)))), Severity.Violation));
        Assert.Contains(Lines(Evaluate(Oncall(Instants.Format(Now.AddDays(3)), Instants.Format(Now.AddDays(3).AddHours(12).AddSeconds(1)))), Severity.Violation),
            l => l.StartsWith("topology.groups.admins.members[0].expires: policy admin-duration: admin access for user:oncall@contoso.com through 'admins' from ", StringComparison.Ordinal));

        // Started ten hours ago with eight to go: eighteen hours in all, though only eight remain.
        Assert.Contains(Lines(Evaluate(Oncall(Instants.Format(Now.AddHours(-10)), Instants.Format(Now.AddHours(8)))), Severity.Violation),
            l => l.Contains("policy admin-duration", StringComparison.Ordinal));
        Assert.Empty(Lines(Evaluate(Oncall(Instants.Format(Now.AddHours(-4)), Instants.Format(Now.AddHours(8)))), Severity.Violation));
    }

    [Theory]
    [InlineData("{ principal: user:a@contoso.com, starts: \"2026-11-26T00:00:00Z\", reason: x }", "topology.groups.g.members[0].starts: a start time is for time-bound access: give expires too")]
    [InlineData("{ principal: user:a@contoso.com, starts: \"2026-11-26T00:00:00Z\", expires: \"2026-11-26T00:00:00Z\", reason: x }", "topology.groups.g.members[0].starts: starts 2026-11-26T00:00:00Z is not before expires 2026-11-26T00:00:00Z")]
    [InlineData("{ principal: group:nope, starts: \"2026-11-26T00:00:00Z\", expires: \"2026-11-27T00:00:00Z\", reason: x }", "topology.groups.g.members[0]: member group:nope is not declared in topology.groups")]
    public void Starts_is_checked_like_every_entry(string member, string error) =>
        Assert.Contains(error, Lines(Evaluate($"groups:\n  g:\n    members:\n      - {member}\n"), Severity.Error));
}
