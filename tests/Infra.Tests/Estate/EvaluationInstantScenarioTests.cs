using Microsoft.Extensions.Time.Testing;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// A deploy whose clock crosses an expiry between the guard's preview and the <c>up</c>, on the simulated estate. The
/// deploy job runs <c>pulumi preview</c> (which the guard reads) and then pulumi/actions' <c>up</c>, a second evaluation of
/// the program (Automation API <c>up --skip-preview</c> [fact: automation-up-skip-preview]). The
/// program reads its clock through <see cref="EvaluationInstant.Clock"/>: the deploy's one instant
/// (<c>DATABRICKS_ACCESS_NOW</c>) when set, else the system clock.
/// </summary>
public sealed class EvaluationInstantScenarioTests
{
    /// <summary>Pulumi.dev.yaml: user:oncall@contoso.com is in admins until 2026-11-23T08:00:00Z (not at it: ExpiryTests).</summary>
    private static readonly DateTimeOffset Expiry = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private const string Member = "group-admins-member-user-oncall@contoso.com";

    /// <summary>How long after the preview the up evaluates the program: past the expiry for every instant below.</summary>
    private static readonly TimeSpan PreviewToUp = TimeSpan.FromMinutes(4);

    /// <summary>
    /// One deploy on an estate the last deploy (before the expiry) left: the steps the preview shows, the steps the up
    /// applies, the access the preview's steps would leave and the access the up leaves.
    /// </summary>
    private static async Task<(List<string> Preview, List<string> Up, IReadOnlySet<string> Shown, IReadOnlySet<string> Applied)> DeployAsync(
        DateTimeOffset instant, string? variable)
    {
        var estate = new Estate();
        var state = LifecycleTests.Deploy(estate, await LifecycleTests.ProgramAsync("dev", now: StackRun.BeforeOnCallExpiry));
        Assert.Contains(estate.Facts(), f => f.StartsWith("member|group-lookup-admins|user-oncall@contoso.com", StringComparison.Ordinal));

        // The preview runs at the instant; the up later, with the system clock past the expiry.
        var previewNow = EvaluationInstant.Clock(variable, new FakeTimeProvider(instant)).GetUtcNow();
        var upNow = EvaluationInstant.Clock(variable, new FakeTimeProvider(instant + PreviewToUp)).GetUtcNow();
        Assert.Equal(instant, previewNow); // to the millisecond, also when read from the variable
        var preview = Engine.Plan(state, await LifecycleTests.ProgramAsync("dev", now: previewNow), estate, preview: true);
        var up = Engine.Plan(state, await LifecycleTests.ProgramAsync("dev", now: upNow), estate);

        var shown = estate.Clone();
        Engine.Apply(shown, preview);
        Engine.Apply(estate, up);
        static List<string> Text(IEnumerable<Step> steps) => steps.Select(s => $"{s.Op} {s.Resource.Name} ({s.Why})").ToList();
        return (Text(preview), Text(up), shown.Facts(), estate.Facts());
    }

    private static bool HasMember(IReadOnlySet<string> facts) => facts.Any(f => f.StartsWith("member|group-lookup-admins|user-oncall@contoso.com", StringComparison.Ordinal));

    /// <summary>
    /// With the deploy's one instant (as deploy.yml sets DATABRICKS_ACCESS_NOW for both), the up applies exactly the
    /// steps the guard's preview showed, at the expiry's exact boundary: 1 ms before it the membership stays, at it and
    /// 1 ms after it the membership's delete is in both.
    /// </summary>
    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public async Task With_one_instant_the_up_applies_what_the_preview_showed_at_the_expiry_boundary(int offsetMs, bool memberStays)
    {
        var instant = Expiry.AddMilliseconds(offsetMs);
        var (preview, up, shown, applied) = await DeployAsync(instant, instant.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(preview, up);
        Assert.Equal(shown, applied);
        Assert.Equal(memberStays, HasMember(applied));
        Assert.Equal(!memberStays, up.Contains($"delete {Member} (removed from the program)"));
    }

    /// <summary>
    /// Without it (two evaluations, each reading the system clock), a preview 1 ms before the expiry shows no change to
    /// the membership and the up, 4 minutes later, deletes it: the up applies a step no guard saw. At or after the
    /// expiry both evaluations agree.
    /// </summary>
    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public async Task Without_it_the_up_applies_a_step_the_preview_did_not_show_when_the_clock_crosses_the_expiry(int offsetMs, bool differs)
    {
        var (preview, up, shown, applied) = await DeployAsync(Expiry.AddMilliseconds(offsetMs), variable: null);

        Assert.Equal(differs, !preview.SequenceEqual(up));
        if (differs)
        {
            Assert.Equal([$"delete {Member} (removed from the program)"], up.Except(preview));
            Assert.Empty(preview.Except(up));
            Assert.True(HasMember(shown));
            Assert.False(HasMember(applied));
        }
    }
}
