namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Issue 26.4: access ends at most 15 minutes after <c>expires</c>, including while a prod deploy waits for approval.
/// The figure is worked out from expire.yml itself (its cron, the revoke job's timeout and concurrency) by replaying
/// a day of its schedule against GitHub's concurrency rules: one run of a group at a time, and one pending run that
/// a newer one replaces (cancel-in-progress: false). Every run is taken at its worst: it plans the instant it starts
/// (so it misses whatever expires a moment later) and finishes revoking only when its timeout ends.
/// </summary>
public class RevocationLatencyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(15);

    /// <summary>The figure docs/delivery.md states beside the runbook.</summary>
    private static readonly TimeSpan Stated = TimeSpan.FromMinutes(14);

    private static Job RevokeJob() => Repo.Workflow("expire").Job("revoke");

    [Fact]
    public void Replaying_a_day_of_the_schedule_no_expiry_outlives_15_minutes()
    {
        var (ticks, timeout) = Schedule();
        var runs = Replay(ticks, timeout, TimeSpan.FromDays(1));
        var worst = WorstLatency(runs, TimeSpan.FromHours(1), TimeSpan.FromHours(23));
        Assert.True(worst <= Bound, $"worst revocation latency {worst} exceeds {Bound}");
        Assert.Equal(Stated, worst);
    }

    [Fact]
    public void The_replay_finds_the_latency_of_a_slower_schedule()
    {
        // The replay is not a constant: the former hourly schedule (minute 7, a 45-minute job) gives 1 h 45 min.
        var hourly = Replay([7], TimeSpan.FromMinutes(45), TimeSpan.FromDays(1));
        Assert.Equal(TimeSpan.FromMinutes(105), WorstLatency(hourly, TimeSpan.FromHours(2), TimeSpan.FromHours(22)));
        // Runs longer than the period queue: every 5 minutes with a 10-minute cap is 20 minutes, not 15.
        var queued = Replay(Minutes("*/5"), TimeSpan.FromMinutes(10), TimeSpan.FromDays(1));
        Assert.Equal(TimeSpan.FromMinutes(20), WorstLatency(queued, TimeSpan.FromHours(1), TimeSpan.FromHours(23)));
    }

    [Fact]
    public void Revocation_waits_for_nothing_a_deploy_holds_while_it_waits_for_approval()
    {
        var job = RevokeJob();
        Assert.Empty(job.Needs);
        var group = job.Node.Map("concurrency")?.Str("group");
        Assert.Equal("revoke-${{ matrix.stack }}", group);
        Assert.Equal("false", job.Node.Map("concurrency")?.Str("cancel-in-progress"));
        // No other job shares the group: not deploy.yml's, not drift.yml's, not the rotation's.
        var others = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.ToString() != job.ToString() && j.Node.Map("concurrency")?.Str("group") is { } g && g.StartsWith("revoke-", StringComparison.Ordinal));
        Assert.Empty(others);

        // The approval is its own job: it holds no concurrency group and runs no Pulumi (so no stack lock), and the
        // job that runs `up` starts only after it.
        var deploy = Repo.Workflow("deploy");
        var approve = deploy.Job("approve-prod");
        Assert.Equal("prod-approval", approve.Environment);
        Assert.Null(approve.Node.Get("concurrency"));
        Assert.False(approve.RunsPulumi);
        Assert.Equal(["approve-prod"], deploy.Job("prod").Needs);

        // The rotation and started memberships run in another job and group, after this run's revocation: a
        // rotation never sits in front of the next run's revocation in a queue.
        var expire = Repo.Workflow("expire").Job("expire");
        Assert.Equal(["revoke"], expire.Needs);
        Assert.Equal("expire-${{ matrix.stack }}", expire.Node.Map("concurrency")?.Str("group"));
        Assert.DoesNotContain(job.Steps, s => s.Id is "add" or "rotate");
        Assert.Single(job.Steps, s => s.Id == "revoke");
    }

    [Fact]
    public void The_docs_state_the_figure_beside_the_runbook()
    {
        var delivery = Repo.Read("docs/delivery.md");
        var section = delivery.IndexOf("### Revocation latency", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/delivery.md has no 'Revocation latency' section");
        Assert.True(section < delivery.IndexOf("### Revocation failed", StringComparison.Ordinal), "the figure stands in the runbook, before 'Revocation failed'");
        var text = delivery[section..delivery.IndexOf("\n### ", section + 4, StringComparison.Ordinal)];
        Assert.Contains($"at most {Stated.TotalMinutes:0} minutes after `expires`", text, StringComparison.Ordinal);
        Assert.Contains("*/5 * * * *", text, StringComparison.Ordinal);
        Assert.Contains("timeout-minutes: 7", text, StringComparison.Ordinal);
    }

    /// <summary>expire.yml's cron (minutes of each hour) and the revoke job's timeout.</summary>
    private static (IReadOnlyList<int> Minutes, TimeSpan Timeout) Schedule()
    {
        var workflow = Repo.Workflow("expire");
        var cron = Assert.Single(workflow.Triggers!.Seq("schedule")!.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()).Str("cron")!;
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["*", "*", "*", "*"], fields[1..]);
        var timeout = int.Parse(RevokeJob().Node.Str("timeout-minutes")!, System.Globalization.CultureInfo.InvariantCulture);
        return (Minutes(fields[0]), TimeSpan.FromMinutes(timeout));
    }

    /// <summary>The minute field of a cron: <c>*</c>, <c>*/n</c>, <c>a-b/n</c>, <c>a,b</c>, <c>n</c>.</summary>
    private static List<int> Minutes(string field) =>
        field.Split(',').SelectMany(part =>
        {
            var (range, step) = part.Split('/') is [var r, var s] ? (r, int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)) : (part, 1);
            var (from, to) = range == "*" ? (0, 59) : range.Split('-') is [var a, var b] ? (int.Parse(a, System.Globalization.CultureInfo.InvariantCulture), int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)) : (int.Parse(range, System.Globalization.CultureInfo.InvariantCulture), int.Parse(range, System.Globalization.CultureInfo.InvariantCulture));
            return Enumerable.Range(from, to - from + 1).Where(m => (m - from) % step == 0);
        }).Distinct().Order().ToList();

    /// <summary>
    /// The runs of one stack: each tick queues a run; a run starts when the one before has finished; a pending run
    /// is replaced by a newer one. Each run plans at its start and is done at start + timeout (its worst).
    /// </summary>
    private static List<(DateTimeOffset Plan, DateTimeOffset Done)> Replay(IReadOnlyList<int> minutes, TimeSpan timeout, TimeSpan period)
    {
        var origin = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var ticks = Enumerable.Range(0, (int)period.TotalHours).SelectMany(h => minutes.Select(m => origin.AddHours(h).AddMinutes(m))).ToList();
        var runs = new List<(DateTimeOffset Plan, DateTimeOffset Done)>();
        DateTimeOffset? busyUntil = null;
        DateTimeOffset? pending = null;
        foreach (var tick in ticks)
        {
            // Runs the pending one whenever the running one finished before this tick.
            while (pending is not null && busyUntil is { } b && b <= tick)
            {
                runs.Add((b, b + timeout));
                busyUntil = b + timeout;
                pending = null;
            }

            if (busyUntil is { } busy && busy > tick)
            {
                pending = tick; // replaces an older pending run
            }
            else
            {
                runs.Add((tick, tick + timeout));
                busyUntil = tick + timeout;
            }
        }

        return runs;
    }

    /// <summary>The longest time from an expiry to the end of the first run that planned at or after it.</summary>
    private static TimeSpan WorstLatency(List<(DateTimeOffset Plan, DateTimeOffset Done)> runs, TimeSpan from, TimeSpan to)
    {
        var origin = runs[0].Plan;
        var worst = TimeSpan.Zero;
        // Expiry instants every second, and a millisecond after every plan (the instant a run just missed).
        var instants = Enumerable.Range((int)from.TotalSeconds, (int)(to - from).TotalSeconds).Select(s => origin.AddSeconds(s))
            .Concat(runs.Select(r => r.Plan.AddMilliseconds(1)).Where(t => t >= origin + from && t < origin + to));
        foreach (var expires in instants)
        {
            var first = runs.First(r => r.Plan >= expires);
            worst = first.Done - expires > worst ? first.Done - expires : worst;
        }

        // Rounded up to the whole minute: the just-missed instants are a millisecond short of it.
        return TimeSpan.FromMinutes(Math.Ceiling(worst.TotalMinutes));
    }
}
