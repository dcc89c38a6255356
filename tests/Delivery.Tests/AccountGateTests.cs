using System.Diagnostics;
using System.Text.RegularExpressions;
using DatabricksAccess.Cli;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Issue 31.1 and 31.5b: account-level power only behind the prod gate, and skipping dev's migration guard only
/// with a second person. The bootstrap's shell is parsed: every account role it grants sits inside a condition on
/// the stack declaring <c>databricks-access:account</c> and being a gated stack; the gated stacks are those whose
/// deploy.yml job needs the approval; the ungated job refuses a stack with an account; <c>check</c> warns.
/// </summary>
public sealed partial class AccountGateTests
{
    private static string Bootstrap
    {
        get
        {
            var doc = Repo.Read("docs/delivery.md");
            var start = doc.IndexOf("### Bootstrap a new environment from an empty subscription", StringComparison.Ordinal);
            Assert.True(start >= 0, "docs/delivery.md has no bootstrap runbook");
            var end = doc.IndexOf("\n### ", start + 10, StringComparison.Ordinal);
            return doc[start..end];
        }
    }

    /// <summary>Each bash line of the bootstrap that grants an account-level role, with the <c>if</c> conditions around it.</summary>
    private static List<(string Line, List<string> Conditions)> AccountRoleGrants()
    {
        var grants = new List<(string, List<string>)>();
        foreach (Match block in BashBlock().Matches(Bootstrap))
        {
            var conditions = new List<string>();
            foreach (var raw in block.Groups[1].Value.Split('\n'))
            {
                var line = raw.Trim();
                if (line.StartsWith("if ", StringComparison.Ordinal) && !line.EndsWith("fi", StringComparison.Ordinal))
                {
                    conditions.Add(line);
                }
                else if (line is "fi" || line.StartsWith("fi ", StringComparison.Ordinal) || line.StartsWith("fi;", StringComparison.Ordinal))
                {
                    conditions.RemoveAt(conditions.Count - 1);
                }

                if (AccountRole().IsMatch(line) && !line.StartsWith('#'))
                {
                    grants.Add((line, conditions.ToList()));
                }
            }
        }

        return grants;
    }

    [Fact]
    public void Every_account_role_the_bootstrap_grants_is_conditional_on_an_account_stack_behind_the_prod_gate()
    {
        var grants = AccountRoleGrants();
        Assert.Contains(grants, g => g.Line.Contains("account_admin", StringComparison.Ordinal));
        Assert.Contains(grants, g => g.Line.Contains("roles/group.manager", StringComparison.Ordinal));
        foreach (var (line, conditions) in grants)
        {
            Assert.True(conditions.Any(c => c.Contains("databricks-access:account", StringComparison.Ordinal) && c.Contains("$GATED_STACKS", StringComparison.Ordinal)),
                $"unconditional account role in the bootstrap: {line}");
        }
    }

    [Fact]
    public void Only_the_deploy_identity_gets_an_account_role_and_the_scheduled_one_only_object_scoped_manager_rules()
    {
        // Issue 31.1: the audit runs without approval, so its identity holds no account role at all; the scheduled
        // identity holds manager rules on the stack's own groups and service principals (rule sets on those objects),
        // never account_admin; account_admin goes to the deploy identity only, whose job waits for the approval.
        foreach (Match block in BashBlock().Matches(Bootstrap))
        {
            var loops = new List<string>();
            var previous = string.Empty; // a command continued over two lines (the patch and its JSON body)
            foreach (var raw in block.Groups[1].Value.Split('\n'))
            {
                var line = raw.Trim();
                var before = previous;
                previous = line;
                if (line.StartsWith("for ", StringComparison.Ordinal) && !line.Contains("done", StringComparison.Ordinal))
                {
                    loops.Add(line);
                }
                else if (line is "done" || line.StartsWith("done ", StringComparison.Ordinal) || line.StartsWith("done;", StringComparison.Ordinal))
                {
                    loops.RemoveAt(loops.Count - 1);
                }

                if (!AccountRole().IsMatch(line) || line.StartsWith('#'))
                {
                    continue;
                }

                var context = string.Join("\n", loops.Append(before).Append(line));
                Assert.DoesNotContain("AUDIT_APP", context, StringComparison.Ordinal);
                if (line.Contains("account_admin", StringComparison.Ordinal))
                {
                    Assert.Contains("$DEPLOY_APP", context, StringComparison.Ordinal);
                    Assert.DoesNotContain("SCHEDULED_APP", context, StringComparison.Ordinal);
                }
            }
        }

        // The manager rules name the scheduled identity as their principal, on group and service principal rule sets.
        Assert.Contains("--arg p \"servicePrincipals/$SCHEDULED_APP\"", Bootstrap, StringComparison.Ordinal);
        Assert.Matches(@"rule ""accounts/\$ACCOUNT_ID/groups/[^""]+/ruleSets/default"" roles/group.manager", Bootstrap);
    }

    [Fact]
    public void The_account_role_check_fails_on_an_unconditional_grant()
    {
        // The parser the test above relies on, on the shape issue 31 found (step 6 granting account_admin to all).
        const string Unconditional = """
            for app in "$DEPLOY_APP" "$AUDIT_APP"; do
              databricks account service-principals patch "$(sp_id "$app")" --json '{"Operations": [{"op": "add", "path": "roles", "value": [{"value": "account_admin"}]}]}'
            done
            """;
        var line = Unconditional.Split('\n').Single(l => AccountRole().IsMatch(l));
        Assert.DoesNotContain("if ", line, StringComparison.Ordinal);
        Assert.Matches(AccountRole(), "rule \"accounts/$ACCOUNT_ID/groups/$GROUP/ruleSets/default\" roles/group.manager");
    }

    [Fact]
    public void The_gated_stacks_are_those_whose_deploy_job_needs_the_approval_and_every_stack_with_an_account_is_one()
    {
        var gated = GatedStacks().Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        var deploy = Repo.Read(".github/workflows/deploy.yml");
        var reviewed = Repo.Stacks.Where(s => AccountGate.Reviewed(deploy, s) == true).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(reviewed, gated);
        Assert.Equal(["prod"], reviewed);

        foreach (var stack in Repo.Stacks)
        {
            var declaresAccount = AccountKey().IsMatch(Repo.Read($"Pulumi.{stack}.yaml"));
            Assert.True(!declaresAccount || reviewed.Contains(stack), $"Pulumi.{stack}.yaml declares databricks-access:account but its deploy job waits for no reviewer");
        }
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void The_ungated_deploy_job_stops_on_a_stack_file_that_declares_an_account(bool account, int exit)
    {
        var workflow = Repo.Workflow("deploy");
        foreach (var job in workflow.Jobs.Where(j => j.Env.ContainsKey("STACK") && AccountGate.Reviewed(workflow.Text, j.Env["STACK"]) == false))
        {
            var step = job.Steps.Single(s => s.Name == "No account-level power without reviewers");
            var index = job.Steps.ToList().IndexOf(step);
            Assert.True(index < job.Steps.ToList().FindIndex(s => s.Name?.StartsWith("Migration guard", StringComparison.Ordinal) == true), "the check runs before any pulumi command");
            using var h = new StepHarness();
            var stack = job.Env["STACK"];
            var text = Repo.Read($"Pulumi.{stack}.yaml");
            if (account)
            {
                text = text.Edit("config:\n", "config:\n  databricks-access:account:\n    id: 0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e\n    host: https://accounts.azuredatabricks.net\n    workspaceId: \"1\"\n");
            }

            h.WriteFile($"Pulumi.{stack}.yaml", text);
            var (code, @out, err, _, _) = h.RunShell(job, step);
            Assert.True(exit == code, $"{code}\n{@out}\n{err}");
            if (account)
            {
                Assert.Contains("::error::", @out, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Check_warns_when_a_stack_without_reviewers_uses_the_account_of_another_stack()
    {
        var dir = Directory.CreateTempSubdirectory("dbx-gate-").FullName;
        try
        {
            File.Copy(Repo.PathOf("Pulumi.yaml"), Path.Combine(dir, "Pulumi.yaml"));
            File.Copy(Repo.PathOf("Pulumi.prod.yaml"), Path.Combine(dir, "Pulumi.prod.yaml"));
            Directory.CreateDirectory(Path.Combine(dir, ".github", "workflows"));
            File.Copy(Repo.PathOf(".github/workflows/deploy.yml"), Path.Combine(dir, ".github", "workflows", "deploy.yml"));
            var prodAccount = Regex.Match(Repo.Read("Pulumi.prod.yaml"), @"(?m)^  databricks-access:account:\n(    .*\n)+").Value;
            Assert.NotEmpty(prodAccount);
            var dev = Repo.Read("Pulumi.dev.yaml");
            File.WriteAllText(Path.Combine(dir, "Pulumi.dev.yaml"), dev);

            Assert.DoesNotContain(Warning, Check(dir, "dev"), StringComparison.Ordinal);
            Assert.DoesNotContain(Warning, Check(dir, "prod"), StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "Pulumi.dev.yaml"), dev.Edit("config:\n", "config:\n" + prodAccount));
            var warned = Check(dir, "dev");
            Assert.Contains("databricks-access:account: warning: stack 'dev' deploys without reviewers", warned, StringComparison.Ordinal);
            Assert.Contains("which stack(s) prod also use", warned, StringComparison.Ordinal);
            Assert.DoesNotContain(Warning, Check(dir, "prod"), StringComparison.Ordinal);

            // Another account: nobody else's power, no warning.
            File.WriteAllText(Path.Combine(dir, "Pulumi.dev.yaml"), dev.Edit("config:\n", "config:\n" + prodAccount.Edit("0d4c6b1e", "ffffffff")));
            Assert.DoesNotContain(Warning, Check(dir, "dev"), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(false, "skipped", true)]
    [InlineData(true, "skipped", false)]   // the approval job did not run: no unsafe deploy
    [InlineData(true, "failure", false)]   // rejected
    [InlineData(true, "success", true)]    // approved
    public void An_unsafe_migration_on_dev_runs_only_after_its_approval(bool unsafeMigration, string approval, bool runs)
    {
        var deploy = Repo.Workflow("deploy");
        var dev = deploy.Job("dev");
        var approve = deploy.Job("approve-unsafe-dev");
        Assert.Contains("approve-unsafe-dev", dev.Needs);
        Assert.Equal("dev-unsafe-migration", approve.Environment);
        Assert.Null(approve.Permission("id-token"));
        Assert.Contains("inputs.allow_unsafe_migration == true", approve.If, StringComparison.Ordinal);
        Assert.Contains("if [ \"$env\" = prod-approval ] || [ \"$env\" = dev-unsafe-migration ]", Bootstrap, StringComparison.Ordinal); // reviewers

        // The dev job's `if`, evaluated as GitHub does for these results.
        var expression = dev.If!.Replace("!cancelled()", "true", StringComparison.Ordinal)
            .Replace("github.ref", "'refs/heads/main'", StringComparison.Ordinal)
            .Replace("needs.test.result", "'success'", StringComparison.Ordinal)
            .Replace("needs.approve-unsafe-dev.result", $"'{approval}'", StringComparison.Ordinal)
            .Replace("inputs.allow_unsafe_migration", unsafeMigration ? "true" : "false", StringComparison.Ordinal)
            .Replace("==", "===", StringComparison.Ordinal).Replace("!=", "!==", StringComparison.Ordinal);
        Assert.Equal(runs, Node($"console.log(({expression}) ? 'true' : 'false')") == "true");
    }

    private const string Warning = "deploys without reviewers";

    private static string Node(string script)
    {
        var info = new ProcessStartInfo("node", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var node = Process.Start(info)!;
        var @out = node.StandardOutput.ReadToEnd();
        var err = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, err);
        return @out.Trim();
    }

    private static string Check(string dir, string stack)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        Program.Run(["check", "--stack", stack, "--now", "2026-11-25T12:00:00Z"], @out, err, TimeProvider.System, dir);
        return @out + "\n" + err;
    }

    private static string GatedStacks()
    {
        var m = Regex.Match(Bootstrap, "GATED_STACKS=\"([a-z ]*)\"");
        Assert.True(m.Success, "the bootstrap sets GATED_STACKS");
        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"account_admin|roles/[A-Za-z.]*[Mm]anager|""path"": ""roles""")]
    private static partial Regex AccountRole();

    [GeneratedRegex(@"(?m)^[ \t]*databricks-access:account[ \t]*:")]
    private static partial Regex AccountKey();

    [GeneratedRegex(@"(?s)```bash\n(.*?)```")]
    private static partial Regex BashBlock();
}
