using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Planning;
using Pulumi;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// The first up of an adopted job whose IS_OWNER is someone else. The import's Read keeps the live IS_OWNER
/// (it drops only the caller, admins and inherited entries [fact: permissions-read]); with the owner declared (what
/// adopt writes) the step is import-only and the owner stays; without it the update's list has no IS_OWNER and the
/// provider makes the deployer the owner [fact: permissions-owner-added].
/// </summary>
public sealed class JobOwnerScenarioTests
{
    private const string Deployer = "99999999-0000-4000-8000-000000000001";

    private static string Stack(string owner) => $$"""
        config:
          databricks:host: https://adb-1111111111111111.1.azuredatabricks.net
          databricks-access:deployer:
            applicationId: {{Deployer}}
          databricks-access:topology:
            jobs:
              nightly:
                notebook: /Shared/nightly
                runAs: user:mallory@contoso.com
        {{owner}}        canManage: [user:bob@contoso.com]
            imports:
              job-nightly-job: "42"
              job-nightly-permissions: "/jobs/42"

        """;

    private static async Task<(List<Step> Steps, Estate Live)> FirstUpAsync(string owner)
    {
        var file = StackFile.Parse(Stack(owner), "Pulumi.adopted.yaml");
        var run = await StackRun.RunAsync("adopted", file, StackRun.Now, new AccessMocks { KeepImportIds = true }, key => Output.Create(StackRun.ConfigValue(key)));
        var program = await Deployed.FromAsync(run);
        var live = new Estate { Caller = Deployer };
        // The job itself reads back as declared (the simulator's objects return what was written, Estate.Read default).
        live.Plant(PulumiTypes.Job, "42", program["job-nightly-job"].Inputs);
        live.Job("42", "mallory@contoso.com", ("userName", "mallory@contoso.com", "IS_OWNER"), ("userName", "bob@contoso.com", "CAN_MANAGE"), ("groupName", "admins", "CAN_MANAGE"));
        var steps = Engine.Plan(LifecycleTests.Nothing, program, live);
        Engine.Apply(live, steps);
        return (steps, live);
    }

    [Fact]
    public async Task The_first_up_of_an_adopted_job_with_its_owner_declared_is_import_only_and_keeps_the_owner()
    {
        var (steps, live) = await FirstUpAsync("        owner: user:mallory@contoso.com\n");
        Assert.Equal(["import job-nightly-job", "import job-nightly-permissions"],
            steps.Where(s => s.Resource.Type != PulumiTypes.DatabricksProvider).Select(s => $"{s.Op} {s.Resource.Name}"));
        Assert.Equal(["admins CAN_MANAGE", "bob@contoso.com CAN_MANAGE", "mallory@contoso.com IS_OWNER"], live.JobAcl("42"));
    }

    [Fact]
    [Trait("fact", "permissions-owner-added")]
    public async Task Without_the_owner_the_first_up_updates_the_acl_and_the_deployer_becomes_the_owner()
    {
        var (steps, live) = await FirstUpAsync(string.Empty);
        Assert.Contains(steps, s => s.Op == "update" && s.Resource.Name == "job-nightly-permissions");
        Assert.Contains($"{Deployer} IS_OWNER", live.JobAcl("42"));
        Assert.DoesNotContain("mallory@contoso.com IS_OWNER", live.JobAcl("42"));
    }
}
