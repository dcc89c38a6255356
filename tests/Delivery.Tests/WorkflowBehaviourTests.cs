using System.Text.Json.Nodes;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>What each workflow does, beyond what a linter checks; steps are run where they decide something.</summary>
public class WorkflowBehaviourTests
{
    // ---- expire.yml ----

    [Fact]
    public void Expire_plans_the_deployed_commit_then_revokes_in_one_job_and_adds_then_rotates_in_the_other()
    {
        var revokeJob = ExpireJob("revoke");
        var rsteps = revokeJob.Steps.ToList();
        var rplan = rsteps.FindIndex(s => s.Id == "plan");
        var revoke = rsteps.FindIndex(s => s.Id == "revoke");
        Assert.True(rplan >= 0 && rplan < revoke, "plan, then revoke");
        Assert.Contains("dotnet run --no-build -c Release --project infra/Cli -- plan --stack \"$STACK\" --now \"$DATABRICKS_ACCESS_NOW\" --format json > \"$WORK_DIR/plan.json\"", rsteps[rplan].Run, StringComparison.Ordinal);
        Assert.Equal("bash .github/scripts/revoke-expired.sh \"$STACK_NAME\" \"$WORK_DIR/plan.json\"", rsteps[revoke].Run?.Trim());
        Assert.Equal("true", rsteps[revoke].Node.Str("continue-on-error"));
        Assert.Null(rsteps[revoke].If);

        var job = ExpireJob("expire");
        var steps = job.Steps.ToList();
        int Index(string id) => steps.FindIndex(s => s.Id == id);
        var plan = Index("plan");
        var add = Index("add");
        var rotate = Index("rotate");
        Assert.True(plan >= 0 && plan < add && add < rotate, "plan, then add, then rotate");
        Assert.Contains("dotnet run --no-build -c Release --project infra/Cli -- plan --stack \"$STACK\" --now \"$DATABRICKS_ACCESS_NOW\" --format json \"${outputs[@]}\" > \"$WORK_DIR/plan.json\"", steps[plan].Run, StringComparison.Ordinal);
        Assert.Equal("bash .github/scripts/add-started.sh \"$STACK_NAME\" \"$WORK_DIR/plan.json\"", steps[add].Run?.Trim());
        Assert.Equal("bash .github/scripts/rotate-due.sh \"$STACK_NAME\" \"$WORK_DIR/plan.json\"", steps[rotate].Run?.Trim());
        Assert.Equal("true", steps[add].Node.Str("continue-on-error"));
        Assert.Equal("true", steps[rotate].Node.Str("continue-on-error"));

        // A failed addition does not stop the rotation; only a missing plan does.
        Assert.Equal("${{ !cancelled() && steps.plan.outcome == 'success' }}", steps[rotate].If);
        Assert.Equal("${{ !cancelled() && steps.plan.outcome == 'success' }}", steps[add].If);

        // Every script step re-checks the record it runs (lib.sh) against the commit the job read.
        foreach (var step in new[] { rsteps[revoke], steps[add], steps[rotate] })
        {
            Assert.Equal("${{ steps.deployed.outputs.sha }}", step.EnvValue("DEPLOYED_COMMIT"));
        }

        // Nothing in the workflow applies changes itself: only the scripts do, with their checks.
        foreach (var s in rsteps.Concat(steps))
        {
            Assert.False(s.IsAction("pulumi/actions") && s.With("command") is not null);
            Assert.DoesNotContain("pulumi up", s.Run ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain("pulumi destroy", s.Run ?? "", StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)] // policy violations (an exception that expired): revocation goes on
    [InlineData(2, 1)] // invalid config: there is no plan to act on
    public void Expire_acts_on_a_plan_with_policy_violations_but_not_on_invalid_config(int planExit, int stepExit)
    {
        using var h = new StepHarness();
        var job = ExpireJob("revoke");
        var step = job.Steps.Single(s => s.Id == "plan");
        h.Fake("dotnet", $$"""
            case "$1" in
              build) exit 0 ;;
              run) echo '{ "resources": [], "expired": [] }'; exit {{planExit}} ;;
            esac
            exit 99
            """);
        var work = Path.Combine(h.Dir, "temp", "expire");
        var run = h.RunShell(job, step, new Dictionary<string, string> { ["WORK_DIR"] = work, ["STACK"] = "prod" });
        Assert.True(run.Code == stepExit, run.Err + run.Out);
        Assert.Equal("{ \"resources\": [], \"expired\": [] }\n", File.ReadAllText(Path.Combine(work, "plan.json")));
    }

    [Fact]
    public void The_revocation_run_mode_is_set_only_by_the_rotation_and_the_started_memberships_for_their_own_program_runs()
    {
        Assert.All(Repo.AllWorkflows(), w => Assert.DoesNotContain("DATABRICKS_ACCESS_RUN", w.Text, StringComparison.Ordinal));
        foreach (var script in new[] { "rotate-due.sh", "add-started.sh" })
        {
            var text = Repo.Read($".github/scripts/{script}");
            Assert.Contains("program() { DATABRICKS_ACCESS_RUN=revocation pulumi \"$@\"; }", text, StringComparison.Ordinal);
            Assert.DoesNotContain("export DATABRICKS_ACCESS_RUN", text, StringComparison.Ordinal);
        }

        // Revocation never runs the program at all.
        var revoke = Repo.Read(".github/scripts/revoke-expired.sh");
        Assert.DoesNotContain("DATABRICKS_ACCESS_RUN", revoke, StringComparison.Ordinal);
        Assert.DoesNotContain("pulumi up", revoke, StringComparison.Ordinal);
        Assert.DoesNotContain("pulumi preview", revoke, StringComparison.Ordinal);
        var destroys = revoke.Split('\n').Where(l => l.StartsWith("pulumi destroy ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, destroys.Count);
        Assert.All(destroys, l => Assert.Contains(" --run-program=false ", l, StringComparison.Ordinal));
        Assert.DoesNotContain("DATABRICKS_ACCESS_RUN", Repo.Read(".github/scripts/drift.sh"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("revoke", "Revocation failed in stack prod", "- expired memberships: **failure**")]
    [InlineData("expire", "Rotation failed in stack prod", "- due credential slots: **failure**")]
    public void A_failed_run_opens_one_issue_per_stack_and_job_and_comments_on_it_afterwards(string jobId, string title, string line)
    {
        var job = ExpireJob(jobId);
        var step = job.Steps.Single(s => (s.With("script") ?? "").Contains("issues.create(", StringComparison.Ordinal));
        Assert.Contains("failure()", step.If ?? "", StringComparison.Ordinal);
        foreach (var id in jobId == "revoke" ? new[] { "revoke" } : ["add", "rotate"])
        {
            Assert.Contains($"steps.{id}.outcome == 'failure'", step.If ?? "", StringComparison.Ordinal);
        }

        using var h = new StepHarness();
        var dir = Path.Combine(h.Dir, "reports");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "revoke.md"), "### Expired memberships in `contoso/prod`\n**Cannot revoke in `contoso/prod`:** pulumi destroy failed");
        File.WriteAllText(Path.Combine(dir, "rotate.md"), "### Credential slots in `contoso/prod`\n**Cannot rotate in `contoso/prod`:** pulumi up failed");
        var env = new JsonObject { ["STACK"] = "prod", ["DIR"] = dir, ["DEPLOYED"] = "5555555555555555555555555555555555555555", ["REVOKE"] = "failure", ["ADD"] = "success", ["ROTATE"] = "failure" };

        var first = h.RunScript(step, new JsonObject { ["env"] = env.DeepClone(), ["issues"] = new JsonArray() });
        var created = Assert.Single(first.Named("issues.create"));
        Assert.Equal(title, created.Arg("title"));
        Assert.Equal("[\"revocation\"]", created.Arg("labels"));
        var body = created.Arg("body")!;
        Assert.Contains("https://github.com/contoso/databricks-access/actions/runs/4242", body, StringComparison.Ordinal);
        Assert.Contains("- deployed commit: `5555555555555555555555555555555555555555`", body, StringComparison.Ordinal);
        Assert.Contains(line, body, StringComparison.Ordinal);
        Assert.Contains(jobId == "revoke" ? "pulumi destroy failed" : "pulumi up failed", body, StringComparison.Ordinal);
        var list = Assert.Single(first.Named("paginate:issues"));
        Assert.Equal(("open", "revocation"), (list.Arg("state"), list.Arg("labels")));

        var open = new JsonArray(
            new JsonObject { ["number"] = 7, ["title"] = title, ["pull_request"] = new JsonObject() },
            new JsonObject { ["number"] = 8, ["title"] = title.Replace("prod", "dev", StringComparison.Ordinal) },
            new JsonObject { ["number"] = 9, ["title"] = title });
        var again = h.RunScript(step, new JsonObject { ["env"] = env.DeepClone(), ["issues"] = open });
        Assert.Empty(again.Named("issues.create"));
        Assert.Equal("9", Assert.Single(again.Named("issues.createComment")).Arg("issue_number"));
    }

    [Theory]
    [InlineData("revoke", "Revocation failed in stack", "${{ success() && steps.revoke.outcome == 'success' }}")]
    [InlineData("expire", "Rotation failed in stack", "${{ success() && steps.add.outcome == 'success' && steps.rotate.outcome == 'success' }}")]
    public void A_successful_run_closes_the_issue_of_its_stack_and_job_only(string jobId, string title, string condition)
    {
        var job = ExpireJob(jobId);
        var step = job.Steps.Single(s => (s.With("script") ?? "").Contains("state: 'closed'", StringComparison.Ordinal));
        Assert.Equal(condition, step.If);

        using var h = new StepHarness();
        var open = new JsonArray(
            new JsonObject { ["number"] = 8, ["title"] = $"{title} dev" },
            new JsonObject { ["number"] = 9, ["title"] = $"{title} prod" },
            new JsonObject { ["number"] = 10, ["title"] = $"{(jobId == "revoke" ? "Rotation" : "Revocation")} failed in stack prod" });
        var result = h.RunScript(step, new JsonObject { ["env"] = new JsonObject { ["STACK"] = "prod" }, ["issues"] = open });
        var update = Assert.Single(result.Named("issues.update"));
        Assert.Equal(("9", "closed"), (update.Arg("issue_number"), update.Arg("state")));
    }

    [Fact]
    public void Expire_ends_red_when_it_could_not_revoke_add_or_rotate()
    {
        var revoke = ExpireJob("revoke").Steps[^1];
        Assert.Equal("${{ !cancelled() && steps.revoke.outcome == 'failure' }}", revoke.If);
        Assert.Contains("exit 1", revoke.Run ?? "", StringComparison.Ordinal);
        var last = ExpireJob("expire").Steps[^1];
        Assert.Equal("${{ !cancelled() && (steps.add.outcome == 'failure' || steps.rotate.outcome == 'failure') }}", last.If);
        Assert.Contains("exit 1", last.Run ?? "", StringComparison.Ordinal);
    }

    // ---- drift.yml ----

    /// <summary>
    /// Revocation liveness without a tag: when `revoke (&lt;stack&gt;)` last succeeded on main, from GitHub's record of
    /// expire.yml's runs (REST "List workflow runs for a workflow", "List jobs for a workflow run"), newest first. A run
    /// on another branch, one whose revoke job was skipped (the hourly tick) or failed, and the other stack's job do not
    /// count.
    /// </summary>
    [Fact]
    public void Drift_finds_the_last_successful_revocation_of_its_stack_in_expires_runs()
    {
        var job = Repo.Workflow("drift").Job("drift");
        Assert.Equal("read", job.Permission("actions"));
        var step = job.Steps.Single(s => s.Id == "revoked");
        var liveness = job.Steps.Single(s => s.Id == "liveness");
        Assert.True(job.Steps.ToList().IndexOf(step) < job.Steps.ToList().IndexOf(liveness));

        using var h = new StepHarness();
        JsonObject Run(int id, string branch, string @event = "schedule") => new() { ["id"] = id, ["head_branch"] = branch, ["event"] = @event };
        JsonObject Job(string name, string conclusion, string? completed) => new() { ["name"] = name, ["conclusion"] = conclusion, ["completed_at"] = completed };
        var scenario = new JsonObject
        {
            ["env"] = new JsonObject { ["STACK"] = "prod" },
            ["runs"] = new JsonArray(Run(9, "feature", "workflow_dispatch"), Run(8, "main"), Run(7, "main"), Run(6, "main", "workflow_dispatch"), Run(5, "main")),
            ["jobs"] = new JsonObject
            {
                ["9"] = new JsonArray(Job("revoke (prod)", "success", "2026-12-07T12:10:00Z")),
                ["8"] = new JsonArray(Job("revoke (prod)", "failure", "2026-12-07T12:05:00Z"), Job("revoke (dev)", "success", "2026-12-07T12:05:00Z")),
                ["7"] = new JsonArray(Job("revoke (prod)", "skipped", null), Job("expire (prod)", "success", "2026-12-07T12:04:00Z")),
                ["6"] = new JsonArray(Job("revoke (prod)", "success", "2026-12-07T11:58:30Z")),
                ["5"] = new JsonArray(Job("revoke (prod)", "success", "2026-12-07T11:55:00Z")),
            },
        };

        var found = h.RunScript(step, scenario);
        Assert.Equal("2026-12-07T11:58:30Z", found.Outputs["last"]);
        var list = Assert.Single(found.Named("actions.listWorkflowRuns"));
        Assert.Equal(("expire.yml", "main", "completed"), (list.Arg("workflow_id"), list.Arg("branch"), list.Arg("status")));
        Assert.Equal(["8", "7", "6"], found.Named("actions.listJobsForWorkflowRun").Select(c => c.Arg("run_id")));

        scenario["jobs"] = new JsonObject();
        Assert.Equal("", h.RunScript(step, scenario).Outputs["last"]);
    }

    [Fact]
    public void Drift_runs_its_script_on_the_deployed_commit_and_ends_red_on_drift()
    {
        var job = Repo.Workflow("drift").Job("drift");
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        Assert.Equal("false", job.Node.Map("strategy")?.Str("fail-fast"));
        var check = Assert.Single(job.Steps, s => s.Id == "drift");
        Assert.Contains("bash .github/scripts/drift.sh \"$STACK_NAME\" \"$plan\"", check.Run, StringComparison.Ordinal);
        Assert.Equal("deployed", check.WorkingDirectory);
        var plan = Assert.Single(job.Steps, s => s.Id == "plan");
        Assert.Equal("true", plan.Node.Str("continue-on-error")); // without a plan, drift still runs (nothing is expected)
        Assert.True(job.Steps.ToList().IndexOf(plan) < job.Steps.ToList().IndexOf(check));
        Assert.Equal("true", check.Node.Str("continue-on-error"));

        var last = job.Steps[^1];
        Assert.Contains("exit 1", last.Run ?? "", StringComparison.Ordinal);
        Assert.Equal("${{ !cancelled() && (steps.drift.outcome == 'failure' || steps.liveness.outcome == 'failure') }}", last.If);
        var liveness = Assert.Single(job.Steps, s => s.Id == "liveness");
        Assert.Equal("bash .github/scripts/revocation-liveness.sh \"$STACK_NAME\"", liveness.Run?.Trim());
        Assert.Equal(("true", "deployed"), (liveness.Node.Str("continue-on-error"), liveness.WorkingDirectory));
    }

    [Fact]
    public void Drift_keeps_one_issue_per_stack()
    {
        var job = Repo.Workflow("drift").Job("drift");
        var open = job.Steps.Single(s => (s.With("script") ?? "").Contains("issues.create(", StringComparison.Ordinal));
        var close = job.Steps.Single(s => (s.With("script") ?? "").Contains("state: 'closed'", StringComparison.Ordinal));
        Assert.Equal("${{ matrix.stack }}", job.Env["STACK"]);

        using var h = new StepHarness();
        var report = Path.Combine(h.Dir, "drift.md");
        File.WriteAllText(report, "### Drift in `contoso/dev`\n- changes against the deployed commit: **1**");
        var env = new JsonObject { ["STACK"] = "dev", ["REPORT_FILE"] = report, ["PREVIEW"] = "success", ["CHANGES"] = "1", ["UNMANAGED"] = "0" };
        var created = Assert.Single(h.RunScript(open, new JsonObject { ["env"] = env.DeepClone() }).Named("issues.create"));
        Assert.Equal("Drift detected in stack dev", created.Arg("title"));
        Assert.Contains("changes against the deployed commit: **1**", created.Arg("body"), StringComparison.Ordinal);

        var existing = new JsonArray(new JsonObject { ["number"] = 3, ["title"] = "Drift detected in stack dev" });
        var commented = h.RunScript(open, new JsonObject { ["env"] = env.DeepClone(), ["issues"] = existing.DeepClone() });
        Assert.Equal("3", Assert.Single(commented.Named("issues.createComment")).Arg("issue_number"));
        Assert.Empty(commented.Named("issues.create"));

        var closed = h.RunScript(close, new JsonObject { ["env"] = new JsonObject { ["STACK"] = "dev" }, ["issues"] = existing.DeepClone() });
        Assert.Equal("closed", Assert.Single(closed.Named("issues.update")).Arg("state"));
    }

    // ---- preview.yml (pull requests) ----

    [Fact]
    public void Pull_requests_get_the_offline_plan_and_access_diff_of_every_stack()
    {
        var workflow = Repo.Workflow("preview");
        Assert.NotNull(workflow.Triggers?.Get("pull_request"));
        Assert.Contains(workflow.Job("build").Steps, s => (s.Run ?? "").Trim() == "bash .ci/run");

        var job = workflow.Job("offline");
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        var step = job.Steps.Single(s => s.Id == "offline");
        Assert.Null(step.If); // forks get the job summary too
        Assert.Contains("topology diff --base \"$base_file\" --head \"$head_file\" --format markdown", step.Run, StringComparison.Ordinal);
        Assert.Contains("topology plan --file \"$head_file\" --format markdown", step.Run, StringComparison.Ordinal);
    }

    [Fact]
    public void The_review_and_the_required_check_are_computed_by_the_base_commits_CLI_on_the_heads_stack_files_only()
    {
        var job = Repo.Workflow("preview").Job("offline");
        var checkouts = job.Steps.Where(s => s.IsAction("actions/checkout")).ToList();
        Assert.Equal(2, checkouts.Count);
        var @base = Assert.Single(checkouts, c => c.With("path") == "base");
        Assert.Equal("${{ github.event.pull_request.base.sha }}", @base.With("ref"));
        var head = Assert.Single(checkouts, c => c.With("path") == "head");
        Assert.Equal("${{ github.event.pull_request.head.sha }}", head.With("ref"));
        Assert.Equal("false", head.With("sparse-checkout-cone-mode"));
        Assert.Equal(["/Pulumi.yaml", "/Pulumi.${{ matrix.stack }}.yaml"], head.With("sparse-checkout")!.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        // Nothing of the head is built or run: every build and run names base/, no script or .ci of the head runs.
        Assert.Equal("base/global.json", job.Steps.Single(s => s.IsAction("actions/setup-dotnet")).With("global-json-file"));
        var runs = string.Join("\n", job.Steps.Select(s => s.Run ?? string.Empty));
        Assert.Contains("dotnet build base/infra/Cli", runs, StringComparison.Ordinal);
        Assert.Contains("--project base/infra/Cli", runs, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"dotnet (build|run|test)(?![^\n]*base/infra/Cli)", runs);
        Assert.DoesNotContain("head/", runs.Replace("$GITHUB_WORKSPACE/head/Pulumi.$STACK.yaml", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(".ci/", runs, StringComparison.Ordinal);
        Assert.DoesNotContain(".github/scripts", runs, StringComparison.Ordinal);
        Assert.All(job.Steps.Where(s => s.Uses is not null), s => Assert.DoesNotContain("./", s.Uses!, StringComparison.Ordinal)); // no local action
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void The_offline_step_writes_plan_diff_and_findings_whatever_the_verdict(int planExit)
    {
        using var h = new StepHarness();
        var job = Repo.Workflow("preview").Job("offline");
        var step = job.Steps.Single(s => s.Id == "offline");
        h.Fake("dotnet", $$"""
            [ "$1" = build ] && exit 0
            case " $* " in
              *" diff "*) echo '- bob@contoso.com gains READ on app-secrets'; echo 'topology.groups.x: policy standing-admin: ```` escape' >&2; exit {{Math.Min(planExit, 1)}} ;;
              *" plan "*) echo '| Component | Type |'; echo 'topology.groups.x: policy standing-admin: ```` escape' >&2; exit {{planExit}} ;;
            esac
            exit 99
            """);
        var outDir = Path.Combine(h.Dir, "temp", "offline");
        Directory.CreateDirectory(outDir);
        if (planExit == 1)
        {
            File.WriteAllText(Path.Combine(outDir, "code-changed.txt"), "infra/Cli/Program.cs\n");
        }

        var run = h.RunShell(job, step, new Dictionary<string, string> { ["STACK"] = "prod", ["OUT"] = outDir, ["HEAD_SHA"] = "6666666666666666666666666666666666666666", ["BASE_SHA"] = "5555555555555555555555555555555555555555" });

        // The step itself succeeds so the results are kept and posted; a later step fails the check.
        Assert.True(run.Code == 0, run.Err);
        Assert.Equal(planExit.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Outputs["result"]);
        Assert.Contains("No Pulumi preview runs for pull requests", run.Summary, StringComparison.Ordinal);
        Assert.Contains("Computed by the CLI of the base commit 5555555555555555555555555555555555555555 on the stack file of 6666666666666666666666666666666666666666.", run.Summary, StringComparison.Ordinal);
        Assert.Equal(planExit == 1, run.Summary.Contains("this plan was made with the base commit's code", StringComparison.Ordinal));
        Assert.Contains("- bob@contoso.com gains READ on app-secrets", run.Summary, StringComparison.Ordinal);
        Assert.Contains("topology.groups.x: policy standing-admin: ` ` ` ` escape", run.Summary, StringComparison.Ordinal);
        Assert.Equal(["````text", "````"], run.Summary.Split('\n').Where(l => l.StartsWith("````", StringComparison.Ordinal)));
        Assert.Equal(planExit.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", File.ReadAllText(Path.Combine(outDir, "plan-exit")));
        Assert.Equal("6666666666666666666666666666666666666666\n", File.ReadAllText(Path.Combine(outDir, "head-sha")));
        Assert.Equal("5555555555555555555555555555555555555555\n", File.ReadAllText(Path.Combine(outDir, "base-sha")));
    }

    [Fact]
    public void The_changed_code_step_lists_every_path_but_stack_files_and_docs()
    {
        var step = Repo.Workflow("preview").Job("offline").Steps.Single(s => s.Id == "changed");
        using var h = new StepHarness();
        var outDir = Path.Combine(h.Dir, "changed");
        var files = new JsonArray(
            new JsonObject { ["filename"] = "Pulumi.prod.yaml" },
            new JsonObject { ["filename"] = "docs/review.md" },
            new JsonObject { ["filename"] = "README.md" },
            new JsonObject { ["filename"] = "infra/Topology/Planning/Planner.cs" },
            new JsonObject { ["filename"] = "Directory.Build.props" },
            new JsonObject { ["filename"] = ".github/workflows/preview.yml" },
            new JsonObject { ["filename"] = "docs/moved.md", ["previous_filename"] = "infra/Cli/Reports.cs" });
        var scenario = new JsonObject
        {
            ["env"] = new JsonObject { ["OUT"] = outDir },
            ["payload"] = new JsonObject { ["pull_request"] = new JsonObject { ["number"] = 12 } },
            ["files"] = files,
        };
        var result = h.RunScript(step, scenario);
        Assert.Null(result.Failed);
        Assert.Equal("4", result.Outputs["count"]);
        Assert.Equal(".github/workflows/preview.yml\nDirectory.Build.props\ninfra/Cli/Reports.cs\ninfra/Topology/Planning/Planner.cs\n", File.ReadAllText(Path.Combine(outDir, "code-changed.txt")));

        scenario["files"] = new JsonArray(new JsonObject { ["filename"] = "Pulumi.dev.yaml" });
        Assert.Equal("0", h.RunScript(step, scenario).Outputs["count"]);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(outDir, "code-changed.txt")));
    }

    [Fact]
    public void A_policy_failure_still_posts_the_diff_then_fails_the_check()
    {
        var workflow = Repo.Workflow("preview");
        var offline = workflow.Job("offline");
        var steps = offline.Steps.ToList();
        var keep = steps.FindIndex(s => s.IsAction("actions/upload-artifact"));
        var fail = steps.Count - 1;
        Assert.True(keep > steps.FindIndex(s => s.Id == "offline") && keep < fail);
        Assert.Equal("${{ !cancelled() && github.event.pull_request.head.repo.full_name == github.repository }}", steps[keep].If);
        Assert.Equal("steps.offline.outputs.result != '0'", steps[fail].If);
        Assert.Contains("exit 1", steps[fail].Run ?? "", StringComparison.Ordinal);

        var comment = workflow.Job("comment");
        Assert.Equal(["offline"], comment.Needs);
        Assert.Equal("${{ !cancelled() && github.event.pull_request.head.repo.full_name == github.repository }}", comment.If);
        Assert.Equal(Repo.Stacks, comment.MatrixStacks);
        Assert.Equal("offline-${{ matrix.stack }}", steps[keep].With("name"));
        Assert.Equal("offline-${{ matrix.stack }}", comment.Steps.Single(s => s.IsAction("actions/download-artifact")).With("name"));
    }

    [Fact]
    public void The_pull_request_comment_says_no_preview_runs_and_is_updated_in_place()
    {
        var step = Repo.Workflow("preview").Job("comment").Steps.Single(s => s.IsAction("actions/github-script"));
        using var h = new StepHarness();
        var dir = Path.Combine(h.Dir, "offline");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "diff.md"), "### Access changes\n\n- bob@contoso.com gains READ on app-secrets");
        File.WriteAllText(Path.Combine(dir, "plan.md"), "| Component | Type |");
        File.WriteAllText(Path.Combine(dir, "plan-exit"), "1\n");
        File.WriteAllText(Path.Combine(dir, "findings.txt"), "topology.x: policy standing-admin: ````` end\n");
        File.WriteAllText(Path.Combine(dir, "head-sha"), "7777777777777777777777777777777777777777\n");
        File.WriteAllText(Path.Combine(dir, "base-sha"), "8888888888888888888888888888888888888888\n");
        var scenario = new JsonObject
        {
            ["env"] = new JsonObject { ["STACK"] = "prod", ["DIR"] = dir },
            ["payload"] = new JsonObject { ["pull_request"] = new JsonObject { ["number"] = 12 } },
            ["comments"] = new JsonArray(new JsonObject { ["id"] = 1, ["user"] = new JsonObject { ["type"] = "User" }, ["body"] = "<!-- databricks-access:offline:prod --> forged by a user" }),
        };

        var first = h.RunScript(step, scenario);
        var created = Assert.Single(first.Named("issues.createComment"));
        var body = created.Arg("body")!;
        Assert.Equal("12", created.Arg("issue_number"));
        Assert.StartsWith("<!-- databricks-access:offline:prod -->\n### `prod`: offline plan and access diff (**policy violations**)\nComputed by the CLI of the base commit 8888888888888888888888888888888888888888 (built from a checkout of the base) on the stack file of 7777777777777777777777777777777777777777.", body, StringComparison.Ordinal);
        Assert.Contains("> No Pulumi preview runs for pull requests", body, StringComparison.Ordinal);
        Assert.Contains("- bob@contoso.com gains READ on app-secrets", body, StringComparison.Ordinal);
        Assert.Contains("``````text\ntopology.x: policy standing-admin: ````` end\n``````", body, StringComparison.Ordinal);
        Assert.Contains("<sub>commit 7777777777777777777777777777777777777777, computed by 8888888888888888888888888888888888888888</sub>", body, StringComparison.Ordinal);

        // A pull request that changes code: its first lines say the plan was made with the base commit's code.
        File.WriteAllText(Path.Combine(dir, "code-changed.txt"), "infra/Cli/Reports.cs\ninfra/Topology/Planning/Planner.cs\n");
        var warned = Assert.Single(h.RunScript(step, scenario).Named("issues.createComment")).Arg("body")!.Split('\n');
        Assert.Equal("<!-- databricks-access:offline:prod -->", warned[0]);
        Assert.Equal("> [!WARNING]", warned[1]);
        Assert.StartsWith("> **This pull request changes code that decides access, or how it is deployed or reviewed** (2 file(s): `infra/Cli/Reports.cs`, `infra/Topology/Planning/Planner.cs`).", warned[2], StringComparison.Ordinal);
        Assert.Contains("computed by the base commit's code, not the pull request's", warned[3], StringComparison.Ordinal);
        File.Delete(Path.Combine(dir, "code-changed.txt"));

        scenario["comments"]!.AsArray().Add(new JsonObject { ["id"] = 2, ["user"] = new JsonObject { ["type"] = "Bot" }, ["body"] = "<!-- databricks-access:offline:prod -->\nold" });
        scenario["comments"]!.AsArray().Add(new JsonObject { ["id"] = 3, ["user"] = new JsonObject { ["type"] = "Bot" }, ["body"] = "<!-- databricks-access:offline:dev -->\nold" });
        var second = h.RunScript(step, scenario);
        Assert.Empty(second.Named("issues.createComment"));
        Assert.Equal("2", Assert.Single(second.Named("issues.updateComment")).Arg("comment_id"));
    }

    private static Job ExpireJob(string id)
    {
        Assert.Equal(["revoke", "expire"], Repo.Workflow("expire").Jobs.Select(j => j.Id));
        var job = Repo.Workflow("expire").Job(id);
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        return job;
    }
}
