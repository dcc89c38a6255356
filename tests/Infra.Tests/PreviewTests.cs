using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests;

/// <summary>A first preview: nothing exists, so ids and computed outputs are unknown. The program must still finish.</summary>
public sealed class PreviewTests
{
    public static readonly TheoryData<string> Stacks = ["dev", "prod"];

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task A_preview_with_unknown_ids_registers_the_plan_and_finishes(string stack)
    {
        var run = await StackRun.RunAsync(stack, mocks: new AccessMocks { Unknown = true }, preview: true);

        var expected = run.Plan.AllResources.Select(r => $"{r.Resource.Type} {r.Resource.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, run.Mocks.Registrations.Select(r => $"{r.Type} {r.Name}").Order(StringComparer.Ordinal));

        // The site's settings wait for the jobs' ids, unknown before `up`: so is the whole siteConfig.
        var site = run.Mocks.Registered("webapp-notebook-runner-site");
        Assert.False(site.Inputs.ContainsKey("siteConfig"));
        Assert.Equal($"dbx-notebook-runner-{stack}", site.Inputs.Str("name"));

        // Names known offline are known in a preview too.
        Assert.Equal("nightly-etl", run.Mocks.Registered("job-nightly-etl-job").Inputs.Str("name"));
        Assert.Equal("READ", run.Mocks.Registered("scope-app-secrets-acl-group-data-scientists").Inputs.Str("permission"));
        Assert.Equal("data-scientists", run.Mocks.Registered("group-data-scientists-group").Inputs.Str("displayName"));
        Assert.Equal(
            run.Plan.Lookups.Count,
            run.Mocks.Calls.Count(c => c.Token is PulumiTypes.GetUsers or PulumiTypes.GetGroup or PulumiTypes.GetServicePrincipal or PulumiTypes.GetResourceGroup or PulumiTypes.GetSqlWarehouse
                or PulumiTypes.GetServicePrincipals or PulumiTypes.GetWorkspaceIamGroupsV2 or PulumiTypes.GetAccountIamGroupsV2));
    }
}
