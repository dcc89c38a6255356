using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>OIDC everywhere; no long-lived secret anywhere.</summary>
public partial class AuthenticationTests
{
    [Fact]
    public void Jobs_that_log_in_request_an_id_token_and_only_they_do()
    {
        var loggingIn = 0;
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs))
        {
            if (job.LogsIn)
            {
                loggingIn++;
                Assert.True(job.Permission("id-token") == "write", $"{job} logs in through OIDC but lacks permissions.id-token: write");
            }
            else
            {
                Assert.True(job.Permission("id-token") is null, $"{job} asks for an id-token it does not use");
            }
        }

        // preview (2 stacks in one matrix job), deploy dev + prod, drift, expire.
        Assert.True(loggingIn >= 5, $"only {loggingIn} jobs log in");
    }

    [Fact]
    public void Jobs_that_run_pulumi_log_in_to_Azure_and_Pulumi_Cloud_first()
    {
        var jobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi).ToList();
        Assert.True(jobs.Count >= 5, $"only {jobs.Count} jobs run pulumi");
        foreach (var job in jobs)
        {
            var steps = job.Steps.ToList();
            var firstPulumi = steps.FindIndex(s => (s.IsAction("pulumi/actions") && s.With("command") is not null) || s.RunsPulumiCli);
            var azure = steps.FindIndex(s => s.IsAction("azure/login"));
            var pulumiCloud = steps.FindIndex(s => s.IsAction("pulumi/auth-actions"));
            Assert.True(azure >= 0 && azure < firstPulumi, $"{job}: azure/login must come before pulumi");
            Assert.True(pulumiCloud >= 0 && pulumiCloud < firstPulumi, $"{job}: pulumi/auth-actions must come before pulumi");
        }
    }

    [Fact]
    public void Pulumi_jobs_use_OIDC_environment_for_the_providers()
    {
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi))
        {
            var env = job.Env;
            Assert.True(env.GetValueOrDefault("ARM_USE_OIDC") == "true", $"{job}: ARM_USE_OIDC must be \"true\"");
            foreach (var (key, variable) in new[]
                     {
                         ("ARM_CLIENT_ID", "AZURE_CLIENT_ID"),
                         ("ARM_TENANT_ID", "AZURE_TENANT_ID"),
                         ("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"),
                     })
            {
                Assert.True(
                    env.GetValueOrDefault(key) == $"${{{{ vars.{variable} }}}}",
                    $"{job}: {key} must come from vars.{variable}, was '{env.GetValueOrDefault(key)}'");
            }

            Assert.True(env.GetValueOrDefault("DATABRICKS_AUTH_TYPE") == "azure-cli", $"{job}: Databricks must authenticate through the Azure CLI login");
        }
    }

    [Fact]
    public void Azure_login_is_federated_not_a_client_secret()
    {
        var steps = Repo.AllWorkflows().SelectMany(w => w.Jobs).SelectMany(j => j.Steps).Where(s => s.IsAction("azure/login")).ToList();
        Assert.True(steps.Count >= 5);
        foreach (var step in steps)
        {
            Assert.Equal("${{ vars.AZURE_CLIENT_ID }}", step.With("client-id"));
            Assert.Equal("${{ vars.AZURE_TENANT_ID }}", step.With("tenant-id"));
            Assert.Equal("${{ vars.AZURE_SUBSCRIPTION_ID }}", step.With("subscription-id"));
            Assert.Null(step.With("creds"));
            Assert.Null(step.With("client-secret"));
        }
    }

    [Fact]
    public void Pulumi_Cloud_login_exchanges_the_OIDC_token_for_an_organization_token()
    {
        var steps = Repo.AllWorkflows().SelectMany(w => w.Jobs).SelectMany(j => j.Steps).Where(s => s.IsAction("pulumi/auth-actions")).ToList();
        Assert.True(steps.Count >= 5);
        foreach (var step in steps)
        {
            Assert.Equal("${{ vars.PULUMI_ORG }}", step.With("organization"));
            Assert.Equal("urn:pulumi:token-type:access_token:organization", step.With("requested-token-type"));
        }
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
        foreach (var name in new[] { "DATABRICKS_TOKEN", "ARM_CLIENT_SECRET", "client-secret", "PULUMI_ACCESS_TOKEN", "db_password", "GH_PAT", "creds" })
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
