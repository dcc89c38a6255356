using System.Diagnostics;
using System.Text.Json;
using DatabricksAccess.Cli;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>drift.yml's <c>audit</c> job: shadow access per stack, read-only, one issue per stack kept in place.</summary>
public sealed class AuditWorkflowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-audit-wf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Job AuditJob => Repo.Workflow("drift").Job("audit");

    [Fact]
    public void Audit_runs_per_stack_as_a_read_only_identity_that_runs_no_pulumi()
    {
        var job = AuditJob;
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        Assert.Equal("false", job.Node.Map("strategy")?.Str("fail-fast"));
        Assert.Equal("${{ matrix.stack }}-audit", job.Environment);
        Assert.False(job.RunsPulumi);
        Assert.DoesNotContain(job.Steps, s => s.IsAction("pulumi/auth-actions") || s.IsAction("pulumi/actions"));
        Assert.Equal("${{ matrix.stack }}", job.Env["STACK"]);

        var audit = Assert.Single(job.Steps, s => s.Id == "audit");
        Assert.Contains("dotnet run --project infra/Cli -c Release --no-build -- audit --stack \"$STACK\" --workspace-only --format markdown", audit.Run, StringComparison.Ordinal);
        Assert.Contains("echo \"code=$code\" >> \"$GITHUB_OUTPUT\"", audit.Run, StringComparison.Ordinal);

        // A build failure cannot pass for findings (exit 1): the build is its own step before.
        var steps = job.Steps.ToList();
        Assert.True(steps.FindIndex(s => (s.Run ?? "").Contains("dotnet build infra/Cli", StringComparison.Ordinal)) is var build and >= 0
                    && build < steps.FindIndex(s => s.Id == "audit"));

        // One audit per stack at a time, on the deployed commit.
        Assert.Equal(("audit-${{ matrix.stack }}", "false"), (job.Node.Map("concurrency")?.Str("group"), job.Node.Map("concurrency")?.Str("cancel-in-progress")));
        Assert.Equal("deployed", audit.WorkingDirectory);
        var checkout = Assert.Single(job.Steps, s => s.IsAction("actions/checkout"));
        Assert.Equal(("${{ steps.deployed.outputs.sha }}", "deployed"), (checkout.With("ref"), checkout.With("path")));
        Assert.True(steps.FindIndex(s => s.Id == "deployed") < steps.IndexOf(checkout));

        var last = job.Steps[^1];
        Assert.Equal("steps.audit.outputs.code != '0'", last.Node.Str("if"));
        Assert.Contains("exit 1", last.Run, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "0", "audit --stack prod --workspace-only --format markdown")]
    [InlineData(false, "2", null)]
    public void The_scheduled_audit_reads_the_workspace_only_and_a_deployed_CLI_without_the_option_cannot_run(bool hasOption, string code, string? call)
    {
        // Issue 31.1: the audit identity holds no account role, so the scheduled audit never asks the account host.
        // A deployed commit that predates --workspace-only would ask it (and fail on 403): exit 2 until a deploy.
        var job = AuditJob;
        var step = Assert.Single(job.Steps, s => s.Id == "audit");
        using var h = new StepHarness();
        h.Fake("dotnet", $$"""
            printf '%s\n' "$*" >> "$FAKE_DIR/dotnet.log"
            if [[ " $* " == *" --help "* ]]; then echo "Options:"; {{(hasOption ? "echo '  --workspace-only  audit: read only the workspace'" : "true")}}; exit 0; fi
            echo "# Audit"; exit 0
            """);
        Directory.CreateDirectory(Path.Combine(h.Workspace, "..", "fake"));
        Directory.CreateDirectory(Path.Combine(h.Workspace, "..", "temp"));
        var (exit, @out, err, outputs, _) = h.RunShell(job, step, new Dictionary<string, string> { ["STACK"] = "prod", ["REPORT_FILE"] = Path.Combine(h.Workspace, "..", "temp", "audit.md") });
        Assert.True(exit == 0, @out + err);
        Assert.Equal(code, outputs["code"]);
        var calls = File.ReadAllLines(Path.Combine(h.Workspace, "..", "fake", "dotnet.log"));
        var audits = calls.Where(c => !c.Contains("--help", StringComparison.Ordinal)).ToList();
        if (call is null)
        {
            Assert.Empty(audits);
            Assert.Contains("::error::the deployed commit's CLI has no 'audit --workspace-only'", @out, StringComparison.Ordinal);
        }
        else
        {
            Assert.EndsWith(call, Assert.Single(audits), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"findings": [], "notes": []}""", 0, 0, 0)]
    [InlineData("""{"findings": [{"kind": "undeclared-member", "severity": "high", "principal": "user:m@contoso.com", "object": "group:analysts", "detail": "x"}], "notes": []}""", 0, 0, 1)]
    [InlineData("""{"findings": [{"kind": "undeclared-admin", "severity": "critical", "principal": "sp:etl-runner", "object": "account", "detail": "holds the account role <img src=x> that the stack does not declare"}], "notes": []}""", 1, 1, 0)]
    [InlineData(null, 2, 0, 0)]
    public void The_prod_deploy_job_audits_the_account_roles_after_the_approval_and_fails_on_an_account_finding(string? report, int auditExit, int account, int other)
    {
        var deploy = Repo.Workflow("deploy");
        var prod = deploy.Job("prod");
        Assert.Contains("approve-prod", prod.Needs);
        var steps = prod.Steps.ToList();
        var step = Assert.Single(steps, s => s.Name?.StartsWith("Account audit", StringComparison.Ordinal) == true);
        var login = steps.FindIndex(s => s.IsAction("azure/login"));
        Assert.True(login >= 0 && login < steps.IndexOf(step) && steps.FindIndex(s => s.IsAction("pulumi/actions") && s.With("command") == "up") < login);
        Assert.Contains("-- audit --stack \"$STACK\" --format json", step.Run, StringComparison.Ordinal);
        Assert.DoesNotContain("--workspace-only", step.Run, StringComparison.Ordinal);

        // No job that deploys without reviewers audits the account (its identity holds no account role).
        foreach (var job in deploy.Jobs.Where(j => j.Env.TryGetValue("STACK", out var s) && AccountGate.Reviewed(deploy.Text, s) == false))
        {
            Assert.DoesNotContain(job.Steps, s => (s.Run ?? string.Empty).Contains("-- audit", StringComparison.Ordinal));
        }

        using var h = new StepHarness();
        var reportJson = report ?? string.Empty;
        h.Fake("dotnet", $$"""
            cat <<'JSON'
            {{reportJson}}
            JSON
            exit {{auditExit}}
            """);
        Directory.CreateDirectory(Path.Combine(h.Workspace, "..", "temp"));
        var (exit, @out, err, _, summary) = h.RunShell(prod, step);
        var expectedExit = auditExit >= 2 || account > 0 ? 1 : 0;
        Assert.True(expectedExit == exit, $"{exit}\n{@out}\n{err}");
        if (auditExit < 2)
        {
            Assert.Contains($"{account} account-level finding(s)", summary, StringComparison.Ordinal);
            Assert.Contains($"Other findings: {other}", summary, StringComparison.Ordinal);
            Assert.DoesNotContain("<img", summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Audit_takes_the_deployed_commit_from_the_stacks_record_and_a_hand_made_deployment_changes_nothing()
    {
        var drift = Repo.Workflow("drift");
        var step = Assert.Single(AuditJob.Steps, s => s.Id == "deployed");
        Assert.Null(AuditJob.Permission("deployments"));
        Assert.Equal("${{ needs[format('deployed-{0}', matrix.stack)].outputs.sha }}", step.EnvValue("SHA"));
        Assert.Equal(Repo.Stacks.Select(s => $"deployed-{s}"), AuditJob.Needs);

        // deployed-<stack>: the scheduled identity reads the stack's own record (the output `deployment`, which the
        // deployed commit's update wrote with the state; only a deploy moves it: infra/Infra/DeploymentRecord.cs).
        const string Tagged = "2222222222222222222222222222222222222222";
        foreach (var stack in Repo.Stacks)
        {
            var job = drift.Job($"deployed-{stack}");
            Assert.Equal($"{stack}-scheduled", job.Environment);
            Assert.Equal("${{ steps.deployed.outputs.sha }}", job.Node.Map("outputs")?.Str("sha"));
            using var tag = new StepHarness().Pulumi($"{StepHarness.Org}/databricks-access/{stack}").Deployed(Tagged);
            var read = Assert.Single(job.Steps, s => s.Id == "deployed");
            var (code, _, err, outputs, _) = tag.RunShell(job, read);
            Assert.True(code == 0, err);
            Assert.Equal(Tagged, outputs["sha"]);
        }

        // A deployment made by hand (newer, success, another commit) is never read: the record's commit is the one run.
        using var h = new StepHarness();
        const string HandMade = "1111111111111111111111111111111111111111";
        var scenario = new System.Text.Json.Nodes.JsonObject
        {
            ["env"] = new System.Text.Json.Nodes.JsonObject { ["STACK"] = "prod", ["SHA"] = Tagged },
            ["deployments"] = System.Text.Json.Nodes.JsonNode.Parse($$"""[{ "id": 3, "sha": "{{HandMade}}" }, { "id": 2, "sha": "{{Tagged}}" }]"""),
            ["statuses"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "3": [{ "state": "success" }], "2": [{ "state": "success" }] }"""),
            ["compare"] = new System.Text.Json.Nodes.JsonObject { ["status"] = "ahead" },
        };
        var found = h.RunScript(step, scenario);
        Assert.Null(found.Failed);
        Assert.Empty(found.Named("repos.listDeployments"));
        Assert.Empty(found.Named("repos.listDeploymentStatuses"));
        Assert.Equal(Tagged, found.Outputs["sha"]);
        var compare = Assert.Single(found.Named("repos.compareCommits"));
        Assert.Equal((Tagged, "refs/heads/main"), (compare.Arg("base"), compare.Arg("head")));

        scenario["compare"] = new System.Text.Json.Nodes.JsonObject { ["status"] = "diverged" };
        Assert.Equal($"the deployed commit {Tagged} is not on main (diverged): refusing to run it", h.RunScript(step, scenario).Failed);

        scenario["env"]!["SHA"] = "";
        Assert.Equal("the stack output deployment of prod records 'no commit', not a commit: deploy the stack with deploy.yml first", h.RunScript(step, scenario).Failed);
    }

    [Fact]
    public void Every_scheduled_job_runs_the_commit_of_the_stacks_record_checked_against_refs_heads_main()
    {
        foreach (var workflow in Repo.AllWorkflows().Where(w => w.Triggers?.Get("schedule") is not null))
        {
            Assert.DoesNotContain("listDeployments", workflow.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("deployments:", workflow.Text, StringComparison.Ordinal);
            foreach (var job in workflow.Jobs)
            {
                foreach (var checkout in job.Steps.Where(s => s.IsAction("actions/checkout") && s.With("ref") is not null))
                {
                    Assert.Equal("${{ steps.deployed.outputs.sha }}", checkout.With("ref"));
                    var deployed = Assert.Single(job.Steps, s => s.Id == "deployed");
                    var source = deployed.Run ?? string.Empty;
                    if (deployed.EnvValue("SHA") is { } fromNeeds)
                    {
                        Assert.Contains("needs[format('deployed-{0}', matrix.stack)].outputs.sha", fromNeeds, StringComparison.Ordinal);
                        source = workflow.Job("deployed-dev").Steps.Single(s => s.Id == "deployed").Run ?? string.Empty;
                    }

                    Assert.Contains("pulumi stack output deployment --json --stack \"$STACK_NAME\"", source, StringComparison.Ordinal);
                }
            }
        }

        // Nobody writes the record by hand: no workflow or script sets a tag or passes a commit to the program; the
        // program records the commit it was built from (DeploymentRecordTests), and a scheduled run of another commit
        // than the recorded one stops inside its update (DeploymentRecord.CheckRevocationRun).
        var writers = Repo.AllWorkflows().Where(w => w.Text.Contains("tag set", StringComparison.Ordinal)).Select(w => w.Name)
            .Concat(Directory.EnumerateFiles(Repo.PathOf(".github/scripts")).Where(f => File.ReadAllText(f).Contains("tag set", StringComparison.Ordinal)).Select(Path.GetFileName));
        Assert.Empty(writers);

        // Every comparison with main names the branch ref, never the bare name a tag could shadow.
        foreach (var workflow in Repo.AllWorkflows())
        {
            var compares = System.Text.RegularExpressions.Regex.Matches(workflow.Text, @"compareCommits\(\{[^}]*\}\)");
            Assert.All(compares, m => Assert.Contains("head: 'refs/heads/main'", m.Value, StringComparison.Ordinal));
        }
    }

    private sealed record Call(string Method, JsonElement Args);

    /// <summary>Runs the job's github-script under node with a fake GitHub API; returns the calls it made.</summary>
    private List<Call> RunIssueScript(string code, string report, params (int Number, string Title)[] open)
    {
        var step = Assert.Single(AuditJob.Steps, s => s.IsAction("actions/github-script") && (s.With("script") ?? "").Contains("Shadow access", StringComparison.Ordinal));
        Assert.Equal("steps.audit.outputs.code == '0' || steps.audit.outputs.code == '1'", step.Node.Str("if"));
        var reportFile = Path.Combine(_dir, "audit.md");
        File.WriteAllText(reportFile, report);
        var issues = JsonSerializer.Serialize(open.Select(o => new { number = o.Number, title = o.Title }));
        var harness = $$"""
            const calls = [];
            const record = (method) => async (args) => { calls.push({ method, args }); return { data: { number: 99 } }; };
            const github = {
              rest: { issues: { listForRepo: record('listForRepo'), create: record('create'), update: record('update'), createComment: record('createComment') } },
              paginate: async (fn, args) => { calls.push({ method: 'paginate', args }); return {{issues}}; },
            };
            const context = { repo: { owner: 'o', repo: 'r' }, serverUrl: 'https://github.example', runId: 5 };
            const core = { info: () => {}, setFailed: (m) => calls.push({ method: 'setFailed', args: m }) };
            (async () => {
            {{step.With("script")}}
            })().then(() => process.stdout.write(JSON.stringify(calls)), (e) => { console.error(e); process.exit(3); });
            """;
        var script = Path.Combine(_dir, "script.js");
        File.WriteAllText(script, harness);
        var info = new ProcessStartInfo("node", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["STACK"] = "dev";
        info.Environment["CODE"] = code;
        info.Environment["REPORT_FILE"] = reportFile;
        using var node = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30)), "node did not finish");
        Assert.True(node.ExitCode == 0, stderr.Result);
        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.EnumerateArray()
            .Select(c => new Call(c.GetProperty("method").GetString()!, c.GetProperty("args").Clone()))
            .Where(c => c.Method != "paginate")
            .ToList();
    }

    [Fact]
    public void Findings_open_one_issue_with_the_report()
    {
        var call = Assert.Single(RunIssueScript("1", "### report\n| a | b |"));
        Assert.Equal("create", call.Method);
        Assert.Equal("Shadow access in stack dev", call.Args.GetProperty("title").GetString());
        Assert.Equal("shadow-access", call.Args.GetProperty("labels")[0].GetString());
        Assert.EndsWith("### report\n| a | b |", call.Args.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_update_the_open_issue_of_the_stack_in_place()
    {
        var call = Assert.Single(RunIssueScript("1", "new findings", (3, "Shadow access in stack prod"), (4, "Shadow access in stack dev")));
        Assert.Equal("update", call.Method);
        Assert.Equal(4, call.Args.GetProperty("issue_number").GetInt32());
        Assert.EndsWith("new findings", call.Args.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.False(call.Args.TryGetProperty("state", out _));
    }

    [Fact]
    public void A_clean_run_closes_the_stacks_issue_and_nothing_else()
    {
        var calls = RunIssueScript("0", "", (4, "Shadow access in stack dev"));
        Assert.Equal(["createComment", "update"], calls.Select(c => c.Method));
        Assert.Equal(4, calls[1].Args.GetProperty("issue_number").GetInt32());
        Assert.Equal("closed", calls[1].Args.GetProperty("state").GetString());
        Assert.Empty(RunIssueScript("0", ""));
    }

    [Fact]
    public void A_report_too_long_for_an_issue_is_cut_at_a_line()
    {
        var line = "| low | missing | `x` | `y` | `" + new string('z', 80) + "` |\n";
        var report = string.Concat(Enumerable.Repeat(line, 2000));
        var body = Assert.Single(RunIssueScript("1", report)).Args.GetProperty("body").GetString()!;
        Assert.True(body.Length < 61000, $"{body.Length} characters");
        Assert.EndsWith("` |\n\n…(truncated: the full report is in the run summary)", body, StringComparison.Ordinal);
    }
}
