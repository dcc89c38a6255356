using System.Text.Json.Nodes;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>Who may touch a stack, when, and one at a time.</summary>
public class StackSafetyTests
{
    private static readonly string[] StackWorkflows = ["deploy", "drift", "expire"];
    private static readonly string[] ScheduledWorkflows = ["drift", "expire"];

    /// <summary>Where deploy.yml records the commit a stack runs; the scheduled jobs act on that commit.</summary>
    private const string DeployedCommitTag = "databricks-access:deployed-commit";

    [Fact]
    public void Every_job_that_runs_pulumi_against_a_stack_holds_that_stacks_concurrency_group()
    {
        foreach (var job in StackWorkflows.Select(Repo.Workflow).SelectMany(w => w.Jobs).Where(j => j.RunsPulumi))
        {
            var concurrency = job.Node.Map("concurrency");
            Assert.True(concurrency is not null, $"{job}: no job-level concurrency block");
            Assert.True(concurrency.Str("cancel-in-progress") == "false", $"{job}: cancel-in-progress must be false (never kill a running update)");
            var group = concurrency.Str("group");
            Assert.False(string.IsNullOrEmpty(group), $"{job}: no concurrency group");
            Assert.NotEmpty(job.StackNames);
            foreach (var stack in job.StackNames)
            {
                Assert.Equal($"pulumi-{stack}", Repo.ExpandStack(group, stack));
            }
        }
    }

    [Fact]
    public void Deploy_drift_and_expire_share_one_group_per_stack_and_cover_both_stacks()
    {
        var groupsByStack = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var workflow in StackWorkflows.Select(Repo.Workflow))
        {
            var covered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var job in workflow.Jobs.Where(j => j.RunsPulumi))
            {
                var group = job.Node.Map("concurrency")?.Str("group") ?? "";
                foreach (var stack in job.StackNames)
                {
                    covered.Add(stack);
                    if (!groupsByStack.TryGetValue(stack, out var set))
                    {
                        groupsByStack[stack] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(Repo.ExpandStack(group, stack));
                }
            }

            Assert.Equal(Repo.Stacks, covered.Order(StringComparer.Ordinal));
        }

        Assert.Equal(Repo.Stacks, groupsByStack.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["pulumi-dev"], groupsByStack["dev"]);
        Assert.Equal(["pulumi-prod"], groupsByStack["prod"]);
    }

    [Fact]
    public void Deploy_runs_on_push_to_main_or_by_hand_dev_first_then_prod_behind_the_prod_environment()
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
        Assert.Contains(dev.Id, prod.Needs);
        Assert.Contains("test", dev.Needs);
        Assert.EndsWith("/prod", prod.Steps.Single(s => s.IsAction("pulumi/actions") && s.With("command") == "up").With("stack-name"), StringComparison.Ordinal);
        Assert.All(deploy.Jobs, j => Assert.Contains("github.ref == 'refs/heads/main'", j.If ?? "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Deploy_checks_right_before_up_that_its_commit_is_still_mains_head(string stack)
    {
        var job = Repo.Workflow("deploy").Job(stack);
        var steps = job.Steps.ToList();
        var up = steps.FindIndex(s => s.IsAction("pulumi/actions") && s.With("command") == "up");
        var guard = steps[up - 1];
        Assert.True(guard.IsAction("actions/github-script"), $"{job}: the step before up must be the main-head check");
        var checkout = Assert.Single(steps, s => s.IsAction("actions/checkout"));
        Assert.Equal("${{ github.sha }}", checkout.With("ref"));

        using var h = new StepHarness();
        const string Head = "1111111111111111111111111111111111111111";
        const string Older = "2222222222222222222222222222222222222222";
        var current = h.RunScript(guard, new JsonObject { ["sha"] = Head, ["branch"] = new JsonObject { ["commit"] = new JsonObject { ["sha"] = Head } } });
        Assert.Null(current.Failed);
        Assert.Equal("main", Assert.Single(current.Named("repos.getBranch")).Arg("branch"));

        // A re-run of an old run, or an approval given after a newer merge: main moved on, nothing is deployed.
        var stale = h.RunScript(guard, new JsonObject { ["sha"] = Older, ["branch"] = new JsonObject { ["commit"] = new JsonObject { ["sha"] = Head } } });
        Assert.Equal($"main is at {Head}, this run is for {Older}: not deploying older code (the newer run deploys).", stale.Failed);
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
        Assert.Equal($"${{{{ vars.PULUMI_ORG }}}}/{stack}", job.Env["STACK_NAME"]);
        Assert.Equal(job.Env["STACK_NAME"], steps[up].With("stack-name"));

        using var h = new StepHarness();
        h.Fake("pulumi", "printf '%s\\n' \"$*\" >> \"$RUNNER_TEMP/../pulumi.log\"");
        Directory.CreateDirectory(Path.Combine(h.Dir, "temp"));
        var run = h.RunShell(job, record, new Dictionary<string, string> { ["GITHUB_SHA"] = "3333333333333333333333333333333333333333", ["STACK_NAME"] = $"contoso/{stack}" });
        Assert.Equal(0, run.Code);
        Assert.Equal($"stack tag set {DeployedCommitTag} 3333333333333333333333333333333333333333 --stack contoso/{stack}\n", File.ReadAllText(Path.Combine(h.Dir, "pulumi.log")));
    }

    [Theory]
    [InlineData("expire")]
    [InlineData("drift")]
    public void Scheduled_jobs_run_the_deployed_commit_only_if_it_is_on_main(string name)
    {
        var job = Repo.Workflow(name).Job(name);
        var steps = job.Steps.ToList();
        var read = steps.FindIndex(s => s.Id == "deployed");
        Assert.Contains($"pulumi stack tag get {DeployedCommitTag} --stack \"$STACK_NAME\"", steps[read].Run ?? "", StringComparison.Ordinal);
        var onMain = steps.FindIndex(s => s.IsAction("actions/github-script") && (s.With("script") ?? "").Contains("compareCommits", StringComparison.Ordinal));
        var checkout = steps.FindIndex(s => s.IsAction("actions/checkout") && s.With("ref") == "${{ steps.deployed.outputs.sha }}");
        Assert.True(read < onMain && onMain < checkout, $"{job}: read the tag, check it is on main, then check it out");
        Assert.Equal("deployed", steps[checkout].With("path"));

        // The scripts come from this workflow's own commit; they run in the deployed checkout.
        var own = Assert.Single(steps, s => s.IsAction("actions/checkout") && s.With("ref") is null);
        Assert.Equal("ci", own.With("path"));
        foreach (var step in steps.Where(s => (s.Run ?? "").Contains(".github/scripts/", StringComparison.Ordinal) || (s.Run ?? "").Contains("infra/Cli", StringComparison.Ordinal)))
        {
            Assert.Equal("deployed", step.WorkingDirectory);
            Assert.DoesNotContain("bash .github/scripts", step.Run ?? "", StringComparison.Ordinal);
        }

        using var h = new StepHarness();
        const string Deployed = "4444444444444444444444444444444444444444";
        foreach (var (status, ok) in new[] { ("ahead", true), ("identical", true), ("behind", false), ("diverged", false) })
        {
            var result = h.RunScript(steps[onMain], new JsonObject { ["compare"] = new JsonObject { ["status"] = status }, ["env"] = new JsonObject { ["SHA"] = Deployed } });
            var compare = Assert.Single(result.Named("repos.compareCommits"));
            Assert.Equal((Deployed, "main"), (compare.Arg("base"), compare.Arg("head")));
            Assert.True(ok == (result.Failed is null), $"status {status}: {result.Failed}");
        }

        // Reading the tag: a commit or nothing.
        var tag = steps[read];
        h.Fake("pulumi", $"echo {Deployed}");
        var good = h.RunShell(job, tag);
        Assert.Equal((0, Deployed), (good.Code, good.Outputs["sha"]));
        h.Fake("pulumi", "echo 'main; rm -rf /'");
        var bad = h.RunShell(job, tag);
        Assert.Equal(1, bad.Code);
        Assert.False(bad.Outputs.ContainsKey("sha"));
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
            var job = Assert.Single(workflow.Jobs, j => j.RunsPulumi);
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
