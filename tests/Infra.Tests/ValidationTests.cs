using DatabricksAccess.Topology.Model;
using Moq;
using Pulumi;
using Pulumi.Testing;

namespace DatabricksAccess.Infra.Tests;

/// <summary>Invalid config, policy violations and missing secrets fail the run before anything is registered.</summary>
public sealed class ValidationTests
{
    [Fact]
    public async Task An_invalid_topology_registers_nothing_and_names_the_config_path()
    {
        var file = StackRun.Load("dev", text => text.Edit("          - group:data-scientists\n", "          - group:data-scientists\n          - group:nope\n"));

        var (mocks, error) = await RunExpectingFailure("dev", file, StackRun.Now);

        Assert.Contains("topology.groups.data-engineers.members[2]: member group:nope is not declared in topology.groups", error, StringComparison.Ordinal);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
        mocks.Verify(m => m.CallAsync(It.IsAny<MockCallArgs>()), Times.Never);
    }

    [Fact]
    public async Task A_policy_violation_registers_nothing_and_gives_the_check_text()
    {
        // 20 hours of admin access ahead, against prod's 12-hour limit.
        var (mocks, error) = await RunExpectingFailure("prod", StackRun.Load("prod"), new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

        Assert.Contains(
            "topology.groups.platform-admins.members[0].expires: policy admin-duration: admin access for user:oncall@contoso.com",
            error, StringComparison.Ordinal);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    [Fact]
    public async Task A_revocation_run_builds_the_plan_despite_a_policy_violation()
    {
        // The same 20-hour admin access that fails a normal run (above) must not block the scheduled rotation.
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var run = await StackRun.RunAsync("prod", StackRun.Load("prod"), now, new AccessMocks(), key => Output.CreateSecret(StackRun.ConfigValue(key)), revocationRun: true);

        Assert.Contains(run.Expected.Diagnostics, d => d.Severity == Topology.Model.Severity.Violation);
        Assert.Equal(
            run.Plan.AllResources.Select(r => r.Resource.Name).Order(StringComparer.Ordinal),
            run.Observed.Select(o => o.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_revocation_run_still_stops_on_invalid_config()
    {
        var file = StackRun.Load("dev", text => text.Edit("          - group:data-scientists\n", "          - group:data-scientists\n          - group:nope\n"));
        var mocks = new Mock<IMocks>();
        var error = await Assert.ThrowsAsync<RunException>(() =>
            StackRun.RunAsync("dev", file, StackRun.Now, mocks.Object, key => Output.CreateSecret(StackRun.ConfigValue(key)), revocationRun: true));

        Assert.Contains("topology.groups.data-engineers.members[2]: member group:nope is not declared in topology.groups", Flatten(error), StringComparison.Ordinal);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    [Fact]
    public async Task Every_error_is_reported_one_per_line()
    {
        var file = StackRun.Load("dev", text => text
            .Edit("          - group:data-scientists\n", "          - group:data-scientists\n          - group:nope\n")
            .Edit("        runAs: webapp:notebook-runner\n", "        runAs: sp:ghost\n"));

        var (_, error) = await RunExpectingFailure("dev", file, StackRun.Now);

        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("topology.groups.data-engineers.members[2]:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("topology.jobs.nightly-etl.runAs:", StringComparison.Ordinal) && l.Contains("sp:ghost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_secret_config_key_registers_nothing()
    {
        var mocks = new Mock<IMocks>();
        var error = await Assert.ThrowsAsync<RunException>(() => StackRun.RunAsync("dev", StackRun.Load("dev"), StackRun.Now, mocks.Object,
            key => throw new InvalidOperationException($"Missing required configuration variable 'databricks-access:{key}'")));

        // The program's unhandled exception, named by type and message, as the engine reports it.
        Assert.Contains("System.InvalidOperationException: Missing required configuration variable 'databricks-access:publishingApiToken'", Flatten(error), StringComparison.Ordinal);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
        mocks.Verify(m => m.CallAsync(It.IsAny<MockCallArgs>()), Times.Never);
    }

    private static async Task<(Mock<IMocks> Mocks, string Error)> RunExpectingFailure(string stack, Topology.Config.StackFile file, DateTimeOffset now)
    {
        var mocks = new Mock<IMocks>();
        var error = await Assert.ThrowsAsync<RunException>(() =>
            StackRun.RunAsync(stack, file, now, mocks.Object, key => Output.CreateSecret(StackRun.ConfigValue(key))));
        return (mocks, Flatten(error));
    }

    private static string Flatten(Exception error) => error is AggregateException all
        ? string.Join('\n', all.InnerExceptions.Select(e => e.Message))
        : error.Message;
}
