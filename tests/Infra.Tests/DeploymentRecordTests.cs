using System.Collections.Immutable;
using Pulumi;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// The stack output <c>deployment</c> (<see cref="DeploymentRecord"/>): the commit whose program wrote the state and
/// its evaluation instant. The scheduled jobs take the deployed commit from it; only a deploy moves it (issues 25, 31).
/// </summary>
public sealed class DeploymentRecordTests
{
    private const string Other = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Theory]
    [InlineData("1.0.0+0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567")]
    [InlineData("1.0.0-beta+build.0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567")]
    [InlineData("1.0.0", null)]
    [InlineData("1.0.0+0123456789abcdef", null)]
    [InlineData("1.0.0+0123456789ABCDEF0123456789ABCDEF01234567", null)]
    [InlineData(null, null)]
    public void The_commit_is_the_full_id_the_build_appended_to_the_informational_version(string? version, string? commit) =>
        Assert.Equal(commit, DeploymentRecord.CommitOf(version));

    [Fact]
    public void This_build_knows_its_commit()
    {
        // The SDK appends SourceRevisionId (git HEAD) to the informational version; the tests build from a checkout.
        var own = DeploymentRecord.OwnCommit();
        Assert.Matches("^[0-9a-f]{40}$", own);
    }

    [Fact]
    public async Task Every_run_records_its_commit_and_its_one_evaluation_instant()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, 5, TimeSpan.Zero);
        var run = await StackRun.RunAsync("dev", now);
        var value = Assert.IsType<Output<ImmutableDictionary<string, object?>>>(run.Outputs[DeploymentRecord.OutputName]);
        Assert.False(await Output.IsSecretAsync(value));
        var recorded = await OutputUtilities.GetValueAsync(value);
        Assert.Equal(DeploymentRecord.OwnCommit(), recorded["commit"]);
        Assert.Equal("2026-12-07T12:00:00.005Z", recorded["evaluatedAt"]);
    }

    [Fact]
    public async Task A_scheduled_run_of_another_commit_than_the_recorded_one_registers_nothing()
    {
        // The job read commit X, a deploy of Y finished before the job's update started: the update reads Y inside its
        // own update (under the stack's lock) and stops before registering anything, so it cannot write X back.
        var mocks = new AccessMocks { PreviousOutputs = Previous(Other) };
        var error = await Assert.ThrowsAsync<RunException>(() =>
            StackRun.RunAsync("dev", StackRun.Load("dev"), StackRun.Now, mocks, key => Output.Create(StackRun.ConfigValue(key)), revocationRun: true));
        Assert.Contains($"the stack was deployed from {Other} since this job read the deployed commit", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(mocks.Registrations, r => r.Type.StartsWith("databricks:", StringComparison.Ordinal));

        // The recorded commit's own program proceeds, and writes the same commit back.
        var same = new AccessMocks { PreviousOutputs = Previous(DeploymentRecord.OwnCommit()!) };
        var run = await StackRun.RunAsync("dev", StackRun.Load("dev"), StackRun.Now, same, key => Output.Create(StackRun.ConfigValue(key)), revocationRun: true);
        var value = await OutputUtilities.GetValueAsync((Output<ImmutableDictionary<string, object?>>)run.Outputs[DeploymentRecord.OutputName]!);
        Assert.Equal(DeploymentRecord.OwnCommit(), value["commit"]);

        // A deploy (not a revocation run) moves the record to its own commit.
        var deploy = await StackRun.RunAsync("dev", StackRun.Load("dev"), StackRun.Now, new AccessMocks { PreviousOutputs = Previous(Other) }, key => Output.Create(StackRun.ConfigValue(key)));
        Assert.Equal(DeploymentRecord.OwnCommit(), (await OutputUtilities.GetValueAsync((Output<ImmutableDictionary<string, object?>>)deploy.Outputs[DeploymentRecord.OutputName]!))["commit"]);
    }

    [Fact]
    public void A_stack_without_a_record_lets_the_scheduled_run_proceed()
    {
        DeploymentRecord.CheckRevocationRun(null, Other);
        DeploymentRecord.CheckRevocationRun(Other, Other);
        Assert.Throws<RunException>(() => DeploymentRecord.CheckRevocationRun(Other, null));
        Assert.Equal(Other, DeploymentRecord.CommitFromOutput(ImmutableDictionary<string, object>.Empty.Add("commit", Other).Add("evaluatedAt", "x")));
        Assert.Null(DeploymentRecord.CommitFromOutput(ImmutableDictionary<string, object>.Empty.Add("commit", "main")));
        Assert.Null(DeploymentRecord.CommitFromOutput(null));
    }

    private static ImmutableDictionary<string, object> Previous(string commit) =>
        ImmutableDictionary<string, object>.Empty.Add(DeploymentRecord.OutputName,
            ImmutableDictionary<string, object>.Empty.Add("commit", commit).Add("evaluatedAt", "2026-12-07T11:00:00Z"));
}
