using System.Text.Json.Nodes;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>Who may touch a stack, when, and one at a time.</summary>
public class StackSafetyTests
{
    private static readonly string[] StackWorkflows = ["deploy", "drift", "expire"];
    private static readonly string[] ScheduledWorkflows = ["drift", "expire"];

    /// <summary>Where deploy.yml records the commit a stack runs; the scheduled jobs act on that commit.</summary>
    private const string DeployedCommitTag = "databricks-access:deployed-commit";

    /// <summary>The one concurrency group of everything that runs Pulumi on a stack.</summary>
    private static string StackGroup(string stack) => $"stack-{stack}";

    [Fact]
    public void Every_job_that_runs_pulumi_holds_the_stacks_one_group_and_never_cancels_a_running_one()
    {
        foreach (var job in StackWorkflows.Select(Repo.Workflow).SelectMany(w => w.Jobs).Where(j => j.RunsPulumi && !j.OnlyReadsStackTags))
        {
            var concurrency = job.Node.Map("concurrency");
            Assert.True(concurrency is not null, $"{job}: no job-level concurrency block");
            Assert.True(concurrency.Str("cancel-in-progress") == "false", $"{job}: cancel-in-progress must be false (never kill a running update)");
            var group = concurrency.Str("group");
            Assert.False(string.IsNullOrEmpty(group), $"{job}: no concurrency group");
            Assert.NotEmpty(job.StackNames);
            foreach (var stack in job.StackNames)
            {
                Assert.Equal(StackGroup(stack), Repo.ExpandStack(group, stack));
            }
        }
    }

    /// <summary>
    /// No lost markers. Every Pulumi operation on a stack writes the stack's tags: <c>pulumi stack tag set</c> writes back
    /// the whole set it read (pulumi/pulumi v3.258.0 pkg/cmd/pulumi/stack/stack_tag.go, backend.UpdateStackTags "replacing
    /// all existing tags"), and every preview, up and destroy sends the tags it loaded at start
    /// (pkg/backend/stack.go GetMergedStackTags; pkg/backend/httpstate/client/client.go StartUpdate "Replaces the stack's
    /// tags with the updated set"). So every job that runs Pulumi on a stack is a tag writer, and each must hold the one
    /// group of that stack, which no job of another stack holds. GitHub runs at most one job of a concurrency group at
    /// a time, and with cancel-in-progress false never cancels the running one: no two writers of a stack's tags run at
    /// once, whatever the schedule, so none can roll back deployed-commit or last-revocation written by another.
    /// </summary>
    [Fact]
    public void No_two_jobs_that_write_a_stacks_tags_can_run_at_once()
    {
        var writers = Repo.AllWorkflows().SelectMany(w => w.Jobs)
            // A job whose only Pulumi commands are `pulumi stack tag get` (drift.yml deployed-<stack>) starts no update and writes no tag.
            .Where(j => (j.RunsPulumi && !j.OnlyReadsStackTags) || j.AllScalars.Any(v => v.Contains("pulumi stack tag set", StringComparison.Ordinal)))
            .ToList();
        Assert.Equal(["deploy#dev", "deploy#prod", "drift#drift", "expire#expire"], writers.Select(j => $"{j.Workflow.Name}#{j.Id}").Order(StringComparer.Ordinal));

        var groupsByStack = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var job in writers)
        {
            var concurrency = job.Node.Map("concurrency");
            Assert.True(concurrency is not null, $"{job}: a tag writer without a concurrency group");
            Assert.Equal("false", concurrency.Str("cancel-in-progress"));
            Assert.Null(concurrency.Get("queue"));
            Assert.NotEmpty(job.StackNames);
            foreach (var stack in job.StackNames)
            {
                var group = Repo.ExpandStack(concurrency.Str("group")!, stack);
                Assert.DoesNotContain("${{", group, StringComparison.Ordinal); // a fixed name per stack, never per run
                (groupsByStack.TryGetValue(stack, out var set) ? set : groupsByStack[stack] = new HashSet<string>(StringComparer.Ordinal)).Add(group);
            }
        }

        Assert.Equal(Repo.Stacks, groupsByStack.Keys.Order(StringComparer.Ordinal));
        foreach (var (stack, groups) in groupsByStack)
        {
            Assert.Equal([StackGroup(stack)], groups);
        }

        // No job of another kind (the audit, the pull-request checks) holds a stack's group: it would only wait there.
        var writerIds = writers.Select(j => j.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => !writerIds.Contains(j.ToString())))
        {
            if (job.Node.Map("concurrency")?.Str("group") is { } group)
            {
                foreach (var stack in job.StackNames.DefaultIfEmpty(""))
                {
                    Assert.DoesNotContain(Repo.ExpandStack(group, stack), Repo.Stacks.Select(StackGroup));
                }
            }
        }

        // The stack lock keeps concurrent updates apart; the scripts wait for it instead of failing.
        Assert.Contains("common-issues/update-conflicts/", Repo.Read(".github/scripts/lib.sh"), StringComparison.Ordinal);
        foreach (var script in new[] { "drift.sh", "revocation-liveness.sh", "revoke-expired.sh", "rotate-due.sh" })
        {
            Assert.Contains("source \"$here/lib.sh\"", Repo.Read($".github/scripts/{script}"), StringComparison.Ordinal);
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
    public void Deploy_records_the_commit_it_deployed_in_the_stack_tag_the_scheduled_jobs_read(string stack)
    {
        var job = Repo.Workflow("deploy").Job(stack);
        var steps = job.Steps.ToList();
        var up = steps.FindIndex(s => s.IsAction("pulumi/actions") && s.With("command") == "up");
        var record = steps[up + 1];
        Assert.Null(record.If); // only after a successful up
        Assert.Equal($"pulumi stack tag set {DeployedCommitTag} \"$GITHUB_SHA\" --stack \"$STACK_NAME\"", (record.Run ?? "").Trim());
        Assert.Equal($"${{{{ vars.PULUMI_ORG }}}}/databricks-access/{stack}", job.Env["STACK_NAME"]);
        Assert.Equal(job.Env["STACK_NAME"], steps[up].With("stack-name"));
        // Run with the stand-in CLI: PulumiStepTests.Deploy_records_the_commit_from_its_checkout.
    }

    [Theory]
    [InlineData("expire")]
    [InlineData("drift")]
    public void Scheduled_jobs_run_only_the_deployed_commit_and_only_if_it_is_on_main(string name)
    {
        var job = Repo.Workflow(name).Job(name);
        var steps = job.Steps.ToList();
        var read = steps.FindIndex(s => s.Id == "deployed");
        Assert.Contains($"pulumi stack tag get {DeployedCommitTag} --stack \"$STACK_NAME\") || sha=\"\"", steps[read].Run ?? "", StringComparison.Ordinal);
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
        // An environment with required reviewers would park hourly expiry and PR previews.
        var prodJobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.StackNames.Any(s => j.EnvironmentFor(s) == "prod")).Select(j => j.ToString()).ToList();
        Assert.Equal([".github/workflows/deploy.yml#prod"], prodJobs);
    }

    [Fact]
    public void Expire_runs_hourly_and_on_demand()
    {
        var expire = Repo.Workflow("expire");
        var cron = Assert.Single(Crons(expire));
        var f = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, f.Length);
        Assert.True(int.TryParse(f[0], out var minute) && minute is >= 0 and < 60, $"minute '{f[0]}' must be one fixed minute");
        Assert.Equal(["*", "*", "*", "*"], f[1..]);
        Assert.NotNull(expire.Triggers?.Get("workflow_dispatch"));
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
            var job = Assert.Single(workflow.Jobs, j => j.RunsPulumi && !j.OnlyReadsStackTags);
            Assert.Equal("${{ matrix.stack }}-scheduled", job.Environment);
            Assert.All(workflow.Jobs, j => Assert.Contains("github.ref == 'refs/heads/main'", j.If ?? "", StringComparison.Ordinal));
        }
    }

    private static List<string> Crons(Workflow workflow) =>
        (workflow.Triggers?.Seq("schedule")?.Children ?? [])
        .OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
        .Select(m => m.Str("cron") ?? "")
        .ToList();
}
