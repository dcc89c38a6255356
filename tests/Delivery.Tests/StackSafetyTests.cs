namespace DatabricksAccess.Delivery.Tests;

/// <summary>Who may touch a stack, when, and one at a time.</summary>
public class StackSafetyTests
{
    private static readonly string[] StackWorkflows = ["deploy", "drift", "expire"];
    private static readonly string[] ScheduledWorkflows = ["drift", "expire"];

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
    public void Deploy_runs_on_push_to_main_dev_first_then_prod_behind_the_prod_environment()
    {
        var deploy = Repo.Workflow("deploy");
        var triggers = deploy.Triggers;
        Assert.NotNull(triggers);
        Assert.Equal(["push"], triggers.Entries().Select(e => e.Key));
        Assert.Equal(["main"], triggers.Map("push")?.Get("branches").Scalars());

        var ups = deploy.Jobs.Where(j => j.Steps.Any(s => s.IsAction("pulumi/actions") && s.With("command") == "up")).ToList();
        var dev = Assert.Single(ups, j => j.StackNames.SequenceEqual(["dev"]));
        var prod = Assert.Single(ups, j => j.StackNames.SequenceEqual(["prod"]));
        Assert.Equal(2, ups.Count);
        Assert.Equal("prod", prod.Environment);
        Assert.Contains(dev.Id, prod.Needs);
        Assert.NotEqual("prod", dev.Environment);
        Assert.EndsWith("/prod", prod.Steps.Single(s => s.IsAction("pulumi/actions")).With("stack-name"), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_reviewed_deploy_uses_the_prod_environment()
    {
        // An environment with required reviewers would park hourly expiry and PR previews.
        var prodJobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.Environment == "prod").Select(j => j.ToString()).ToList();
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
        }
    }

    private static List<string> Crons(Workflow workflow) =>
        (workflow.Triggers?.Seq("schedule")?.Children ?? [])
        .OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
        .Select(m => m.Str("cron") ?? "")
        .ToList();
}
