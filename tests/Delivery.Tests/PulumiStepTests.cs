using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Every workflow step that calls <c>pulumi</c>, run with the stand-in CLI (fake-pulumi.sh, pulumi/pulumi v3.258.0) in
/// a folder laid out like the runner's workspace after that job's checkout steps: the CLI finds (or does not find)
/// the project exactly as the real one would [fact: cli-project-and-stack], so a stack
/// name the CLI could not resolve fails here too.
/// </summary>
public sealed partial class PulumiStepTests
{
    private const string Sha = "5555555555555555555555555555555555555555";
    private const string DeployedTag = "databricks-access:deployed-commit";
    private const string Instant = "2026-12-07T12:00:00Z";

    private static string Qualified(string stack) => $"{StepHarness.Org}/databricks-access/{stack}";

    private static Step StepNamed(Job job, string prefix) =>
        Assert.Single(job.Steps, s => (s.Name ?? "").StartsWith(prefix, StringComparison.Ordinal));

    // ---- the stand-in itself ----

    [Fact]
    public void The_stand_in_refuses_a_two_part_stack_name_outside_a_project_and_infers_the_project_inside_one()
    {
        using var h = new StepHarness();
        h.Pulumi(Qualified("prod")).Deployed(Sha);
        var job = Repo.Workflow("expire").Job("revoke");
        var read = job.Steps.Single(s => s.Id == "deployed");

        // The workspace before the deployed checkout holds no Pulumi.yaml: "org/stack" cannot be resolved.
        FakePulumi.SparseVersionCheckout(Path.Combine(h.Workspace, "ci"));
        var twoPart = h.RunShell(job, read, new Dictionary<string, string> { ["STACK_NAME"] = "contoso/prod" });
        Assert.Equal(1, twoPart.Code);
        Assert.Contains("error: no current project found, pass the fully qualified stack name (org/project/stack)", twoPart.Err, StringComparison.Ordinal);
        Assert.Contains("records 'no commit', not a commit: deploy the stack with deploy.yml first", twoPart.Out, StringComparison.Ordinal);

        // In a checkout, the project comes from Pulumi.yaml [fact: cli-project-and-stack].
        FakePulumi.Checkout(h.Workspace);
        var inCheckout = h.RunShell(job, read, new Dictionary<string, string> { ["STACK_NAME"] = "contoso/prod" });
        Assert.Equal((0, Sha), (inCheckout.Code, inCheckout.Outputs["sha"]));

        // A project that contradicts Pulumi.yaml is refused [fact: cli-project-and-stack].
        var other = h.RunShell(job, read, new Dictionary<string, string> { ["STACK_NAME"] = "contoso/other/prod" });
        Assert.Equal(1, other.Code);
        Assert.Contains("error: provided project name \"other\" doesn't match Pulumi.yaml", other.Err, StringComparison.Ordinal);
    }

    // ---- fully qualified everywhere ----

    [Fact]
    public void Every_stack_name_is_fully_qualified_with_the_project_of_Pulumi_yaml()
    {
        var project = Regex.Match(Repo.Read("Pulumi.yaml"), @"^name:\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("databricks-access", project);
        var jobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi).ToList();
        Assert.Equal(7, jobs.Count); // deploy dev and prod, expire's revoke and expire, drift, drift's deployed-dev and deployed-prod
        foreach (var job in jobs)
        {
            var stack = job.MatrixStacks.Count > 0 ? "${{ matrix.stack }}" : job.StackNames.Single();
            Assert.Equal($"${{{{ vars.PULUMI_ORG }}}}/{project}/{stack}", job.Env["STACK_NAME"]);
            foreach (var step in job.Steps.Where(s => s.IsAction("pulumi/actions") && s.With("stack-name") is not null))
            {
                Assert.Equal(job.Env["STACK_NAME"], step.With("stack-name"));
            }

            // Every CLI call in a step names the stack by $STACK_NAME, and scripts get it as their first argument.
            foreach (var step in job.Steps.Where(s => s.RunsPulumiCli))
            {
                // Only the Pulumi CLI's --stack (the offline CLI's `--stack <stack>` names a stack file).
                foreach (Match m in step.Run!.Split('\n').Where(l => l.Contains("pulumi ", StringComparison.Ordinal)).SelectMany(l => StackFlag().Matches(l)))
                {
                    Assert.Equal("\"$STACK_NAME\"", m.Groups[1].Value);
                }

                Assert.Contains("\"$STACK_NAME\"", step.Run!, StringComparison.Ordinal);
            }
        }

        // The scripts pass the stack name they were given, never one of their own.
        foreach (var script in Directory.EnumerateFiles(Repo.PathOf(".github/scripts"), "*.sh").Where(f => !f.EndsWith("lib.sh", StringComparison.Ordinal) && !f.EndsWith("revocation-liveness.sh", StringComparison.Ordinal)))
        {
            var calls = File.ReadAllLines(script).Where(l => !l.TrimStart().StartsWith('#') && l.Contains("pulumi ", StringComparison.Ordinal) && l.Contains("--stack", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(calls);
            foreach (Match m in calls.SelectMany(l => StackFlag().Matches(l)))
            {
                Assert.Equal("\"$stack_name\"", m.Groups[1].Value);
            }
        }
    }

    // ---- deploy.yml ----

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Deploy_checks_the_commit_its_up_recorded(string stack)
    {
        // The up's program wrote the output `deployment` with the state (infra/Infra/DeploymentRecord.cs); the step
        // after it only reads it back, from the checkout, and fails when it is not this run's commit.
        using var h = new StepHarness();
        h.Pulumi(Qualified(stack)).Deployed(Sha);
        var job = Repo.Workflow("deploy").Job(stack);
        Assert.Null(Assert.Single(job.Steps, s => s.IsAction("actions/checkout")).With("path"));
        FakePulumi.Checkout(h.Workspace); // actions/checkout without path: the workspace root
        var step = StepNamed(job, "The stack records the deployed commit");

        var run = h.RunShell(job, step, new Dictionary<string, string> { ["GITHUB_SHA"] = Sha }, stack);
        Assert.True(run.Code == 0, run.Err + run.Out);
        Assert.Equal(($"stack output deployment --json --stack {Qualified(stack)}", h.Workspace), h.PulumiCalls().Single());
        Assert.Null(h.TagValue(DeployedTag));

        const string Other = "6666666666666666666666666666666666666666";
        var other = h.RunShell(job, step, new Dictionary<string, string> { ["GITHUB_SHA"] = Other }, stack);
        Assert.Equal(1, other.Code);
        Assert.Contains($"::error::the stack output deployment of {Qualified(stack)} records '{Sha}', not {Other}", other.Out, StringComparison.Ordinal);
    }

    /// <summary>A deploy job's checkout with the stand-in CLI, whose preview prints the stack's empty-change digest, and a stand-in dotnet.</summary>
    private static StepHarness GuardHarness(string stack)
    {
        var h = new StepHarness();
        h.Pulumi(Qualified(stack));
        FakePulumi.Checkout(h.Workspace);
        File.WriteAllText(Path.Combine(h.Dir, "fake", "preview.json"), Engine.Digest(stack, []));
        h.Fake("dotnet", "printf '%s\\n' \"$*\" > \"$RUNNER_TEMP/dotnet.args\"");
        Directory.CreateDirectory(Path.Combine(h.Dir, "temp"));
        return h;
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Deploy_previews_for_the_migration_guard_from_its_checkout(string stack)
    {
        using var h = GuardHarness(stack);
        var job = Repo.Workflow("deploy").Job(stack);

        var run = h.RunShell(job, StepNamed(job, "Migration guard"), new Dictionary<string, string> { ["ALLOW_UNSAFE"] = "false", ["DATABRICKS_ACCESS_NOW"] = "2026-12-07T12:00:00Z" }, stack);

        Assert.True(run.Code == 0, run.Err);
        Assert.Equal(($"preview --stack {Qualified(stack)} --json --show-replacement-steps --save-plan {Path.Combine(h.Dir, "temp", "plan.json")}", h.Workspace), h.PulumiCalls().Single());
        Assert.Equal(Engine.Digest(stack, []), File.ReadAllText(Path.Combine(h.Dir, "temp", "preview.json")).TrimEnd('\n'));
    }

    /// <summary>
    /// The deploy applies what the guard checked: one evaluation instant, fixed once per job (GITHUB_ENV, which the runner
    /// passes to every later step, the pulumi/actions up included), for the guard's preview, the guard's offline
    /// evaluation (--now) and the up; and the up is constrained to the update plan that preview saved (pulumi/actions
    /// v7 input `plan` -> Automation API up --plan [fact: automation-up-skip-preview]; the engine refuses any step or goal
    /// outside it, "is not allowed by the plan", "violates plan" [fact: engine-plan-constraint]).
    /// </summary>
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Deploy_evaluates_the_guard_and_the_up_at_one_instant_and_constrains_the_up_to_the_checked_plan(string stack)
    {
        using var h = GuardHarness(stack);
        var job = Repo.Workflow("deploy").Job(stack);
        var steps = job.Steps.ToList();

        // The instant: one step, before the guard, writes it to the job's environment.
        var instantStep = steps.FindIndex(s => (s.Run ?? "").Contains("DATABRICKS_ACCESS_NOW=", StringComparison.Ordinal));
        var guardStep = steps.FindIndex(s => (s.Name ?? "").StartsWith("Migration guard", StringComparison.Ordinal));
        var upStep = steps.FindIndex(s => s.IsAction("pulumi/actions") && s.With("command") == "up");
        Assert.True(instantStep >= 0 && instantStep < guardStep && guardStep < upStep, $"{job}: instant, guard, up");
        Assert.Single(steps, s => (s.Run ?? "").Contains(">> \"$GITHUB_ENV\"", StringComparison.Ordinal));
        Assert.Equal(0, h.RunShell(job, steps[instantStep], null, stack).Code);
        var instant = h.JobEnv()["DATABRICKS_ACCESS_NOW"];
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", instant);

        // No step or job env overrides it: the preview, the guard and the up read the same value.
        Assert.DoesNotContain(job.Env.Keys, k => k == "DATABRICKS_ACCESS_NOW");
        Assert.All(steps, s => Assert.Null(s.EnvValue("DATABRICKS_ACCESS_NOW")));
        var run = h.RunShell(job, steps[guardStep], new Dictionary<string, string> { ["ALLOW_UNSAFE"] = "false", ["DATABRICKS_ACCESS_NOW"] = instant }, stack);
        Assert.True(run.Code == 0, run.Err);
        Assert.Equal(instant, File.ReadAllText(Path.Combine(h.Dir, "fake", "now.log")).Trim());
        Assert.Contains($"guard --stack {stack} --now {instant} --preview", File.ReadAllText(Path.Combine(h.Dir, "temp", "dotnet.args")), StringComparison.Ordinal);

        // The plan the preview saved is the one the up reads.
        var saved = Path.Combine(h.Dir, "temp", "plan.json");
        Assert.True(File.Exists(saved), "the guard's preview saved no plan");
        Assert.Equal("${{ runner.temp }}/plan.json", steps[upStep].With("plan"));
        Assert.Contains("--save-plan \"$RUNNER_TEMP/plan.json\"", steps[guardStep].Run!, StringComparison.Ordinal);
    }

    /// <summary>
    /// A deploy that waits for the stack's lock (another update holds it: 409 [fact: cli-update-conflict]) fixes its
    /// instant again when the wait ends: the preview, the guard's --now and the up (GITHUB_ENV) all see the later
    /// instant, never the one the job fixed before it waited, at which a membership that expired during the wait (and
    /// that the revocation run holding the lock has just removed) would be declared again. Only the deploy's guard
    /// does this: the scheduled scripts planned their targets at their instant and keep it.
    /// </summary>
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void A_deploy_that_waited_for_the_lock_evaluates_at_the_instant_its_preview_ran(string stack)
    {
        using var h = GuardHarness(stack);
        File.WriteAllText(Path.Combine(h.Dir, "fake", "conflict"), "2");
        var job = Repo.Workflow("deploy").Job(stack);
        const string Fixed = "2026-12-07T12:00:00Z";
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var run = h.RunShell(job, StepNamed(job, "Migration guard"), new Dictionary<string, string> { ["ALLOW_UNSAFE"] = "false", ["DATABRICKS_ACCESS_NOW"] = Fixed }, stack);

        Assert.True(run.Code == 0, run.Err);
        Assert.Equal(3, h.PulumiCalls().Count(c => c.Args.StartsWith("preview ", StringComparison.Ordinal)));
        var seen = Assert.Single(File.ReadAllLines(Path.Combine(h.Dir, "fake", "now.log")));
        Assert.NotEqual(Fixed, seen);
        Assert.True(DateTimeOffset.Parse(seen, System.Globalization.CultureInfo.InvariantCulture) >= before, $"{seen} is before the wait ended");
        Assert.Contains($"--now {seen} --preview", File.ReadAllText(Path.Combine(h.Dir, "temp", "dotnet.args")), StringComparison.Ordinal);
        Assert.Equal(seen, h.JobEnv()["DATABRICKS_ACCESS_NOW"]); // what the up step reads
        Assert.Contains($"evaluating at {seen} from now on", run.Err, StringComparison.Ordinal);

        // Without a wait, the job's instant stands; and no other step of any workflow moves its instant.
        File.Delete(Path.Combine(h.Dir, "env.txt"));
        File.Delete(Path.Combine(h.Dir, "fake", "now.log"));
        Assert.Equal(0, h.RunShell(job, StepNamed(job, "Migration guard"), new Dictionary<string, string> { ["ALLOW_UNSAFE"] = "false", ["DATABRICKS_ACCESS_NOW"] = Fixed }, stack).Code);
        Assert.Equal([Fixed], File.ReadAllLines(Path.Combine(h.Dir, "fake", "now.log")));
        Assert.False(h.JobEnv().ContainsKey("DATABRICKS_ACCESS_NOW"));
        var refixing = Repo.AllWorkflows().SelectMany(w => w.Jobs.SelectMany(j => j.Steps.Where(s => s.EnvValue("REFIX_INSTANT_AFTER_WAIT") is not null || j.Env.ContainsKey("REFIX_INSTANT_AFTER_WAIT"))
            .Select(s => $"{w.Name}/{j.Id}/{s.Name}"))).ToList();
        Assert.Equal(Repo.Stacks.Select(s => $"deploy/{s}/{StepNamed(Repo.Workflow("deploy").Job(s), "Migration guard").Name}").Order(StringComparer.Ordinal), refixing.Order(StringComparer.Ordinal));
    }

    // ---- expire.yml and drift.yml: reading the tag before the deployed checkout ----

    [Theory]
    [InlineData("expire", "revoke", "prod")]
    [InlineData("expire", "expire", "prod")]
    [InlineData("drift", "drift", "dev")]
    public void The_scheduled_jobs_read_the_deployed_commit_where_no_project_is_checked_out(string workflow, string jobId, string stack)
    {
        var job = Repo.Workflow(workflow).Job(jobId);
        var steps = job.Steps.ToList();
        var read = steps.Single(s => s.Id == "deployed");
        var checkoutsBefore = steps.Take(steps.IndexOf(read)).Where(s => s.IsAction("actions/checkout")).ToList();
        var ci = Assert.Single(checkoutsBefore);
        Assert.Equal(("ci", ".pulumi.version", "false"), (ci.With("path"), ci.With("sparse-checkout"), ci.With("sparse-checkout-cone-mode")));

        // The record: the stack output `deployment`, read by name [fact: cli-stack-output].
        using var h = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(h.Workspace, "ci"));
        h.Pulumi(Qualified(stack)).Deployed(Sha);
        var good = h.RunShell(job, read, stack: stack);
        Assert.True(good.Code == 0, good.Err);
        Assert.Equal(Sha, good.Outputs["sha"]);
        Assert.Equal(($"stack output deployment --json --stack {Qualified(stack)}", h.Workspace), h.PulumiCalls().Single());

        // A stack last deployed before the output existed: the tag that deploy wrote then, read only.
        using var legacy = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(legacy.Workspace, "ci"));
        legacy.Pulumi(Qualified(stack), (DeployedTag, Sha));
        var old = legacy.RunShell(job, read, stack: stack);
        Assert.True(old.Code == 0, old.Err);
        Assert.Equal(Sha, old.Outputs["sha"]);
        Assert.Equal([$"stack output deployment --json --stack {Qualified(stack)}", $"stack tag get {DeployedTag} --stack {Qualified(stack)}"], legacy.PulumiCalls().Select(c => c.Args));

        // Neither: the CLI fails ("current stack does not have output property" [fact: cli-stack-output]); the step says what to do.
        using var none = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(none.Workspace, "ci"));
        none.Pulumi(Qualified(stack));
        var missing = none.RunShell(job, read, stack: stack);
        Assert.Equal(1, missing.Code);
        Assert.Contains("error: current stack does not have output property 'deployment'", missing.Err, StringComparison.Ordinal);
        Assert.Contains($"::error::the stack output deployment of {Qualified(stack)} records 'no commit', not a commit: deploy the stack with deploy.yml first", missing.Out, StringComparison.Ordinal);
        Assert.False(missing.Outputs.ContainsKey("sha"));

        // Not a commit: refused.
        using var bad = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(bad.Workspace, "ci"));
        bad.Pulumi(Qualified(stack)).Deployed("main; rm -rf /");
        var forged = bad.RunShell(job, read, stack: stack);
        Assert.Equal(1, forged.Code);
        Assert.False(forged.Outputs.ContainsKey("sha"));
    }

    // ---- expire.yml: the scripts, in the deployed checkout, at the job's one instant ----

    [Fact]
    public void Expire_revokes_adds_and_rotates_from_the_deployed_checkout()
    {
        var revokeJob = Repo.Workflow("expire").Job("revoke");
        var job = Repo.Workflow("expire").Job("expire");
        using var h = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(h.Workspace, "ci"));
        var deployed = Path.Combine(h.Workspace, "deployed");
        FakePulumi.Checkout(deployed);
        h.Pulumi(Qualified("prod")).Deployed(Sha);
        File.WriteAllText(Path.Combine(h.Dir, "fake", "state.json"), Engine.Export("prod"));
        var work = Path.Combine(h.Dir, "temp", "expire");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, "plan.json"), """{ "resources": [], "expired": [], "timeBound": [], "credentials": [] }""");
        var env = new Dictionary<string, string> { ["WORK_DIR"] = work, ["REPORT_FILE"] = Path.Combine(work, "report.md"), ["DATABRICKS_ACCESS_NOW"] = Instant };

        var revoke = h.RunShell(revokeJob, revokeJob.Steps.Single(s => s.Id == "revoke"), env, "prod");
        Assert.True(revoke.Code == 0, revoke.Err);
        Assert.Contains("No membership has expired.", revoke.Summary, StringComparison.Ordinal);
        Assert.Equal("deployed", revokeJob.Steps.Single(s => s.Id == "revoke").WorkingDirectory);
        Assert.All(h.PulumiCalls(), c => Assert.Equal(deployed, c.Cwd));
        Assert.Contains(h.PulumiCalls(), c => c.Args.StartsWith($"stack export --stack {Qualified("prod")}", StringComparison.Ordinal));

        var add = h.RunShell(job, job.Steps.Single(s => s.Id == "add"), env, "prod");
        Assert.True(add.Code == 0, add.Err);
        Assert.Contains("No time-bound membership with `starts` has started.", add.Summary, StringComparison.Ordinal);
        Assert.Equal("deployed", job.Steps.Single(s => s.Id == "add").WorkingDirectory);
        Assert.All(h.PulumiCalls(), c => Assert.Equal(deployed, c.Cwd));

        var rotate = h.RunShell(job, job.Steps.Single(s => s.Id == "rotate"), env, "prod");
        Assert.True(rotate.Code == 0, rotate.Err);
        Assert.Contains("The plan lists no credential slots.", rotate.Summary, StringComparison.Ordinal);

        // No step records anything: the liveness is GitHub's record of the revoke job's runs (drift.yml).
        Assert.DoesNotContain(revokeJob.Steps.Concat(job.Steps), s => (s.Name ?? "").StartsWith("Record", StringComparison.Ordinal));
        Assert.Null(h.TagValue("databricks-access:last-revocation"));
    }

    [Theory]
    [InlineData("expire", "revoke")]
    [InlineData("expire", "expire")]
    [InlineData("drift", "drift")]
    public void A_scheduled_job_fixes_one_instant_before_its_plan_and_passes_it_to_the_plan(string workflow, string jobId)
    {
        var job = Repo.Workflow(workflow).Job(jobId);
        var steps = job.Steps.ToList();
        var instant = steps.FindIndex(s => (s.Run ?? "").Contains("DATABRICKS_ACCESS_NOW=", StringComparison.Ordinal));
        var plan = steps.FindIndex(s => s.Id == "plan");
        Assert.True(instant >= 0 && instant < plan, $"{job}: the instant comes before the plan");
        Assert.Single(steps, s => (s.Run ?? "").Contains(">> \"$GITHUB_ENV\"", StringComparison.Ordinal));
        Assert.Contains("--now \"$DATABRICKS_ACCESS_NOW\"", steps[plan].Run!, StringComparison.Ordinal);
        Assert.DoesNotContain(job.Env.Keys, k => k == "DATABRICKS_ACCESS_NOW");
        Assert.All(steps, s => Assert.Null(s.EnvValue("DATABRICKS_ACCESS_NOW")));
        using var h = new StepHarness();
        Assert.Equal(0, h.RunShell(job, steps[instant], null, "dev").Code);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", h.JobEnv()["DATABRICKS_ACCESS_NOW"]);
    }

    // ---- expire.yml and drift.yml: the plan continues the last deployment's credential schedule ----

    [Theory]
    [InlineData("expire", "prod", true)]
    [InlineData("drift", "dev", true)]
    [InlineData("expire", "prod", false)] // a deployed commit from before plan --outputs
    public void The_scheduled_plan_continues_the_credential_schedule_of_the_last_deployment(string workflow, string stack, bool cliKnowsOutputs)
    {
        var job = Repo.Workflow(workflow).Job(workflow); // expire.yml's job `expire` (the revoke job needs no schedule)
        var steps = job.Steps.ToList();
        var outputs = steps.Single(s => s.Id == "outputs");
        var plan = steps.Single(s => s.Id == "plan");
        Assert.True(steps.IndexOf(outputs) < steps.IndexOf(plan));
        Assert.Equal(("deployed", "true"), (outputs.WorkingDirectory, outputs.Node.Str("continue-on-error")));

        using var h = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(h.Workspace, "ci"));
        var deployed = Path.Combine(h.Workspace, "deployed");
        FakePulumi.Checkout(deployed);
        h.Pulumi(Qualified(stack));
        const string recorded = """{ "credentialSchedule": { "version": 1, "credentials": {} }, "oauthSecrets": "[secret]" }""";
        File.WriteAllText(Path.Combine(h.Dir, "fake", "outputs.json"), recorded);
        var work = Path.Combine(h.Dir, "temp", workflow);
        var env = new Dictionary<string, string> { ["WORK_DIR"] = work, ["STACK"] = stack, ["DATABRICKS_ACCESS_NOW"] = Instant };

        var read = h.RunShell(job, outputs, env, stack);
        Assert.True(read.Code == 0, read.Err + read.Out);
        Assert.Equal(($"stack output --json --stack {Qualified(stack)}", deployed), h.PulumiCalls().Single());
        Assert.Equal(recorded, File.ReadAllText(Path.Combine(work, "outputs.json")).TrimEnd('\n'));

        // The offline CLI of the deployed commit, faked: its plan --help names --outputs or not; the plan's arguments are kept.
        var args = Path.Combine(h.Dir, "plan-args");
        h.Fake("dotnet", $$"""
            case "$1" in
              build) exit 0 ;;
              run)
                case " $* " in
                  *" --help "*) {{(cliKnowsOutputs ? "echo '  --outputs  The stack outputs'" : "echo '  --format'")}}; exit 0 ;;
                esac
                printf '%s\n' "$*" > '{{args}}'; echo '{ "credentials": [] }'; exit 0 ;;
            esac
            exit 99
            """);
        var planned = h.RunShell(job, plan, env, stack);
        Assert.True(planned.Code == 0, planned.Err + planned.Out);
        var given = File.ReadAllText(args);
        Assert.Contains($"plan --stack {stack} --now {Instant} --format json", given, StringComparison.Ordinal);
        Assert.Equal(cliKnowsOutputs, given.Contains($"--outputs {Path.Combine(work, "outputs.json")}", StringComparison.Ordinal));
    }

    // ---- drift.yml: drift.sh in the deployed checkout ----

    [Fact]
    public void Drift_runs_its_check_from_the_deployed_checkout_with_or_without_a_plan()
    {
        var job = Repo.Workflow("drift").Job("drift");
        var step = job.Steps.Single(s => s.Id == "drift");
        Assert.Equal("deployed", step.WorkingDirectory);
        using var h = new StepHarness();
        FakePulumi.SparseVersionCheckout(Path.Combine(h.Workspace, "ci"));
        var deployed = Path.Combine(h.Workspace, "deployed");
        FakePulumi.Checkout(deployed);
        h.Pulumi(Qualified("dev"));
        File.WriteAllText(Path.Combine(h.Dir, "fake", "refresh.json"), Engine.Digest("dev", [Engine.Refresh(Engine.Resource(Engine.Urn("dev", null, Engine.Group, "group-admins"), Engine.Group, "1", "2026-10-01T00:00:00Z"))]));
        File.WriteAllText(Path.Combine(h.Dir, "fake", "outputs.json"), """{ "unmanagedMembers": {} }""");
        var work = Path.Combine(h.Dir, "temp", "drift");
        var env = new Dictionary<string, string> { ["WORK_DIR"] = work, ["REPORT_FILE"] = Path.Combine(work, "drift.md") };

        var run = h.RunShell(job, step, env, "dev");

        Assert.True(run.Code == 0, run.Err + run.Out);
        Assert.Equal("0", run.Outputs["changes"]);

        // Liveness: when the revoke job last succeeded (GitHub's record of expire.yml's runs, found by step `revoked`).
        var liveEnv = new Dictionary<string, string>(env) { ["LAST_REVOCATION"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) };
        var liveness = h.RunShell(job, job.Steps.Single(s => s.Id == "liveness"), liveEnv, "dev");
        Assert.True(liveness.Code == 0, liveness.Err + liveness.Out);
        Assert.Equal("ok", liveness.Outputs["revocation"]);
        Assert.Equal("${{ steps.revoked.outputs.last }}", job.Steps.Single(s => s.Id == "liveness").EnvValue("LAST_REVOCATION"));
        Assert.Equal(["preview", "stack output"], h.PulumiCalls().Select(c => string.Join(' ', c.Args.Split(' ')[..(c.Args.StartsWith("stack", StringComparison.Ordinal) ? 2 : 1)])));
        Assert.All(h.PulumiCalls(), c => Assert.Equal(deployed, c.Cwd));
    }

    [Fact]
    public void Every_step_that_calls_pulumi_is_one_of_those_run_here()
    {
        var covered = new HashSet<string>(StringComparer.Ordinal)
        {
            "deploy#dev:The stack records the deployed commit",
            "deploy#prod:The stack records the deployed commit",
            "deploy#dev:Migration guard (refuses a preview that revokes beyond the change)",
            "deploy#prod:Migration guard (refuses a preview that revokes beyond the change)",
            "expire#revoke:The commit the stack last deployed",
            "expire#revoke:Revoke expired memberships",
            "expire#expire:The commit the stack last deployed",
            "expire#expire:Add started memberships",
            "expire#expire:Rotate due credential slots",
            "expire#expire:Outputs of the last deployment (the credential schedule the plan continues)",
            "drift#drift:The commit the stack last deployed",
            "drift#drift:Outputs of the last deployment (the credential schedule the plan continues)",
            "drift#drift:Refresh preview and unmanaged members",
            "drift#drift:Revocation liveness (last successful revocation at most 15 minutes old)",
            // Run in AuditWorkflowTests (the record the audit job acts on).
            "drift#deployed-dev:The commit the stack last deployed",
            "drift#deployed-prod:The commit the stack last deployed",
        };
        var calling = Repo.AllWorkflows()
            .SelectMany(w => w.Jobs.SelectMany(j => j.Steps.Where(s => s.RunsPulumiCli).Select(s => $"{w.Name}#{j.Id}:{s.Name}")))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(covered.Order(StringComparer.Ordinal), calling.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"--stack\s+(""[^""]*""|\S+)")]
    private static partial Regex StackFlag();
}
