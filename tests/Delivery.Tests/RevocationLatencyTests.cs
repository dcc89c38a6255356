using System.Globalization;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Issue 26 item 4: access ends at most 15 minutes after <c>expires</c>, including while a prod deploy waits for approval.
/// The figure is worked out from expire.yml itself: its cron (the ticks), the <c>revoke</c> job's timeout (T: everything
/// the job does, its wait for the stack's lock included), its concurrency group (one running, one pending, a newer
/// pending run replaces the older: GitHub docs "Using concurrency"), and GitHub's delay in starting a scheduled run,
/// which GitHub documents but does not bound ("can be delayed during periods of high loads"; docs "Events that trigger
/// workflows", schedule): the bound assumes a start within D of the tick, and drift.yml alerts when the last successful
/// revocation is older than the bound. Every run is taken at its worst: it plans the instant it starts (and misses what
/// expires a moment later) and is done only when its timeout ends.
/// </summary>
public class RevocationLatencyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(15);

    /// <summary>D: the delay of a scheduled start the figure allows for (GitHub publishes none; docs/delivery.md says so).</summary>
    public static readonly TimeSpan ScheduleDelay = TimeSpan.FromMinutes(3);

    /// <summary>The figure docs/delivery.md and the README state: max(P + D + T, 2T).</summary>
    private static readonly TimeSpan Stated = TimeSpan.FromMinutes(13);

    private static Job RevokeJob() => Repo.Workflow("expire").Job("revoke");

    [Fact]
    public void Replaying_a_day_of_the_schedule_no_expiry_outlives_15_minutes()
    {
        var (ticks, timeout) = Schedule();
        var worst = TimeSpan.Zero;
        foreach (var (name, delays, durations) in Patterns(ticks.Count, timeout))
        {
            var runs = Replay(ticks, delays, durations);
            var latency = WorstLatency(runs, ticks);
            Assert.True(latency <= Bound, $"{name}: worst revocation latency {latency} exceeds {Bound}");
            worst = latency > worst ? latency : worst;
        }

        // The worst pattern reaches the formula exactly: a run starts on its tick into a free group and plans at once,
        // the next one starts D late and takes all of T (P + D + T); or, when T > P, runs queue and each waits out the
        // one before (2T).
        var p = ticks[1] - ticks[0];
        Assert.Equal(Formula(p, timeout), worst);
        Assert.Equal(Stated, worst);
    }

    [Fact]
    public void The_replay_finds_the_latency_of_slower_schedules()
    {
        // Not a constant: the former hourly schedule (minute 7, a 45-minute job) gives 1 h 48 min with D = 3 min.
        var hourly = Ticks([7]);
        var t45 = TimeSpan.FromMinutes(45);
        Assert.Equal(TimeSpan.FromMinutes(108), Patterns(hourly.Count, t45).Max(x => WorstLatency(Replay(hourly, x.Delays, x.Durations), hourly)));
        Assert.Equal(Formula(TimeSpan.FromHours(1), t45), TimeSpan.FromMinutes(108));
        // Runs longer than the period queue behind each other: every 5 minutes with a 10-minute cap is 2T = 20 minutes.
        var five = Ticks(Minutes("*/5"));
        var t10 = TimeSpan.FromMinutes(10);
        Assert.Equal(TimeSpan.FromMinutes(20), Patterns(five.Count, t10).Max(x => WorstLatency(Replay(five, x.Delays, x.Durations), five)));
        Assert.Equal(Formula(TimeSpan.FromMinutes(5), t10), TimeSpan.FromMinutes(20));
    }

    [Fact]
    public void The_lock_wait_and_every_step_fit_in_the_jobs_timeout_and_nothing_a_deploy_holds_delays_it()
    {
        var job = RevokeJob();
        var (_, timeout) = Schedule();
        var revoke = job.Steps.Single(s => s.Id == "revoke");
        var wait = TimeSpan.FromSeconds(int.Parse(revoke.EnvValue("LOCK_WAIT_SECONDS")!, CultureInfo.InvariantCulture));
        Assert.True(wait < timeout / 2, $"the revocation waits {wait} for the lock: more than half of T = {timeout}");
        Assert.Equal("${{ steps.deployed.outputs.sha }}", revoke.EnvValue("DEPLOYED_COMMIT"));
        Assert.All(job.Steps.Where(s => s.Node.Str("timeout-minutes") is not null), s => Assert.True(int.Parse(s.Node.Str("timeout-minutes")!, CultureInfo.InvariantCulture) <= timeout.TotalMinutes));

        // Its own group, which no other job holds: no deploy, drift or rotation can cancel or block it in a queue.
        Assert.Equal("revoke-${{ matrix.stack }}", job.Node.Map("concurrency")?.Str("group"));
        Assert.Empty(job.Needs);
        Assert.Single(Repo.AllWorkflows().SelectMany(w => w.Jobs), j => j.Node.Map("concurrency")?.Str("group") is { } g && g.StartsWith("revoke-", StringComparison.Ordinal));

        // The approval is its own job: no concurrency group, no Pulumi (so no stack lock); `up` runs only after it.
        var deploy = Repo.Workflow("deploy");
        var approve = deploy.Job("approve-prod");
        Assert.Equal("prod-approval", approve.Environment);
        Assert.Null(approve.Node.Get("concurrency"));
        Assert.False(approve.RunsPulumi);
        Assert.Equal(["approve-prod"], deploy.Job("prod").Needs);
    }

    [Fact]
    public void The_docs_and_the_readme_state_the_figure_beside_the_runbook()
    {
        var delivery = Repo.Read("docs/delivery.md");
        var section = delivery.IndexOf("### Revocation latency", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/delivery.md has no 'Revocation latency' section");
        Assert.True(section < delivery.IndexOf("### Revocation failed", StringComparison.Ordinal), "the figure stands in the runbook, before 'Revocation failed'");
        var text = delivery[section..delivery.IndexOf("\n### ", section + 4, StringComparison.Ordinal)];
        Assert.Contains($"at most {Stated.TotalMinutes:0} minutes after `expires`", text, StringComparison.Ordinal);
        Assert.Contains("1-56/5 * * * *", text, StringComparison.Ordinal);
        Assert.Contains("timeout-minutes: 5", text, StringComparison.Ordinal);
        Assert.Contains("LOCK_WAIT_SECONDS", text, StringComparison.Ordinal);

        var readme = Repo.Read("README.md");
        Assert.True(readme.Contains("docs/delivery.md#runbook", StringComparison.Ordinal), "the README links the runbook");
        var line = readme.Split('\n').Single(l => l.Contains("docs/delivery.md#runbook", StringComparison.Ordinal));
        Assert.Contains($"{Stated.TotalMinutes:0} minutes after `expires`", line, StringComparison.Ordinal);
    }

    /// <summary>expire.yml's revoke cron (its ticks over a day) and the revoke job's timeout.</summary>
    private static (IReadOnlyList<DateTimeOffset> Ticks, TimeSpan Timeout) Schedule()
    {
        var workflow = Repo.Workflow("expire");
        var crons = workflow.Triggers!.Seq("schedule")!.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>().Select(m => m.Str("cron")!).ToList();
        // The revoke job runs on every schedule but the one its `if` excludes.
        var excluded = System.Text.RegularExpressions.Regex.Match(RevokeJob().If!, "github.event.schedule != '([^']+)'").Groups[1].Value;
        var cron = Assert.Single(crons, c => c != excluded);
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["*", "*", "*", "*"], fields[1..]);
        var timeout = int.Parse(RevokeJob().Node.Str("timeout-minutes")!, CultureInfo.InvariantCulture);
        return (Ticks(Minutes(fields[0])), TimeSpan.FromMinutes(timeout));
    }

    private static List<DateTimeOffset> Ticks(IReadOnlyList<int> minutes)
    {
        var origin = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, 24).SelectMany(h => minutes.Select(m => origin.AddHours(h).AddMinutes(m))).ToList();
    }

    /// <summary>The minute field of a cron: <c>*</c>, <c>*/n</c>, <c>a-b/n</c>, <c>a,b</c>, <c>n</c>.</summary>
    private static List<int> Minutes(string field) =>
        field.Split(',').SelectMany(part =>
        {
            var (range, step) = part.Split('/') is [var r, var s] ? (r, int.Parse(s, CultureInfo.InvariantCulture)) : (part, 1);
            var (from, to) = range == "*" ? (0, 59)
                : range.Split('-') is [var a, var b] ? (int.Parse(a, CultureInfo.InvariantCulture), int.Parse(b, CultureInfo.InvariantCulture))
                : (int.Parse(range, CultureInfo.InvariantCulture), range == "*" ? 59 : int.Parse(range, CultureInfo.InvariantCulture));
            return Enumerable.Range(from, to - from + 1).Where(m => (m - from) % step == 0);
        }).Distinct().Order().ToList();

    private static TimeSpan Formula(TimeSpan period, TimeSpan timeout) =>
        period + ScheduleDelay + timeout > 2 * timeout ? period + ScheduleDelay + timeout : 2 * timeout;

    /// <summary>
    /// Start delays per tick (none, all D, alternating both ways, seeded random ones in [0, D]) crossed with run
    /// durations (all T; alternating 30 s and T both ways, so that a fast run leaves the group free for a slow late one;
    /// seeded random ones in [30 s, T]).
    /// </summary>
    private static IEnumerable<(string Name, IReadOnlyList<TimeSpan> Delays, IReadOnlyList<TimeSpan> Durations)> Patterns(int count, TimeSpan timeout)
    {
        var random = new Random(26);
        var fast = TimeSpan.FromSeconds(30);
        var delays = new List<(string, IReadOnlyList<TimeSpan>)>
        {
            ("on time", Enumerable.Repeat(TimeSpan.Zero, count).ToList()),
            ("all late", Enumerable.Repeat(ScheduleDelay, count).ToList()),
            ("late, on time", Enumerable.Range(0, count).Select(i => i % 2 == 0 ? ScheduleDelay : TimeSpan.Zero).ToList()),
            ("on time, late", Enumerable.Range(0, count).Select(i => i % 2 == 0 ? TimeSpan.Zero : ScheduleDelay).ToList()),
        };
        delays.AddRange(Enumerable.Range(0, 5).Select(n => ($"random delays {n}", (IReadOnlyList<TimeSpan>)Enumerable.Range(0, count)
            .Select(_ => TimeSpan.FromSeconds(random.Next(0, (int)ScheduleDelay.TotalSeconds + 1))).ToList())));
        var durations = new List<(string, IReadOnlyList<TimeSpan>)>
        {
            ("all T", Enumerable.Repeat(timeout, count).ToList()),
            ("fast, T", Enumerable.Range(0, count).Select(i => i % 2 == 0 ? fast : timeout).ToList()),
            ("T, fast", Enumerable.Range(0, count).Select(i => i % 2 == 0 ? timeout : fast).ToList()),
        };
        durations.AddRange(Enumerable.Range(0, 3).Select(n => ($"random durations {n}", (IReadOnlyList<TimeSpan>)Enumerable.Range(0, count)
            .Select(_ => TimeSpan.FromSeconds(random.Next((int)fast.TotalSeconds, (int)timeout.TotalSeconds + 1))).ToList())));
        foreach (var (dn, d) in delays)
        {
            foreach (var (un, u) in durations)
            {
                yield return ($"{dn} / {un}", d, u);
            }
        }
    }

    /// <summary>
    /// The runs of one stack's revoke job under GitHub's concurrency rule: tick i queues a run at tick + delays[i]; it
    /// starts at once when the group is free, else it becomes the pending run (replacing an older pending one), which
    /// starts when the running one ends. A run plans at its start and is done durations[i] later (at most T, its timeout).
    /// </summary>
    private static List<(DateTimeOffset Plan, DateTimeOffset Done)> Replay(IReadOnlyList<DateTimeOffset> ticks, IReadOnlyList<TimeSpan> delays, IReadOnlyList<TimeSpan> durations)
    {
        var queued = ticks.Select((t, i) => (At: t + delays[i], Takes: durations[i])).OrderBy(q => q.At).ToList();
        var runs = new List<(DateTimeOffset Plan, DateTimeOffset Done)>();
        var busyUntil = DateTimeOffset.MinValue;
        (DateTimeOffset At, TimeSpan Takes)? pending = null;
        foreach (var arrival in queued)
        {
            while (pending is { } p && busyUntil <= arrival.At)
            {
                runs.Add((busyUntil, busyUntil + p.Takes));
                busyUntil += p.Takes;
                pending = null;
            }

            if (busyUntil > arrival.At)
            {
                pending = arrival; // replaces an older pending run
            }
            else
            {
                runs.Add((arrival.At, arrival.At + arrival.Takes));
                busyUntil = arrival.At + arrival.Takes;
            }
        }

        return runs;
    }

    /// <summary>
    /// The longest time from an expiry to the end of the first run that planned at or after it, over every 15 seconds
    /// of the day and a millisecond after every plan (the instants a run just missed), away from the day's edges.
    /// </summary>
    private static TimeSpan WorstLatency(List<(DateTimeOffset Plan, DateTimeOffset Done)> runs, IReadOnlyList<DateTimeOffset> ticks)
    {
        var from = ticks[0].AddHours(2);
        var to = ticks[^1].AddHours(-2);
        var worst = TimeSpan.Zero;
        var instants = Enumerable.Range(0, (int)((to - from).TotalSeconds / 15)).Select(s => from.AddSeconds(s * 15))
            .Concat(runs.Select(r => r.Plan.AddMilliseconds(1)).Where(t => t >= from && t < to));
        foreach (var expires in instants)
        {
            var first = runs.First(r => r.Plan >= expires);
            worst = first.Done - expires > worst ? first.Done - expires : worst;
        }

        // Rounded up to the whole minute: the just-missed instants are a millisecond short of it.
        return TimeSpan.FromMinutes(Math.Ceiling(worst.TotalMinutes - 1e-9));
    }
}
