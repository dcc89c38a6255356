using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Who holds which credential. Pull-request code holds none that can change anything or read a secret; every
/// identity is a stack's, reached only through that stack's GitHub environment (which admits only main); no
/// long-lived secret exists.
/// </summary>
public partial class IdentityTests
{
    private static readonly string[] IdentityVariables = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "PULUMI_TEAM"];

    [Fact]
    public void Pull_request_workflows_reference_no_identity_and_no_Pulumi_Cloud()
    {
        var workflows = Repo.AllWorkflows().Where(w => w.PullRequestTriggered).ToList();
        Assert.Equal(["preview"], workflows.Select(w => w.Name));
        foreach (var workflow in workflows)
        {
            Assert.Null(workflow.Triggers?.Get("pull_request_target"));
            Assert.DoesNotContain("vars.AZURE_", workflow.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("vars.PULUMI_", workflow.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("secrets.", workflow.Text, StringComparison.Ordinal);
            foreach (var job in workflow.Jobs)
            {
                Assert.True(job.Permission("id-token") is null, $"{job} may request an OIDC token");
                Assert.True(job.Environment is null, $"{job} uses an environment (and with it a stack's identity)");
                Assert.False(job.LogsIn, $"{job} logs in");
                Assert.False(job.RunsPulumi, $"{job} runs pulumi");
                Assert.DoesNotContain(job.Steps, s => s.IsAction("pulumi/actions"));
            }
        }
    }

    [Fact]
    public void Pull_request_code_runs_only_with_a_read_only_token()
    {
        foreach (var job in Repo.Workflow("preview").Jobs)
        {
            var runsCode = job.Steps.Any(s => s.IsAction("actions/checkout") || s.Run is not null);
            var writes = job.Permissions.Entries().Where(e => (e.Value as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value == "write").Select(e => e.Key).ToList();
            if (runsCode)
            {
                Assert.True(writes.Count == 0, $"{job} runs pull-request code with write access to {string.Join(", ", writes)}");
            }
            else
            {
                // The commenting job: posts results, checks out and runs nothing.
                Assert.Equal(["pull-requests"], writes);
            }
        }
    }

    [Fact]
    public void Every_job_with_an_OIDC_token_runs_in_its_stacks_environment_on_main_only()
    {
        var environments = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs))
        {
            if (job.Permission("id-token") != "write")
            {
                // The only environments without an identity: the approvals (required reviewers, nothing else) of a prod
                // deploy and of an unsafe migration on dev.
                Assert.True(job.Environment is null || job.ToString() is ".github/workflows/deploy.yml#approve-prod" or ".github/workflows/deploy.yml#approve-unsafe-dev", $"{job} has an environment but no OIDC token");
                continue;
            }

            Assert.True(job.Environment is not null, $"{job} gets an OIDC token outside any environment: its subject would be a branch, not an environment");
            Assert.Contains("github.ref == 'refs/heads/main'", job.If ?? "", StringComparison.Ordinal);
            Assert.NotEmpty(job.StackNames);
            foreach (var stack in job.StackNames)
            {
                var environment = job.EnvironmentFor(stack)!;
                Assert.True(environment == stack || environment == $"{stack}-scheduled" || environment == $"{stack}-audit", $"{job}: environment '{environment}' is not {stack}'s");
                environments.Add(environment);
            }
        }

        // Deploy, scheduled (expire, drift) and the read-only audit identity of drift.yml's audit job.
        Assert.Equal(["dev", "dev-audit", "dev-scheduled", "prod", "prod-audit", "prod-scheduled"], environments);
    }

    [Fact]
    public void Identities_are_read_only_where_an_environment_scopes_them()
    {
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs))
        {
            var used = IdentityVariables.Where(v => job.AllScalars.Any(s => s.Contains($"vars.{v}", StringComparison.Ordinal))).ToList();
            Assert.True(used.Count == 0 || job.Environment is not null, $"{job} reads {string.Join(", ", used)} outside an environment (a repository-wide identity)");
        }
    }

    [Fact]
    public void Providers_authenticate_with_OIDC_and_fetch_fresh_assertions_themselves()
    {
        // Record readers (drift.yml deployed-<stack>) hold only the Pulumi Cloud team token: no provider runs there.
        var jobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi && !j.OnlyReadsTheStack).ToList();
        Assert.Equal(5, jobs.Count); // deploy dev and prod, drift, expire's revoke and expire (a matrix job counts once)
        foreach (var job in jobs)
        {
            var env = job.Env;
            Assert.Equal("true", env.GetValueOrDefault("ARM_USE_OIDC"));
            Assert.Equal("${{ vars.AZURE_CLIENT_ID }}", env.GetValueOrDefault("ARM_CLIENT_ID"));
            Assert.Equal("${{ vars.AZURE_TENANT_ID }}", env.GetValueOrDefault("ARM_TENANT_ID"));
            Assert.Equal("${{ vars.AZURE_SUBSCRIPTION_ID }}", env.GetValueOrDefault("ARM_SUBSCRIPTION_ID"));

            // The Databricks SDK requests a GitHub OIDC token when it authenticates [fact: sdk-default-auth];
            // the Azure CLI would redeem the one assertion it got at login, long after.
            Assert.Equal("github-oidc-azure", env.GetValueOrDefault("DATABRICKS_AUTH_TYPE"));
            Assert.Equal("write", job.Permission("id-token"));
        }

        // No provider ever sees an Azure CLI login: only the audits log in, for their own REST client. drift.yml's
        // audit runs no Pulumi; deploy.yml's prod job logs in only after its last Pulumi step, for the account audit.
        foreach (var job in jobs)
        {
            var steps = job.Steps.ToList();
            var login = steps.FindIndex(s => s.IsAction("azure/login"));
            var lastPulumi = steps.FindLastIndex(s => (s.IsAction("pulumi/actions") && s.With("command") is not null) || s.RunsPulumiCli);
            Assert.True(login < 0 || login > lastPulumi, $"{job} logs in to the Azure CLI before a Pulumi step");
        }

        Assert.All(Repo.AllWorkflows(), w => Assert.DoesNotContain("DATABRICKS_AUTH_TYPE: azure-cli", w.Text, StringComparison.Ordinal));
        Assert.Equal(
            [".github/workflows/deploy.yml#prod", ".github/workflows/drift.yml#audit"],
            Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.Steps.Any(s => s.IsAction("azure/login"))).Select(j => j.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Pulumi_Cloud_gives_each_environment_its_teams_token_before_pulumi_runs()
    {
        var jobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi).ToList();
        foreach (var job in jobs)
        {
            var steps = job.Steps.ToList();
            var login = steps.FindIndex(s => s.IsAction("pulumi/auth-actions"));
            var firstPulumi = steps.FindIndex(s => (s.IsAction("pulumi/actions") && s.With("command") is not null) || s.RunsPulumiCli);
            Assert.True(login >= 0 && login < firstPulumi, $"{job}: pulumi/auth-actions must come before pulumi runs");
            var step = steps[login];
            Assert.Equal("${{ vars.PULUMI_ORG }}", step.With("organization"));
            Assert.Equal("urn:pulumi:token-type:access_token:team", step.With("requested-token-type"));
            Assert.Equal("team:${{ vars.PULUMI_TEAM }}", step.With("scope"));
        }
    }

    [Fact]
    public void Every_identity_variable_is_checked_before_use()
    {
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi))
        {
            var guard = job.Steps[0];
            Assert.Contains("[ -n \"${!name}\" ]", guard.Run ?? "", StringComparison.Ordinal);
            var names = job.OnlyReadsTheStack ? new[] { "PULUMI_ORG", "PULUMI_TEAM" } : ["PULUMI_ORG", "PULUMI_TEAM", "ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"];
            foreach (var name in names)
            {
                Assert.Contains(name, guard.Run ?? "", StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void An_empty_identity_variable_stops_the_job()
    {
        using var h = new StepHarness();
        var job = Repo.Workflow("deploy").Job("prod");
        var guard = job.Steps[0];
        var full = new Dictionary<string, string>
        {
            ["PULUMI_ORG"] = "contoso",
            ["PULUMI_TEAM"] = "dbx-access-prod",
            ["ARM_CLIENT_ID"] = "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f",
            ["ARM_TENANT_ID"] = "t",
            ["ARM_SUBSCRIPTION_ID"] = "s",
        };
        Assert.Equal(0, h.RunShell(job, guard, full).Code);
        var missing = h.RunShell(job, guard, new Dictionary<string, string>(full) { ["ARM_CLIENT_ID"] = "" });
        Assert.Equal(1, missing.Code);
        Assert.Contains("ARM_CLIENT_ID is empty: set it on the 'prod' environment", missing.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void No_secret_is_referenced_except_the_workflow_token()
    {
        foreach (var workflow in Repo.AllWorkflows())
        {
            var names = SecretReference().Matches(workflow.Text)
                .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
                .ToList();
            Assert.True(
                names.All(n => n.Equals("GITHUB_TOKEN", StringComparison.OrdinalIgnoreCase)),
                $"{workflow}: references secrets {string.Join(", ", names)}");
        }
    }

    [Fact]
    public void No_credential_is_passed_by_name_in_env_or_inputs()
    {
        foreach (var workflow in Repo.AllWorkflows())
        {
            var keys = workflow.Root.Map("env").Entries().Select(e => ("env", e.Key)).ToList();
            foreach (var job in workflow.Jobs)
            {
                keys.AddRange(job.Node.Map("env").Entries().Select(e => ($"{job.Id} env", e.Key)));
                foreach (var step in job.Steps)
                {
                    keys.AddRange(step.Node.Map("env").Entries().Select(e => ($"{job.Id}/{step} env", e.Key)));
                    keys.AddRange(step.Node.Map("with").Entries()
                        .Where(e => e.Key != "github-token") // ${{ github.token }}, checked below
                        .Select(e => ($"{job.Id}/{step} with", e.Key)));
                    if (step.With("github-token") is { } gh)
                    {
                        Assert.Equal("${{ github.token }}", gh);
                    }
                }
            }

            var bad = keys.Where(k => CredentialName().IsMatch(k.Item2)).Select(k => $"{k.Item1}: {k.Item2}").ToList();
            Assert.True(bad.Count == 0, $"{workflow}: credential-like names {string.Join("; ", bad)}");
        }
    }

    [Fact]
    public void The_credential_name_pattern_catches_the_usual_suspects()
    {
        // Guards the guard: these must be caught, the legitimate names must not.
        foreach (var name in new[] { "DATABRICKS_TOKEN", "ARM_CLIENT_SECRET", "client-secret", "PULUMI_ACCESS_TOKEN", "db_password", "GH_PAT", "creds", "GH_TOKEN" })
        {
            Assert.Matches(CredentialName(), name);
        }

        foreach (var name in new[] { "ARM_USE_OIDC", "ARM_CLIENT_ID", "requested-token-type", "DATABRICKS_AUTH_TYPE", "PATH_FILTER", "pulumi-version-file" })
        {
            Assert.DoesNotMatch(CredentialName(), name);
        }
    }

    [GeneratedRegex(@"secrets\s*(?:\.\s*([A-Za-z0-9_-]+)|\[\s*'([^']*)'\s*\])")]
    private static partial Regex SecretReference();

    [GeneratedRegex(@"(^|[_-])(token|secret|client[_-]secret|password|passwd|pat)$|^creds$", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialName();
}
