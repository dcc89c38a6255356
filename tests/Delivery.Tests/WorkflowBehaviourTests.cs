using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>What each workflow does, beyond what a linter checks.</summary>
public partial class WorkflowBehaviourTests
{
    private const string GroupMember = "databricks:index/groupMember:GroupMember";
    private const string Assignment = "databricks:index/mwsPermissionAssignment:MwsPermissionAssignment";
    private const string Prefix = "urn:pulumi:prod::databricks-access::";

    [Fact]
    public void Expire_targets_exactly_the_deletes_of_memberships_and_assignments()
    {
        var step = ExpireStep();
        var filter = step.EnvValue("EXPIRED_URNS_JQ");
        Assert.False(string.IsNullOrWhiteSpace(filter), "the jq program must be in env EXPIRED_URNS_JQ");
        Assert.Contains($"\"{GroupMember}\"", filter, StringComparison.Ordinal);
        Assert.Contains($"\"{Assignment}\"", filter, StringComparison.Ordinal);
        Assert.Contains("\"delete\"", filter, StringComparison.Ordinal);

        var preview = $$"""
            {
              "steps": [
                { "op": "same",    "urn": "{{Prefix}}pulumi:pulumi:Stack::databricks-access-prod" },
                { "op": "delete",  "urn": "{{Prefix}}{{GroupMember}}::analysts-alice", "oldState": { "type": "{{GroupMember}}" } },
                { "op": "delete",  "urn": "{{Prefix}}databricks:index/group:Group${{GroupMember}}::analysts-bob" },
                { "op": "delete",  "urn": "{{Prefix}}{{Assignment}}::ws-carol", "oldState": { "type": "{{Assignment}}" } },
                { "op": "delete",  "urn": "{{Prefix}}databricks:index/group:Group::analysts", "oldState": { "type": "databricks:index/group:Group" } },
                { "op": "delete",  "urn": "{{Prefix}}databricks:index/secretAcl:SecretAcl::scope-dave", "oldState": { "type": "databricks:index/secretAcl:SecretAcl" } },
                { "op": "update",  "urn": "{{Prefix}}{{GroupMember}}::analysts-erin", "oldState": { "type": "{{GroupMember}}" }, "newState": { "type": "{{GroupMember}}" } },
                { "op": "create",  "urn": "{{Prefix}}{{GroupMember}}::analysts-frank", "newState": { "type": "{{GroupMember}}" } },
                { "op": "delete-replaced", "urn": "{{Prefix}}{{Assignment}}::ws-gina", "oldState": { "type": "{{Assignment}}" } },
                { "op": "replace", "urn": "{{Prefix}}{{GroupMember}}::analysts-hal", "oldState": { "type": "{{GroupMember}}" } }
              ],
              "changeSummary": { "delete": 5 }
            }
            """;
        Assert.Equal(
            [
                $"{Prefix}{GroupMember}::analysts-alice",
                $"{Prefix}databricks:index/group:Group${GroupMember}::analysts-bob",
                $"{Prefix}{Assignment}::ws-carol",
            ],
            Jq(filter, preview));
        Assert.Empty(Jq(filter, """{ "steps": [ { "op": "same", "urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev" } ] }"""));
        Assert.Empty(Jq(filter, """{ "changeSummary": {} }"""));
    }

    [Fact]
    public void Rotation_targets_exactly_the_replacements_of_tokens_and_oauth_secrets_with_their_dependents()
    {
        const string Token = "databricks:index/oboToken:OboToken";
        const string OAuth = "databricks:index/servicePrincipalSecret:ServicePrincipalSecret";
        var step = RotationStep();
        var filter = step.EnvValue("ROTATION_URNS_JQ") ?? string.Empty;
        var preview = $$"""
            {
              "steps": [
                { "op": "create-replacement", "urn": "{{Prefix}}{{Token}}::sp-ci-token", "newState": { "type": "{{Token}}" } },
                { "op": "replace", "urn": "{{Prefix}}{{Token}}::sp-ci-token", "newState": { "type": "{{Token}}" } },
                { "op": "delete-replaced", "urn": "{{Prefix}}{{Token}}::sp-ci-token", "oldState": { "type": "{{Token}}" } },
                { "op": "replace", "urn": "{{Prefix}}{{OAuth}}::sp-akto-oauth-secret", "oldState": { "type": "{{OAuth}}" }, "newState": { "type": "{{OAuth}}" } },
                { "op": "update", "urn": "{{Prefix}}databricks:index/secret:Secret::scope-ci-token", "newState": { "type": "databricks:index/secret:Secret" } },
                { "op": "replace", "urn": "{{Prefix}}databricks:index/group:Group::analysts", "newState": { "type": "databricks:index/group:Group" } },
                { "op": "delete", "urn": "{{Prefix}}{{Token}}::sp-old-token", "oldState": { "type": "{{Token}}" } }
              ]
            }
            """;
        Assert.Equal(
            [$"{Prefix}{Token}::sp-ci-token", $"{Prefix}{OAuth}::sp-akto-oauth-secret"],
            Jq(filter, preview).Distinct().Order(StringComparer.Ordinal).ToList());

        var run = step.Run ?? "";
        var upLine = run[run.IndexOf("pulumi up ", StringComparison.Ordinal)..].Split('\n')[0];
        Assert.Contains("--target-dependents", upLine, StringComparison.Ordinal);
        Assert.Contains("\"${targets[@]}\"", upLine, StringComparison.Ordinal);
        Assert.True(run.IndexOf("exit 0", StringComparison.Ordinal) < run.IndexOf("pulumi up ", StringComparison.Ordinal), "nothing due must exit before `pulumi up`");
    }

    [Fact]
    public void Expire_previews_as_json_and_ups_only_the_selected_targets()
    {
        var run = ExpireStep().Run ?? "";
        var preview = run.IndexOf("pulumi preview --json", StringComparison.Ordinal);
        var empty = run.IndexOf("exit 0", StringComparison.Ordinal);
        var up = run.IndexOf("pulumi up ", StringComparison.Ordinal);
        Assert.True(preview >= 0, "no `pulumi preview --json`");
        Assert.True(empty > preview && up > empty, "nothing expired must exit before `pulumi up`");
        Assert.Contains("jq -r \"$EXPIRED_URNS_JQ\"", run, StringComparison.Ordinal);
        Assert.Contains("targets+=(--target \"$urn\")", run, StringComparison.Ordinal);
        var upLine = run[up..].Split('\n')[0];
        Assert.Contains("--yes", upLine, StringComparison.Ordinal);
        Assert.Contains("\"${targets[@]}\"", upLine, StringComparison.Ordinal);
        Assert.DoesNotContain("--target-dependents", run, StringComparison.Ordinal);
        Assert.StartsWith("set -euo pipefail", run, StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_previews_with_refresh_and_fails_on_any_change()
    {
        var job = Repo.Workflow("drift").Job("drift");
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        Assert.Equal("false", job.Node.Map("strategy")?.Str("fail-fast"));
        var preview = Assert.Single(job.Steps, s => s.IsAction("pulumi/actions"));
        Assert.Equal("preview", preview.With("command"));
        Assert.Equal("true", preview.With("refresh"));
        Assert.Equal("true", preview.With("expect-no-changes"));
        Assert.Equal("${{ vars.PULUMI_ORG }}/${{ matrix.stack }}", preview.With("stack-name"));

        // The job itself must end red on drift, even though the checks continue on error to file the issue.
        var last = job.Steps[^1];
        Assert.Contains("exit 1", last.Run ?? "", StringComparison.Ordinal);
        Assert.Contains("steps.preview.outcome != 'success'", Node(last, "if"), StringComparison.Ordinal);
        Assert.Contains("steps.unmanaged.outputs.count != '0'", Node(last, "if"), StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_counts_unmanaged_members_from_the_stack_output()
    {
        var job = Repo.Workflow("drift").Job("drift");
        var step = Assert.Single(job.Steps, s => s.Id == "unmanaged");
        var run = step.Run ?? "";
        Assert.Contains("pulumi stack output", run, StringComparison.Ordinal);
        Assert.Contains("--json", run, StringComparison.Ordinal);
        Assert.Contains(".unmanagedMembers // {}", run, StringComparison.Ordinal);
        Assert.Contains("count=$count", run, StringComparison.Ordinal);

        var count = JqInRun().Matches(run).Select(m => m.Groups[1].Value).Single(p => p.Contains("length", StringComparison.Ordinal));
        Assert.Equal(["0"], Jq(count, "{}"));
        Assert.Equal(["0"], Jq(count, """{ "analysts": [] }"""));
        Assert.Equal(["3"], Jq(count, """{ "analysts": ["u1", "u2"], "admins": ["sp-1"] }"""));
    }

    [Fact]
    public void Drift_keeps_one_issue_per_stack()
    {
        var job = Repo.Workflow("drift").Job("drift");
        var scripts = job.Steps.Where(s => s.IsAction("actions/github-script")).Select(s => s.With("script") ?? "").ToList();
        var open = Assert.Single(scripts, s => s.Contains("issues.create(", StringComparison.Ordinal));
        Assert.Contains("const title = `Drift detected in stack ${stack}`;", open, StringComparison.Ordinal);
        Assert.Contains("state: 'open'", open, StringComparison.Ordinal);
        Assert.Contains("labels: label", open, StringComparison.Ordinal);
        Assert.Contains("i.title === title", open, StringComparison.Ordinal);
        Assert.Contains("issues.createComment(", open, StringComparison.Ordinal);
        Assert.DoesNotContain("runNumber", open, StringComparison.Ordinal);

        // The clean run closes the same issue (same title), not another one.
        var close = Assert.Single(scripts, s => s.Contains("state: 'closed'", StringComparison.Ordinal));
        Assert.Contains("Drift detected in stack ${process.env.STACK}", close, StringComparison.Ordinal);
        Assert.Equal("${{ matrix.stack }}", job.Env["STACK"]);
    }

    [Fact]
    public void Preview_builds_and_tests_first_then_previews_every_stack_with_a_PR_comment()
    {
        var workflow = Repo.Workflow("preview");
        Assert.NotNull(workflow.Triggers?.Get("pull_request"));
        var build = workflow.Job("build");
        Assert.Contains(build.Steps, s => (s.Run ?? "").Trim() == "bash .ci/run");

        var preview = Assert.Single(workflow.Jobs, j => j.Steps.Any(s => s.IsAction("pulumi/actions")));
        Assert.Contains("build", preview.Needs);
        Assert.Equal(Repo.Stacks, preview.MatrixStacks);
        var step = preview.Steps.Single(s => s.IsAction("pulumi/actions"));
        Assert.Equal("preview", step.With("command"));
        Assert.Equal("true", step.With("comment-on-pr"));
        Assert.Equal("${{ vars.PULUMI_ORG }}/${{ matrix.stack }}", step.With("stack-name"));
    }

    [Fact]
    public void Preview_posts_one_updatable_access_diff_comment_per_stack()
    {
        var workflow = Repo.Workflow("preview");
        var job = Assert.Single(workflow.Jobs, j => j.Steps.Any(s => (s.Run ?? "").Contains("infra/Topology", StringComparison.Ordinal)));
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        Assert.Contains("build", job.Needs);
        Assert.False(job.LogsIn, "the access diff is offline; it needs no cloud login");

        var checkout = job.Steps.Single(s => s.IsAction("actions/checkout"));
        Assert.Equal("0", checkout.With("fetch-depth"));

        var diff = job.Steps.Single(s => (s.Run ?? "").Contains("infra/Topology", StringComparison.Ordinal));
        Assert.Contains("dotnet run --project infra/Topology -- diff --stack \"$STACK\" --base-ref \"origin/${BASE_REF}\" --format markdown", diff.Run, StringComparison.Ordinal);
        Assert.Equal("${{ matrix.stack }}", diff.EnvValue("STACK"));
        Assert.Equal("${{ github.base_ref }}", diff.EnvValue("BASE_REF"));

        var comment = job.Steps.Single(s => s.IsAction("actions/github-script"));
        var script = comment.With("script") ?? "";
        Assert.Equal("${{ matrix.stack }}", comment.EnvValue("STACK"));
        Assert.Contains("const marker = `<!-- databricks-access:access-diff:${stack} -->`;", script, StringComparison.Ordinal);
        Assert.Contains(".includes(marker)", script, StringComparison.Ordinal);
        Assert.Contains("issues.updateComment(", script, StringComparison.Ordinal);
        Assert.Contains("issues.createComment(", script, StringComparison.Ordinal);
        Assert.Contains("github.paginate(", script, StringComparison.Ordinal);
    }

    private static Step ExpireStep() => ExpireJobStep("EXPIRED_URNS_JQ");

    private static Step RotationStep() => ExpireJobStep("ROTATION_URNS_JQ");

    private static Step ExpireJobStep(string filterVariable)
    {
        var job = Assert.Single(Repo.Workflow("expire").Jobs);
        Assert.Equal(Repo.Stacks, job.MatrixStacks);
        Assert.Equal(2, job.Steps.Count(s => (s.Run ?? "").Contains("pulumi up", StringComparison.Ordinal)));
        return Assert.Single(job.Steps, s => !string.IsNullOrEmpty(s.EnvValue(filterVariable)));
    }

    private static string Node(Step step, string key) => step.Node.Str(key) ?? "";

    /// <summary>Runs the real jq (as the runner does) on a document.</summary>
    private static List<string> Jq(string program, string input)
    {
        var info = new ProcessStartInfo("jq", ["-r", program])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("jq did not start");
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"jq failed ({process.ExitCode}): {stderr}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [GeneratedRegex(@"jq '([^']+)'")]
    private static partial Regex JqInRun();
}
