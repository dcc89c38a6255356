using Microsoft.Extensions.Time.Testing;
using Pulumi;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// A deploy whose clock crosses an expiry between the guard's preview and the up: pulumi/actions runs the up as a second
/// evaluation of the program (Automation API <c>up --skip-preview</c> [fact: automation-up-skip-preview]). With the deploy's one instant (DATABRICKS_ACCESS_NOW) both evaluations register the
/// same memberships, whatever the system clock says by the time the up runs.
/// </summary>
public sealed class EvaluationInstantTests
{
    private const string Member = "group-admins-member-user-oncall@contoso.com";

    [Fact]
    public async Task The_preview_and_the_up_of_one_deploy_evaluate_at_the_same_instant_across_an_expiry()
    {
        // The on-call membership expires at 2026-11-23T08:00:00Z (Pulumi.dev.yaml).
        const string Instant = "2026-11-23T07:59:30Z";
        var previewClock = EvaluationInstant.Clock(Instant, new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 7, 59, 30, TimeSpan.Zero)));
        var upClock = EvaluationInstant.Clock(Instant, new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 4, 0, TimeSpan.Zero)));
        Assert.Equal(previewClock.GetUtcNow(), upClock.GetUtcNow());

        var preview = await StackRun.RunAsync("dev", StackRun.Load("dev"), previewClock.GetUtcNow(), new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)), preview: true);
        var up = await StackRun.RunAsync("dev", StackRun.Load("dev"), upClock.GetUtcNow(), new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        Assert.Contains(preview.Mocks.Registrations, r => r.Name == Member);
        Assert.Contains(up.Mocks.Registrations, r => r.Name == Member);
        Assert.Equal(preview.Mocks.Registrations.Select(r => r.Name).Order(StringComparer.Ordinal), up.Mocks.Registrations.Select(r => r.Name).Order(StringComparer.Ordinal));

        // Without it, the up reads the system clock, past the expiry: it would apply what no preview showed.
        var unpinned = EvaluationInstant.Clock(null, new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 4, 0, TimeSpan.Zero)));
        var drifted = await StackRun.RunAsync("dev", StackRun.Load("dev"), unpinned.GetUtcNow(), new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        Assert.DoesNotContain(drifted.Mocks.Registrations, r => r.Name == Member);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-11-23T07:59:30")]
    public void An_unreadable_instant_fails_the_run_naming_the_variable(string text)
    {
        var ex = Assert.Throws<RunException>(() => EvaluationInstant.Clock(text, TimeProvider.System));
        Assert.StartsWith($"DATABRICKS_ACCESS_NOW: '{text}' ", ex.Message, StringComparison.Ordinal);
    }
}
