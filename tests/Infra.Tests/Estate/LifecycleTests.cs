using DatabricksAccess.Topology.Config;
using Pulumi;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// The engine's lifecycle on the simulated estate: a deploy, then a refresh (every resource Read back) and the next
/// preview; an import (Read, then the program diffed against what was read).
/// </summary>
public sealed class LifecycleTests
{
    internal static async Task<Deployed> ProgramAsync(string stack, StackFile? file = null, DateTimeOffset? now = null, AccessMocks? mocks = null) =>
        await Deployed.FromAsync(await StackRun.RunAsync(stack, file ?? StackRun.Load(stack), now ?? StackRun.Now, mocks ?? new AccessMocks(),
            key => Output.Create(StackRun.ConfigValue(key))));

    internal static readonly Deployed Nothing = new() { Resources = [] };

    /// <summary>Deploys <paramref name="program"/> on <paramref name="estate"/> from nothing; returns the state it leaves.</summary>
    internal static Deployed Deploy(Estate estate, Deployed program)
    {
        var steps = Engine.Plan(Nothing, program, estate);
        Engine.Apply(estate, steps);
        return Engine.StateAfter(Nothing, program, steps);
    }

    [Theory]
    [InlineData("prod")]
    public async Task A_refresh_right_after_a_deploy_proposes_no_change(string stack)
    {
        var program = await ProgramAsync(stack);
        var estate = new Estate();
        var state = Deploy(estate, program);
        var before = estate.Facts();

        var refreshed = Engine.Refresh(state, estate);
        var steps = Engine.Plan(refreshed, program, estate);
        Assert.True(steps.Count == 0, "after a refresh: " + string.Join("; ", steps.Select(s => $"{s.Op} {s.Resource.Name} ({s.Why})")));
        Engine.Apply(estate, steps);
        Assert.Equal(before, estate.Facts());
    }
}
