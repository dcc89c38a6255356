using System.Collections.Immutable;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;
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
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task A_refresh_right_after_a_deploy_proposes_no_change(string stack)
    {
        var program = await ProgramAsync(stack);
        var estate = new Estate();
        var state = Deploy(estate, program);
        var before = estate.Facts();

        // Not vacuous: the deploy left entitlements on a group, a service principal and a web app's identity, held by
        // their own fields (dev: workspace level) or by Entitlements resources (prod: account level), and both levels.
        string[] holders = ["group-data-scientists", "sp-ci-deployer", "webapp-notebook-runner"];
        foreach (var holder in holders)
        {
            var principal = program.Resources.Single(r => r.Type is Topology.Planning.PulumiTypes.Group or Topology.Planning.PulumiTypes.ServicePrincipal
                && r.Name.StartsWith(holder + "-", StringComparison.Ordinal) && !r.Name.EndsWith("-rule-set", StringComparison.Ordinal));
            Assert.Equal(stack == "prod", principal.AccountLevel);
            var carrier = stack == "dev" ? principal : program.Resources.Single(r => r.Type == Topology.Planning.PulumiTypes.Entitlements && r.Name.StartsWith(holder + "-", StringComparison.Ordinal));
            Assert.Contains(ProviderSchema.EntitlementField.Values, f => carrier.Inputs.GetValueOrDefault(f) is true);
            Assert.Contains(before, f => f.StartsWith($"entitlement|{principal.Id}|", StringComparison.Ordinal));
        }

        var refreshed = Engine.Refresh(state, estate);
        var steps = Engine.Plan(refreshed, program, estate);
        Assert.True(steps.Count == 0, "after a refresh: " + string.Join("; ", steps.Select(s => $"{s.Op} {s.Resource.Name} ({s.Why})")));
        Engine.Apply(estate, steps);
        Assert.Equal(before, estate.Facts());
    }

    /// <summary>
    /// The control for the test above: dev as the program registered it before the handover (each workspace-level
    /// principal's fields left at their Default, an Entitlements resource beside it). A refresh fills the principals'
    /// fields from the live entitlements [fact: scim-entitlement-fields] [fact: engine-refresh-reads], the program plans
    /// them false, and the update would PUT each principal without them [fact: scim-principal-writes-entitlements]: drift
    /// on every run.
    /// </summary>
    [Fact]
    [Trait("fact", "scim-entitlement-fields")]
    [Trait("fact", "engine-refresh-reads")]
    [Trait("fact", "scim-principal-writes-entitlements")]
    public async Task Before_the_handover_a_refresh_proposes_updates_that_would_wipe_the_entitlements()
    {
        var legacy = Legacy(await ProgramAsync("dev", mocks: After(null)));
        var estate = new Estate();
        var state = Deploy(estate, legacy);
        var steps = Engine.Plan(Engine.Refresh(state, estate), legacy, estate);
        Assert.Contains(steps, s => s.Op == "update" && s.Resource.Name.StartsWith("webapp-notebook-runner-", StringComparison.Ordinal));
        Assert.All(steps, s => Assert.True(s.Op == "update" && s.Resource.Type is Topology.Planning.PulumiTypes.Group or Topology.Planning.PulumiTypes.ServicePrincipal
            && s.Why.Split(',').All(ProviderSchema.EntitlementField.Values.Contains), $"{s.Op} {s.Resource.Name} ({s.Why})"));
        var held = estate.Facts().Count(f => f.StartsWith("entitlement|", StringComparison.Ordinal));
        Engine.Apply(estate, steps);
        Assert.True(estate.Facts().Count(f => f.StartsWith("entitlement|", StringComparison.Ordinal)) < held);
    }

    /// <summary>The outputs of a deployment that predates the handover (no <c>retiredEntitlements</c>), or one that records it.</summary>
    private static AccessMocks After(IEnumerable<string>? retired) => new()
    {
        PreviousOutputs = retired is null
            ? System.Collections.Immutable.ImmutableDictionary<string, object>.Empty.Add("secretScopes", System.Collections.Immutable.ImmutableArray.Create<object>("app-secrets"))
            : System.Collections.Immutable.ImmutableDictionary<string, object>.Empty.Add("secretScopes", System.Collections.Immutable.ImmutableArray.Create<object>("app-secrets"))
                .Add(Topology.Model.EntitlementsHandover.OutputName, retired.Cast<object>().ToImmutableArray()),
    };

    /// <summary>
    /// The dev state the program before the handover left: each workspace-level principal's entitlements held by an
    /// Entitlements resource (kept on delete: no), the principal's own fields at their Default.
    /// </summary>
    private static Deployed Legacy(Deployed handover)
    {
        return new Deployed
        {
            Resources = handover.Resources.Select(r =>
            {
                if (r.Type == Topology.Planning.PulumiTypes.Entitlements && r.Options.RetainOnDelete)
                {
                    return r with { Options = r.Options with { RetainOnDelete = false } };
                }

                if (r.Type is Topology.Planning.PulumiTypes.Group or Topology.Planning.PulumiTypes.ServicePrincipal)
                {
                    var inputs = r.Inputs.RemoveRange(ProviderSchema.EntitlementField.Values);
                    return r with { Inputs = inputs, Outputs = Engine.WithDefaults(r.Type, inputs, r.Outputs.RemoveRange(ProviderSchema.EntitlementField.Values)) };
                }

                return r;
            }).ToList(),
        };
    }

    /// <summary>
    /// The handover on a deployed dev workspace: the first run registers the old Entitlements resources once more,
    /// unchanged and kept on delete, while the principals take their fields over; the next run leaves them out and the
    /// engine only forgets them. No entitlement is lost at any step. Leaving them out at once would delete them after the
    /// principals' updates (Delete is a PATCH remove [fact: entitlements-patch-replace]), and the principals' Read would
    /// never notice.
    /// </summary>
    [Fact]
    [Trait("fact", "entitlements-patch-replace")]
    [Trait("fact", "engine-retain-on-delete-old-state")]
    public async Task Principals_take_their_entitlements_over_without_losing_one()
    {
        var first = await ProgramAsync("dev", mocks: After(null));
        var retiring = first.Resources.Where(r => r.Type == Topology.Planning.PulumiTypes.Entitlements).ToList();
        Assert.Equal(5, retiring.Count);
        Assert.All(retiring, r => Assert.True(r.Options.RetainOnDelete));

        var legacy = Legacy(first);
        var estate = new Estate();
        Engine.Apply(estate, Engine.Plan(Nothing, legacy, estate));
        var entitled = estate.Facts().Where(f => f.StartsWith("entitlement|", StringComparison.Ordinal)).ToList();
        Assert.Equal(9, entitled.Count);

        void Holds(int i, Step s) =>
            Assert.True(entitled.All(estate.Facts().Contains), $"after step {i} ({s.Op} {s.Resource.Name}) an entitlement is missing");

        var steps = Engine.Plan(legacy, first, estate);
        Assert.DoesNotContain(steps, s => s.Resource.Type == Topology.Planning.PulumiTypes.Entitlements);
        Engine.Apply(estate, steps, Holds);
        var state = Engine.StateAfter(legacy, first, steps);

        var second = await ProgramAsync("dev", mocks: After(retiring.Select(r => r.Name)));
        Assert.DoesNotContain(second.Resources, r => r.Type == Topology.Planning.PulumiTypes.Entitlements);
        var next = Engine.Plan(Engine.Refresh(state, estate), second, estate);
        Assert.Equal(retiring.Select(r => ("forget", r.Name)).OrderBy(x => x.Name), next.Select(s => (s.Op, s.Resource.Name)).OrderBy(x => x.Name));
        Engine.Apply(estate, next, Holds);

        // Without the handover the old resources are deleted after the principals' updates, and the entitlements go.
        var lost = new Estate();
        Engine.Apply(lost, Engine.Plan(Nothing, legacy, lost));
        Engine.Apply(lost, Engine.Plan(legacy, second, lost));
        Assert.DoesNotContain(lost.Facts(), f => f.StartsWith("entitlement|", StringComparison.Ordinal));
    }

    /// <summary>
    /// Prod's shared warehouse, owned by platform-lead@contoso.com and created by someone else: the first up, a refresh
    /// and the next up leave its owner as it is (the program declares the owner as IS_OWNER). Without that entry the
    /// provider makes the deployer the owner [fact: permissions-owner-added], which the same simulator shows.
    /// </summary>
    [Fact]
    [Trait("fact", "permissions-owner-added")]
    public async Task A_warehouse_owned_by_someone_else_keeps_its_owner()
    {
        var program = await ProgramAsync("prod");
        var permissions = program["warehouse-shared-sql-permissions"];
        var warehouse = Convert.ToString(permissions.Inputs["sqlEndpointId"], System.Globalization.CultureInfo.InvariantCulture)!;
        var estate = new Estate { Caller = "4f6e2d1c-0b9a-4837-a6b5-c4d3e2f1a0b9" };
        estate.Warehouse(warehouse, "creator@contoso.com", ("userName", "platform-lead@contoso.com", "IS_OWNER"), ("groupName", "analysts", "CAN_USE"));

        var state = Deploy(estate, program);
        Assert.Equal("platform-lead@contoso.com", estate.WarehouseOwner(warehouse));
        Assert.Empty(Engine.Plan(Engine.Refresh(state, estate), program, estate));
        Assert.Equal("platform-lead@contoso.com", estate.WarehouseOwner(warehouse));

        // The program without the owner entry (what it registered before): the deployer becomes the owner.
        var ownerless = new Deployed
        {
            Resources = program.Resources.Select(r => r.Name != permissions.Name ? r : r with
            {
                Inputs = r.Inputs.SetItem("accessControls", ((IEnumerable<object>)r.Inputs["accessControls"]).OfType<IReadOnlyDictionary<string, object?>>()
                    .Where(c => !Equals(c["permissionLevel"], "IS_OWNER")).Cast<object>().ToImmutableArray()),
            }).ToList(),
        };
        var taken = new Estate { Caller = estate.Caller };
        taken.Warehouse(warehouse, "creator@contoso.com", ("userName", "platform-lead@contoso.com", "IS_OWNER"));
        Deploy(taken, ownerless);
        Assert.Equal(estate.Caller, taken.WarehouseOwner(warehouse));
    }
}
