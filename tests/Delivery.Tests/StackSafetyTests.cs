using System.Text.Json.Nodes;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>Who may touch a stack, when, and one at a time.</summary>
public class StackSafetyTests
{
    private static readonly string[] ScheduledWorkflows = ["drift", "expire"];

    /// <summary>The stack output the deploy's up writes with the state (infra/Infra/DeploymentRecord.cs); the scheduled jobs read it.</summary>
    private const string DeploymentOutput = "deployment";

    /// <summary>The jobs that start updates on a stack (preview, up, destroy), as workflow#job.</summary>
    private static readonly string[] Updaters = ["deploy#dev", "deploy#prod", "drift#drift", "expire#expire", "expire#revoke"];

    /// <summary>The group each of them holds per stack: one kind of job per group.</summary>
    private static string GroupOf(string job, string stack) => job switch
    {
        "deploy#dev" or "deploy#prod" => $"deploy-{stack}",
        "drift#drift" => $"drift-{stack}",
        "expire#expire" => $"expire-{stack}",
        "expire#revoke" => $"revoke-{stack}",
        _ => throw new ArgumentException(job),
    };

    private static List<Job> UpdatingJobs() => Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi && !j.OnlyReadsTheStack).ToList();

    /// <summary>
    /// Issue 25 item 6 and issue 26 item 4. GitHub keeps at most one running and one pending job per concurrency group, and
    /// a job that queues cancels the pending one (GitHub docs, "Using concurrency"). So a group shared by a deploy and a
    /// scheduled job lets a scheduled run, queued every 5 minutes, cancel a deploy waiting there. Each group here is held
    /// by ONE job of one workflow, for one stack: whatever a queued job cancels is an older run of the same job, which
    /// does the same work (or older code, for a deploy). What keeps updates of one stack apart is Pulumi's own update
    /// lock (a second StartUpdate is refused with 409 [fact: cli-update-conflict]), which the scripts wait out (lib.sh).
    /// </summary>
    [Fact]
    [Trait("fact", "cli-update-conflict")]
    public void Each_concurrency_group_is_held_by_one_kind_of_job_so_a_queued_run_never_cancels_a_pending_deploy()
    {
        var jobs = UpdatingJobs();
        Assert.Equal(Updaters, jobs.Select(j => $"{j.Workflow.Name}#{j.Id}").Order(StringComparer.Ordinal));
        var holders = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs))
        {
            if (job.Node.Map("concurrency") is not { } concurrency)
            {
                Assert.DoesNotContain($"{job.Workflow.Name}#{job.Id}", Updaters);
                continue;
            }

            Assert.Equal("false", concurrency.Str("cancel-in-progress"));
            Assert.Null(concurrency.Get("queue"));
            foreach (var stack in job.StackNames.DefaultIfEmpty(""))
            {
                var group = Repo.ExpandStack(concurrency.Str("group")!, stack);
                if (Updaters.Contains($"{job.Workflow.Name}#{job.Id}"))
                {
                    Assert.Equal(GroupOf($"{job.Workflow.Name}#{job.Id}", stack), group);
                    Assert.DoesNotContain("${{", group, StringComparison.Ordinal); // a fixed name per stack, never per run
                }

                (holders.TryGetValue(group, out var set) ? set : holders[group] = new HashSet<string>(StringComparer.Ordinal)).Add($"{job.Workflow.Name}#{job.Id}");
            }
        }

        foreach (var (group, jobIds) in holders)
        {
            Assert.True(jobIds.Count == 1, $"group {group} is held by {string.Join(", ", jobIds)}: a queued run of one would cancel a pending run of another");
        }

        // Replay GitHub's rule on the real groups: a prod deploy waits in its group behind a running deploy while every
        // scheduled job of prod queues, several times each; the pending deploy is cancelled only by a newer deploy.
        var queue = new ConcurrencyReplay(job => GroupOf(job, "prod"));
        queue.Queue("deploy#prod", "run 1");
        queue.Queue("deploy#prod", "run 2"); // pending behind run 1
        foreach (var round in Enumerable.Range(0, 12))
        {
            queue.Queue("expire#revoke", $"tick {round}");
            queue.Queue("drift#drift", $"tick {round}");
            queue.Queue("expire#expire", $"tick {round}");
        }

        Assert.Equal(["deploy#prod:run 1"], queue.Running("deploy-prod"));
        Assert.Equal(["deploy#prod:run 2"], queue.Pending("deploy-prod"));
        Assert.DoesNotContain(queue.Cancelled, c => c.StartsWith("deploy#", StringComparison.Ordinal));
        Assert.Equal(10, queue.Cancelled.Count(c => c.StartsWith("expire#revoke", StringComparison.Ordinal))); // 12 queued: 1 running, 1 pending

        // Only a newer deploy replaces a pending one (it deploys newer code: never a rollback).
        queue.Queue("deploy#prod", "run 3");
        Assert.Equal(["deploy#prod:run 2"], queue.Cancelled.Where(c => c.StartsWith("deploy#", StringComparison.Ordinal)));

        // The same rule with one shared group (the former stack-<stack>) drops the deploy: the replay can fail.
        var shared = new ConcurrencyReplay(_ => "stack-prod");
        shared.Queue("deploy#prod", "run 1");
        shared.Queue("deploy#prod", "run 2");
        shared.Queue("expire#revoke", "tick 0");
        Assert.Contains("deploy#prod:run 2", shared.Cancelled);
    }

    /// <summary>
    /// No lost markers (issue 25 item 6). `pulumi stack tag set` writes back the whole tag set it read and every preview,
    /// up and destroy sends the tags it loaded at start [fact: cli-stack-tags-overwrite], so no run may keep a marker in a
    /// tag once runs of a stack can overlap. The markers are the stack output `deployment` (written with the state by the
    /// update that holds the lock) and GitHub's record of expire.yml's runs (liveness). No workflow or script sets a tag.
    /// </summary>
    [Fact]
    [Trait("fact", "cli-stack-tags-overwrite")]
    public void No_run_writes_a_stack_tag_and_the_markers_live_where_updates_are_serialized()
    {
        foreach (var workflow in Repo.AllWorkflows())
        {
            Assert.DoesNotContain("stack tag set", workflow.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("stack tag rm", workflow.Text, StringComparison.Ordinal);
        }

        foreach (var script in Directory.EnumerateFiles(Repo.PathOf(".github/scripts")))
        {
            Assert.DoesNotContain("stack tag", File.ReadAllText(script), StringComparison.Ordinal);
        }

        // The stack lock keeps concurrent updates apart; the scripts wait for it instead of failing, and before each
        // attempt they re-read the record.
        var lib = Repo.Read(".github/scripts/lib.sh");
        Assert.Contains("common-issues/update-conflicts/", lib, StringComparison.Ordinal);
        Assert.Contains("stack output deployment --json", lib, StringComparison.Ordinal);
        foreach (var script in new[] { "drift.sh", "revoke-expired.sh", "rotate-due.sh", "add-started.sh" })
        {
            Assert.Contains("source \"$here/lib.sh\"", Repo.Read($".github/scripts/{script}"), StringComparison.Ordinal);
        }

        // The deploy's guard preview waits for the lock too.
        foreach (var stack in Repo.Stacks)
        {
            Assert.Contains("source .github/scripts/lib.sh", Repo.Workflow("deploy").Job(stack).Steps.Single(s => (s.Name ?? "").StartsWith("Migration guard", StringComparison.Ordinal)).Run!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Deploy_runs_on_push_to_main_or_by_hand_dev_first_then_prod_after_an_approval_that_holds_no_lock()
    {
        var deploy = Repo.Workflow("deploy");
        var triggers = deploy.Triggers;
        Assert.NotNull(triggers);
        Assert.Equal(["push", "workflow_dispatch"], triggers.Entries().Select(e => e.Key));
        Assert.Equal(["main"], triggers.Map("push")?.Get("branches").Scalars());

        var ups = deploy.Jobs.Where(j => j.Steps.Any(s => s.IsAction("pulumi/actions") && s.With("command") == "up")).ToList();
        var dev = Assert.Single(ups, j => j.StackNames.SequenceEqual(["dev"]));
        var prod = Assert.Single(ups, j => j.StackNames.SequenceEqual(["prod"]));
        Assert.Equal(2, ups.Count);
        Assert.Equal("prod", prod.Environment);
        Assert.Equal("dev", dev.Environment);
        Assert.Contains("test", dev.Needs);
        Assert.EndsWith("/databricks-access/prod", prod.Steps.Single(s => s.IsAction("pulumi/actions") && s.With("command") == "up").With("stack-name"), StringComparison.Ordinal);
        Assert.All(deploy.Jobs, j => Assert.Contains("github.ref == 'refs/heads/main'", j.If ?? "", StringComparison.Ordinal));

        // The reviewers' wait happens in its own job: no concurrency group, no identity, no variable, nothing run.
        var approval = deploy.Job("approve-prod");
        Assert.Equal(["approve-prod"], prod.Needs);
        Assert.Equal([dev.Id], approval.Needs);
        Assert.Equal("prod-approval", approval.Environment);
        Assert.Null(approval.Node.Get("concurrency"));
        Assert.Null(approval.Permission("id-token"));
        Assert.DoesNotContain(approval.AllScalars, v => v.Contains("vars.", StringComparison.Ordinal) || v.Contains("secrets.", StringComparison.Ordinal));
        Assert.DoesNotContain(approval.Steps, s => s.Uses is not null);
        Assert.NotNull(prod.Node.Get("concurrency"));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Deploy_checks_right_before_up_that_main_has_no_newer_deployable_commit(string stack)
    {
        var job = Repo.Workflow("deploy").Job(stack);
        var steps = job.Steps.ToList();
        var up = steps.FindIndex(s => s.IsAction("pulumi/actions") && s.With("command") == "up");
        var check = steps.FindLastIndex(up - 1, s => s.IsAction("actions/github-script"));
        var guard = steps[check];
        Assert.Contains("compareCommits", guard.With("script") ?? "", StringComparison.Ordinal);
        // Between the main check and up only the CLI install and issue 20's migration guard (a preview) run.
        Assert.All(steps.Skip(check + 1).Take(up - check - 1), s => Assert.True(
            (s.IsAction("pulumi/actions") && s.With("command") is null) || (s.Name ?? "").StartsWith("Migration guard", StringComparison.Ordinal), $"{job}: {s} between the main check and up"));
        var checkout = Assert.Single(steps, s => s.IsAction("actions/checkout"));
        Assert.Equal("${{ github.sha }}", checkout.With("ref"));

        // The documentation paths the guard ignores are exactly the workflow's paths-ignore.
        Assert.Equal(["docs/**", "**.md"], Repo.Workflow("deploy").Triggers!.Map("push")!.Get("paths-ignore").Scalars());

        using var h = new StepHarness();
        const string Mine = "1111111111111111111111111111111111111111";
        JsonObject Compare(string status, params string[] files) => new()
        {
            ["sha"] = Mine,
            ["compare"] = new JsonObject
            {
                ["status"] = status,
                ["ahead_by"] = files.Length,
                ["files"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject { ["filename"] = f }).ToArray()),
            },
        };

        var same = h.RunScript(guard, Compare("identical"));
        Assert.Null(same.Failed);
        var compare = Assert.Single(same.Named("repos.compareCommits"));
        Assert.Equal((Mine, "refs/heads/main"), (compare.Arg("base"), compare.Arg("head")));

        // A docs-only merge after this commit does not block it (it did not trigger a deploy either).
        Assert.Null(h.RunScript(guard, Compare("ahead", "README.md", "docs/runbook/x.md", "infra/Cli/NOTES.md")).Failed);

        // A newer deployable commit: stop, the newer run deploys.
        var newer = h.RunScript(guard, Compare("ahead", "README.md", "Pulumi.prod.yaml"));
        Assert.Equal($"main is 2 commit(s) ahead of {Mine} and they change Pulumi.prod.yaml: not deploying older code (the newer run deploys).", newer.Failed);

        // A compare too long to list is taken as deployable; a commit not on main is never deployed.
        Assert.NotNull(h.RunScript(guard, Compare("ahead", Enumerable.Range(0, 300).Select(i => $"docs/{i}.md").ToArray())).Failed);
        Assert.Equal($"this run's commit {Mine} is not on main (diverged): not deploying it.", h.RunScript(guard, Compare("diverged")).Failed);
        Assert.NotNull(h.RunScript(guard, Compare("behind")).Failed);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Deploy_records_the_commit_with_the_state_and_only_checks_it_afterwards(string stack)
    {
        var job = Repo.Workflow("deploy").Job(stack);
        var steps = job.Steps.ToList();
        var up = steps.FindIndex(s => s.IsAction("pulumi/actions") && s.With("command") == "up");
        var check = steps[up + 1];
        Assert.Null(check.If); // only after a successful up
        Assert.StartsWith("The stack records the deployed commit", check.Name, StringComparison.Ordinal);
        Assert.Contains($"pulumi stack output {DeploymentOutput} --json --stack \"$STACK_NAME\"", check.Run ?? "", StringComparison.Ordinal);
        Assert.Equal($"${{{{ vars.PULUMI_ORG }}}}/databricks-access/{stack}", job.Env["STACK_NAME"]);
        Assert.Equal(job.Env["STACK_NAME"], steps[up].With("stack-name"));
        // The checkout is the commit deployed: the program records the commit it was built from (DeploymentRecord).
        Assert.Equal("${{ github.sha }}", Assert.Single(steps, s => s.IsAction("actions/checkout")).With("ref"));
        // Run with the stand-in CLI: PulumiStepTests.Deploy_checks_the_commit_its_up_recorded.
    }

    [Theory]
    [InlineData("expire", "revoke")]
    [InlineData("expire", "expire")]
    [InlineData("drift", "drift")]
    public void Scheduled_jobs_run_only_the_deployed_commit_and_only_if_it_is_on_main(string name, string jobId)
    {
        var job = Repo.Workflow(name).Job(jobId);
        var steps = job.Steps.ToList();
        var read = steps.FindIndex(s => s.Id == "deployed");
        Assert.Contains($"pulumi stack output {DeploymentOutput} --json --stack \"$STACK_NAME\"", steps[read].Run ?? "", StringComparison.Ordinal);
        var onMain = steps.FindIndex(s => s.IsAction("actions/github-script") && (s.With("script") ?? "").Contains("compareCommits", StringComparison.Ordinal));
        var checkout = steps.FindIndex(s => s.IsAction("actions/checkout") && s.With("ref") == "${{ steps.deployed.outputs.sha }}");
        Assert.True(read < onMain && onMain < checkout, $"{job}: read the tag, check it is on main, then check it out");
        Assert.Equal("deployed", steps[checkout].With("path"));

        // Before the deployed checkout only .pulumi.version of this workflow's commit is checked out, to read the tag.
        var own = Assert.Single(steps, s => s.IsAction("actions/checkout") && s.With("ref") is null);
        Assert.Equal(("ci", ".pulumi.version"), (own.With("path"), own.With("sparse-checkout")));

        // After it, the CLI of the deployed commit is installed, and every script, plan and CLI call runs in it.
        var installs = steps.Select((s, i) => (s, i)).Where(x => x.s.IsAction("pulumi/actions")).ToList();
        Assert.Equal([("ci/.pulumi.version", true), ("deployed/.pulumi.version", false)], installs.Select(x => (x.s.With("pulumi-version-file")!, x.i < read)));
        Assert.True(installs[1].i > checkout);
        foreach (var step in steps.Skip(checkout + 1).Where(s => s.Run is not null && (s.RunsPulumiCli || (s.Run ?? "").Contains("infra/Cli", StringComparison.Ordinal))))
        {
            Assert.Equal("deployed", step.WorkingDirectory);
            Assert.DoesNotContain("$GITHUB_WORKSPACE/ci", step.Run ?? "", StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ci/.github", Repo.Workflow(name).Text, StringComparison.Ordinal);

        using var h = new StepHarness();
        const string Deployed = "4444444444444444444444444444444444444444";
        foreach (var (status, ok) in new[] { ("ahead", true), ("identical", true), ("behind", false), ("diverged", false) })
        {
            var result = h.RunScript(steps[onMain], new JsonObject { ["compare"] = new JsonObject { ["status"] = status }, ["env"] = new JsonObject { ["SHA"] = Deployed } });
            var compare = Assert.Single(result.Named("repos.compareCommits"));
            Assert.Equal((Deployed, "refs/heads/main"), (compare.Arg("base"), compare.Arg("head")));
            Assert.True(ok == (result.Failed is null), $"status {status}: {result.Failed}");
        }

        // Reading the tag is run with the stand-in CLI: PulumiStepTests.
    }

    [Fact]
    public void Only_the_reviewed_deploy_uses_the_prod_environment()
    {
        // An environment with required reviewers would park revocation and PR previews.
        var prodJobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.StackNames.Any(s => j.EnvironmentFor(s) == "prod")).Select(j => j.ToString()).ToList();
        Assert.Equal([".github/workflows/deploy.yml#prod"], prodJobs);
    }

    [Fact]
    public void Expire_revokes_every_5_minutes_off_the_hour_and_adds_and_rotates_hourly()
    {
        var expire = Repo.Workflow("expire");
        var crons = Crons(expire);
        Assert.Equal(["1-56/5 * * * *", "7 * * * *"], crons);
        Assert.NotNull(expire.Triggers?.Get("workflow_dispatch"));
        // Each job runs on its own schedule, both on a run by hand.
        Assert.Equal("github.ref == 'refs/heads/main' && github.event.schedule != '7 * * * *'", expire.Job("revoke").If);
        Assert.Equal("github.ref == 'refs/heads/main' && github.event.schedule != '1-56/5 * * * *'", expire.Job("expire").If);
        Assert.Empty(expire.Job("revoke").Needs);
        Assert.DoesNotContain(expire.Job("revoke").Steps, s => s.Id is "add" or "rotate");
        Assert.DoesNotContain(expire.Job("expire").Steps, s => s.Id == "revoke");
    }

    [Fact]
    public void Drift_runs_about_daily_and_on_demand()
    {
        var drift = Repo.Workflow("drift");
        var cron = Assert.Single(Crons(drift));
        var f = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, f.Length);
        Assert.True(int.TryParse(f[0], out _), $"minute '{f[0]}' must be one fixed minute");
        var perDay = f[1] == "*" ? 24 : f[1].Split(',').Length;
        Assert.InRange(perDay, 1, 4);
        Assert.Equal("*", f[2]);
        Assert.Equal("*", f[3]);
        Assert.NotNull(drift.Triggers?.Get("workflow_dispatch"));
    }

    [Fact]
    public void Scheduled_workflows_only_run_scheduled_or_by_hand()
    {
        foreach (var workflow in ScheduledWorkflows.Select(Repo.Workflow))
        {
            Assert.Equal(["schedule", "workflow_dispatch"], workflow.Triggers.Entries().Select(e => e.Key).Order(StringComparer.Ordinal));
            // The jobs that run Pulumi; drift.yml's read-only audit job has its own `<stack>-audit` environment.
            Assert.All(workflow.Jobs.Where(j => j.RunsPulumi && !j.OnlyReadsTheStack), job => Assert.Equal("${{ matrix.stack }}-scheduled", job.Environment));
            Assert.All(workflow.Jobs, j => Assert.Contains("github.ref == 'refs/heads/main'", j.If ?? "", StringComparison.Ordinal));
        }
    }

    private static List<string> Crons(Workflow workflow) =>
        (workflow.Triggers?.Seq("schedule")?.Children ?? [])
        .OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
        .Select(m => m.Str("cron") ?? "")
        .ToList();
}

/// <summary>
/// GitHub's concurrency rule (docs "Using concurrency"): per group at most one running and one pending job; a job that
/// queues while one is pending cancels the pending one (cancel-in-progress false: the running one is never cancelled).
/// Jobs here never finish: the replay asks what a queue does while a long job runs.
/// </summary>
internal sealed class ConcurrencyReplay(Func<string, string> groupOf)
{
    private readonly Dictionary<string, string> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);

    public List<string> Cancelled { get; } = [];

    public void Queue(string job, string run)
    {
        var group = groupOf(job);
        var entry = $"{job}:{run}";
        if (!_running.ContainsKey(group))
        {
            _running[group] = entry;
            return;
        }

        if (_pending.TryGetValue(group, out var older))
        {
            Cancelled.Add(older);
        }

        _pending[group] = entry;
    }

    public IReadOnlyList<string> Running(string group) => _running.TryGetValue(group, out var r) ? [r] : [];

    public IReadOnlyList<string> Pending(string group) => _pending.TryGetValue(group, out var p) ? [p] : [];
}
