using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// docs/delivery.md "Bootstrap a new environment from an empty subscription", walked offline as a new team would: every shell
/// block parses, every environment and variable the workflows use is created, every identity trusts exactly the
/// (environment, workflow file) pairs that use it, and nothing is granted on what the stack creates before the first
/// deploy created it.
/// </summary>
public sealed partial class RunbookTests
{
    private static string Bootstrap
    {
        get
        {
            var readme = Repo.Read("docs/delivery.md");
            var start = readme.IndexOf("### Bootstrap a new environment from an empty subscription", StringComparison.Ordinal);
            Assert.True(start >= 0, "docs/delivery.md has no bootstrap runbook");
            var end = readme.IndexOf("\n### ", start + 10, StringComparison.Ordinal);
            return readme[start..end];
        }
    }

    private static List<string> Steps => NumberedStep().Matches(Bootstrap).Select(m => m.Value).ToList();

    private static int StepOf(string text)
    {
        var steps = Steps;
        var index = steps.FindIndex(s => s.Contains(text, StringComparison.Ordinal));
        Assert.True(index >= 0, $"no bootstrap step contains '{text}'");
        return index + 1;
    }

    [Fact]
    public void The_steps_are_numbered_in_order_and_every_shell_block_parses()
    {
        var numbers = Steps.Select(s => int.Parse(Regex.Match(s, @"^\s*(\d+)\.").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count), numbers);
        var blocks = BashBlock().Matches(Bootstrap).Select(m => Regex.Replace(m.Groups[1].Value, "(?m)^ {3,4}", "")).ToList();
        Assert.True(blocks.Count >= 12, $"{blocks.Count} bash blocks");
        foreach (var block in blocks)
        {
            var info = new ProcessStartInfo("bash", ["-n"]) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
            using var bash = Process.Start(info)!;
            bash.StandardInput.Write(block);
            bash.StandardInput.Close();
            var err = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.True(bash.ExitCode == 0, $"{err}\n{block}");
        }
    }

    [Fact]
    public void Every_environment_the_workflows_use_is_created_with_the_variables_its_jobs_read()
    {
        var jobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.Environment is not null).ToList();
        var used = jobs.SelectMany(j => j.StackNames.Count == 0 ? [j.Environment!] : j.StackNames.Select(s => j.EnvironmentFor(s)!)).ToHashSet(StringComparer.Ordinal);
        var created = Regex.Match(Bootstrap, @"for env in ([a-z -]+); do").Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(used.Order(StringComparer.Ordinal), created.Order(StringComparer.Ordinal));
        Assert.Contains("if [ \"$env\" = prod-approval ]", Bootstrap, StringComparison.Ordinal); // the only one with reviewers

        // Variables: per identity environment, what its jobs read; none for prod-approval.
        var loop = Regex.Match(Bootstrap, @"for env in (""\$STACK""[^;]*); do").Groups[1].Value;
        Assert.Equal("\"$STACK\" \"$STACK-scheduled\" \"$STACK-audit\"", loop);
        foreach (var job in jobs)
        {
            var vars = job.AllScalars.SelectMany(v => Regex.Matches(v, @"vars\.([A-Z_]+)").Select(m => m.Groups[1].Value)).Where(v => v != "PULUMI_ORG").ToHashSet(StringComparer.Ordinal);
            foreach (var v in vars)
            {
                Assert.Contains($"gh variable set {v} --env \"$env\"", Bootstrap, StringComparison.Ordinal);
            }

            if (job.Environment!.EndsWith("-audit", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("PULUMI_TEAM", vars);
            }
        }

        Assert.Contains("gh variable set PULUMI_ORG --body \"$ORG\"", Bootstrap, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_identity_trusts_exactly_its_environment_from_the_workflow_files_that_use_it()
    {
        // From the workflows: (environment suffix, workflow file) of every job that requests an OIDC token.
        var expected = Repo.AllWorkflows()
            .SelectMany(w => w.Jobs.Where(j => j.Permission("id-token") == "write").Select(j => (Env: Repo.ExpandStack(j.Environment!, "$STACK").Replace("dev", "$STACK", StringComparison.Ordinal).Replace("prod", "$STACK", StringComparison.Ordinal), File: Path.GetFileName(w.RelativePath))))
            .Distinct()
            .OrderBy(p => p.Env, StringComparer.Ordinal).ThenBy(p => p.File, StringComparer.Ordinal)
            .ToList();
        var pairs = Regex.Match(Bootstrap, @"for pair in (""deploy=[^;]*); do").Groups[1].Value;
        var declared = Regex.Matches(pairs, @"""[a-z]+=([^:""]+):([^""]+)""")
            .SelectMany(m => m.Groups[2].Value.Split(',').Select(f => (Env: m.Groups[1].Value, File: f)))
            .OrderBy(p => p.Env, StringComparer.Ordinal).ThenBy(p => p.File, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, declared);

        // The subject names the workflow file: the repository's template includes job_workflow_ref, set first.
        Assert.Contains("\"include_claim_keys\": [\"repo\", \"context\", \"job_workflow_ref\"]", Bootstrap, StringComparison.Ordinal);
        Assert.Contains("sub() { echo \"repo:$REPO:environment:$1:job_workflow_ref:$REPO/.github/workflows/$2@refs/heads/main\"; }", Bootstrap, StringComparison.Ordinal);
        Assert.True(StepOf("oidc/customization/sub") < StepOf("federated-credential create"));
        Assert.True(StepOf("federated-credential create") < StepOf("oidcissuers"));
    }

    [Fact]
    public void Nothing_is_granted_on_what_the_stack_creates_before_the_first_deploy()
    {
        var firstDeploy = StepOf("**First update:**");

        // The scheduled and audit identities are declared in the stack file before it is deployed.
        Assert.True(StepOf("automation: [<SCHEDULED_APP>, <AUDIT_APP>]") < firstDeploy);
        // Manager roles on account groups and service principals the stack creates: after it created them.
        Assert.True(StepOf("roles/group.manager") > firstDeploy);
        Assert.True(StepOf("roles/servicePrincipal.manager") > firstDeploy);
        // Reader on a resource group the stack creates: after the first deploy; before it only for an existing group.
        var early = StepOf("Only when the group already exists (existing: true)");
        Assert.True(early < firstDeploy);
        Assert.Contains("az group show --name \"$RG\"", Steps[firstDeploy - 1], StringComparison.Ordinal);
        Assert.Contains("--role Reader --scope \"/subscriptions/$SUB/resourceGroups/$RG\"", Steps[firstDeploy - 1], StringComparison.Ordinal);
        // Stack names are fully qualified.
        Assert.Contains("pulumi stack init \"$ORG/databricks-access/$STACK\"", Bootstrap, StringComparison.Ordinal);
    }

    /// <summary>A numbered step: from "N. **" at the line start up to the next one.</summary>
    [GeneratedRegex(@"(?ms)^\d+\. \*\*.*?(?=^\d+\. \*\*|\z)")]
    private static partial Regex NumberedStep();

    [GeneratedRegex(@"(?s)```bash\n(.*?)```")]
    private static partial Regex BashBlock();
}
