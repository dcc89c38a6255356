using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology.Planning;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>Principals are named as Databricks expects, and the web app's identity is its service principal.</summary>
public sealed class PrincipalTests
{
    public static readonly TheoryData<string> Stacks = ["dev", "prod"];

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Acl_principals_are_rendered_per_kind(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var ciDeployerAppId = run.Mocks.Registered("sp-ci-deployer-sp").State["applicationId"];
        var webAppClientId = run.Mocks.Registered("webapp-notebook-runner-identity").State["clientId"];

        (string? Principal, string? Permission, string? Scope) Acl(string principal)
        {
            var acl = run.Mocks.Registered($"scope-app-secrets-acl-{principal}");
            return (acl.Inputs.Str("principal"), acl.Inputs.Str("permission"), acl.Inputs.Str("scope"));
        }

        Assert.Equal(("data-scientists", "READ", "app-secrets"), Acl("group-data-scientists"));
        Assert.Equal(((string)ciDeployerAppId, "WRITE", "app-secrets"), Acl("sp-ci-deployer"));
        Assert.Equal(((string)webAppClientId, "READ", "app-secrets"), Acl("webapp-notebook-runner"));
        Assert.NotEqual(ciDeployerAppId, webAppClientId);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Grant_principals_are_rendered_per_kind(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var akto = (string)run.Mocks.Registered("sp-akto-connector-sp").State["applicationId"];
        var catalog = stack == "dev" ? "workspace" : "main";

        // One additive Grant per (securable, principal): it names its principal and privileges directly.
        var catalogGrant = run.Mocks.Registered($"catalog-grants-catalog-{catalog}-sp-akto-connector");
        Assert.Equal(PulumiTypes.Grant, catalogGrant.Type);
        Assert.Equal(catalog, catalogGrant.Inputs.Str("catalog"));
        Assert.Equal(akto, catalogGrant.Inputs.Str("principal"));
        Assert.Equal(["USE_CATALOG"], catalogGrant.Inputs.Strings("privileges"));

        var schemaGrant = run.Mocks.Registered($"catalog-grants-schema-{catalog}.default-sp-akto-connector");
        Assert.Equal($"{catalog}.default", schemaGrant.Inputs.Str("schema"));
        Assert.Equal(["SELECT", "USE_SCHEMA"], schemaGrant.Inputs.Strings("privileges"));

        if (stack == "prod")
        {
            var analytics = run.Mocks.Registered("catalog-grants-schema-main.analytics-group-data-scientists");
            Assert.Equal("data-scientists", analytics.Inputs.Str("principal"));
        }

        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Type == PulumiTypes.Grants);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Job_runs_as_the_web_app_and_grants_by_kind(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var clientId = (string)run.Mocks.Registered("webapp-notebook-runner-identity").State["clientId"];

        var job = run.Mocks.Registered("job-nightly-etl-job");
        Assert.Equal("nightly-etl", job.Inputs.Str("name"));
        Assert.Equal(clientId, job.Inputs.Str("runAs", "servicePrincipalName"));
        var task = Assert.Single(job.Inputs.Maps("tasks"));
        Assert.Equal("main", task["taskKey"]);
        Assert.Equal("/Shared/etl/nightly", ((IReadOnlyDictionary<string, object?>)task["notebookTask"]!)["notebookPath"]);
        Assert.False(task.ContainsKey("newCluster") || task.ContainsKey("existingClusterId"), "the task should run on serverless compute");

        var permissions = run.Mocks.Registered("job-nightly-etl-permissions");
        Assert.Equal(job.Id, permissions.Inputs.Str("jobId"));
        var controls = permissions.Inputs.Maps("accessControls")
            .Select(c => string.Join(' ', c.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")))
            .Order(StringComparer.Ordinal).ToList();
        var expected = new List<string>
        {
            "groupName=data-scientists permissionLevel=CAN_MANAGE_RUN",
            $"permissionLevel=CAN_MANAGE_RUN servicePrincipalName={clientId}",
        };
        if (stack == "dev")
        {
            expected.Add("groupName=data-engineers permissionLevel=CAN_VIEW");
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), controls);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task The_web_apps_service_principal_is_its_managed_identity(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var identity = run.Mocks.Registered("webapp-notebook-runner-identity");
        var clientId = (string)identity.State["clientId"];

        var sp = run.Mocks.Registered("webapp-notebook-runner-sp");
        Assert.Equal(PulumiTypes.ServicePrincipal, sp.Type);
        Assert.Equal(clientId, sp.Inputs.Str("applicationId"));
        Assert.Equal($"dbx-notebook-runner-{stack}", sp.Inputs.Str("displayName"));

        var site = run.Mocks.Registered("webapp-notebook-runner-site");
        Assert.Equal($"dbx-notebook-runner-{stack}", site.Inputs.Str("name"));
        Assert.Equal("UserAssigned", site.Inputs.Str("identity", "type"));
        Assert.Equal([identity.Id!], site.Inputs.Strings("identity", "userAssignedIdentities"));
        Assert.Equal(true, site.Inputs.At("httpsOnly"));
        Assert.Equal(run.Mocks.Registered("webapp-notebook-runner-plan").Id, site.Inputs.Str("serverFarmId"));
        Assert.Equal("rg-dbx-access-" + stack, site.Inputs.Str("resourceGroupName"));
        Assert.Equal("Disabled", site.Inputs.Str("siteConfig", "ftpsState"));
        Assert.Equal("1.2", site.Inputs.Str("siteConfig", "minTlsVersion"));
        Assert.Equal(true, site.Inputs.At("siteConfig", "alwaysOn"));
        Assert.Equal(ManagedIdentityWebApp.Runtime, site.Inputs.Str("siteConfig", "linuxFxVersion"));

        var settings = site.Inputs.Maps("siteConfig", "appSettings").ToDictionary(s => (string)s["name"]!, s => (string?)s["value"]);
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["AZURE_CLIENT_ID"] = clientId,
                ["DATABRICKS_HOST"] = StackRun.DatabricksHost,
                ["DATABRICKS_JOB_IDS"] = run.Mocks.Registered("job-nightly-etl-job").Id,
            },
            settings);

        var plan = run.Mocks.Registered("webapp-notebook-runner-plan");
        Assert.Equal(stack == "dev" ? "B1" : "P1v2", plan.Inputs.Str("sku", "name"));
        Assert.Equal(stack == "dev" ? "Basic" : "PremiumV2", plan.Inputs.Str("sku", "tier"));
        Assert.Equal("Linux", plan.Inputs.Str("kind"));
        Assert.Equal(true, plan.Inputs.At("reserved"));

        var app = run.Component<ManagedIdentityWebApp>("webapp-notebook-runner");
        Assert.Equal($"https://dbx-notebook-runner-{stack}.azurewebsites.net", await OutputUtilities.GetValueAsync(app.Url));
        Assert.Equal(clientId, await OutputUtilities.GetValueAsync(app.ApplicationId));
        var urls = await run.OutputAsync<ImmutableDictionary<string, string>>("webAppUrls");
        Assert.Equal($"https://dbx-notebook-runner-{stack}.azurewebsites.net", urls["notebook-runner"]);
        Assert.Equal(clientId, (await run.OutputAsync<ImmutableDictionary<string, string>>("webAppIdentityClientIds"))["notebook-runner"]);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    [Trait("fact", "sdk-scim-shapes")]
    [Trait("fact", "scim-principal-writes-entitlements")]
    public async Task Entitlements_and_stack_outputs_follow_the_topology(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        if (stack == "dev")
        {
            // Workspace-level principals the stack creates carry their entitlements in their own fields (their Read fills
            // them and their Update PUTs them [fact: scim-entitlement-fields] [fact: scim-principal-writes-entitlements]),
            // and no second resource owns them.
            var group = run.Mocks.Registered("group-data-scientists-group");
            Assert.Equal(true, group.Inputs.At("workspaceAccess"));
            Assert.Equal(true, group.Inputs.At("databricksSqlAccess"));
            Assert.Null(group.Inputs.At("allowClusterCreate"));
            Assert.Equal(true, run.Mocks.Registered("sp-ci-deployer-sp").Inputs.At("allowClusterCreate"));
            Assert.Equal(true, run.Mocks.Registered("webapp-notebook-runner-sp").Inputs.At("workspaceAccess"));
            Assert.DoesNotContain(run.Mocks.Registrations, r => r.Type == PulumiTypes.Entitlements);
            Assert.Null(run.Mocks.Registered("group-notebook-runners-group").Inputs.At("workspaceAccess"));
        }
        else
        {
            // Account-level principals: account SCIM has no entitlements [fact: sdk-scim-shapes], so they are set in the
            // workspace by an Entitlements resource.
            var scientists = run.Mocks.Registered("group-data-scientists-entitlements");
            Assert.Equal("scim-group-data-scientists-group", scientists.Inputs.Str("groupId"));
            Assert.Equal(true, scientists.Inputs.At("workspaceAccess"));
            Assert.Equal(true, scientists.Inputs.At("databricksSqlAccess"));
            Assert.Null(scientists.Inputs.At("allowClusterCreate"));
            Assert.Null(run.Mocks.Registered("group-data-scientists-group").Inputs.At("workspaceAccess"));

            var deployer = run.Mocks.Registered("sp-ci-deployer-entitlements");
            Assert.Equal("scim-sp-ci-deployer-sp", deployer.Inputs.Str("servicePrincipalId"));
            Assert.Null(deployer.Inputs.At("allowClusterCreate"));
        }

        var appIds = await run.OutputAsync<ImmutableDictionary<string, string>>("servicePrincipalApplicationIds");
        Assert.Equal(["akto-connector", "ci-deployer"], appIds.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(run.Mocks.Registered("sp-akto-connector-sp").State["applicationId"], appIds["akto-connector"]);
        Assert.Equal(["app-secrets", "connectors"], (await run.OutputAsync<ImmutableArray<string>>("secretScopes")).ToArray());
        var jobIds = await run.OutputAsync<ImmutableDictionary<string, string>>("jobIds");
        Assert.Equal(run.Mocks.Registered("job-nightly-etl-job").Id, Assert.Single(jobIds).Value);
    }
}
