using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

public sealed record ExpiringMembership(string Group, PrincipalRef Principal, DateTimeOffset Expires, string? Reason, string Path)
{
    /// <summary>The membership's <c>starts</c>, when it has one: the hourly job adds such a membership once it has started.</summary>
    public DateTimeOffset? Starts { get; init; }
}

/// <summary>
/// Everything the Pulumi program will declare, with every name decided here. The program only materializes it,
/// and its mock tests check that it registers exactly <see cref="AllResources"/>.
/// </summary>
public sealed record ResourcePlan(
    string? ResourceGroupResource,
    string? AccountProviderResource,
    string? TokenUsageResource,
    IReadOnlyList<WebAppPlan> WebApps,
    IReadOnlyList<ServicePrincipalPlan> ServicePrincipals,
    IReadOnlyList<GroupPlan> Groups,
    IReadOnlyList<ScopePlan> Scopes,
    CatalogGrantsPlan? Grants,
    IReadOnlyList<JobPlan> Jobs,
    IReadOnlyList<PlannedLookup> Lookups,
    IReadOnlyList<ExpiringMembership> ExpiringSoon,
    IReadOnlyList<ExpiredMembership> Expired)
{
    public const string StackComponent = "stack";

    /// <summary>Every active time-bound membership (the access review), soonest expiry first.</summary>
    public IReadOnlyList<ExpiringMembership> TimeBound { get; init; } = [];

    /// <summary>Every user the program looks up before it registers anything (members, ACLs, grants, job permissions).</summary>
    public IReadOnlyList<UserLookup> UserLookups { get; init; } = [];

    /// <summary>Users the lookups did not find (empty until the program has looked them up).</summary>
    public IReadOnlyList<UnresolvedPrincipal> Unresolved { get; init; } = [];

    /// <summary>The principals the token permissions allow, when the stack manages them.</summary>
    public IReadOnlyList<PrincipalRef> TokenUsers { get; init; } = [];

    /// <summary>The workspace token policy (<c>topology.tokenPolicy</c>), when the stack manages it.</summary>
    public string? TokenPolicyResource { get; init; }

    /// <summary>The workspace's <c>maxTokenLifetimeDays</c> when <see cref="TokenPolicyResource"/> is planned.</summary>
    public int? TokenMaxLifetimeDays { get; init; }

    /// <summary>Existing SQL warehouses whose permissions the stack manages.</summary>
    public IReadOnlyList<WarehousePlan> Warehouses { get; init; } = [];

    /// <summary>Account users assigned to the workspace directly (<c>topology.users</c>), those the lookup found.</summary>
    public IReadOnlyList<UserAssignmentPlan> UserAssignments { get; init; } = [];

    /// <summary>Import ids by resource name (<c>topology.imports</c>); <see cref="AllResources"/> carries them.</summary>
    public IReadOnlyDictionary<string, string> ImportIds { get; init; } = new Dictionary<string, string>();

    /// <summary><paramref name="resources"/> with the import id of each one that has one.</summary>
    public IEnumerable<PlannedResource> WithImportIds(IEnumerable<PlannedResource> resources) =>
        ImportIds.Count == 0 ? resources : resources.Select(r => ImportIds.TryGetValue(r.Name, out var id) ? r with { ImportId = id } : r);

    /// <summary>
    /// Authoritative resources, per-principal resources of principals the stack does not create, and what confers
    /// account-wide power, with what an apply revokes beyond what is declared (<see cref="PlannedResource.InBlastRadius"/>).
    /// </summary>
    public IEnumerable<(string Component, PlannedResource Resource)> BlastRadius =>
        AllResources.Where(r => r.Resource.InBlastRadius);

    public IEnumerable<IComponentPlan> Components =>
        WebApps.Cast<IComponentPlan>().Concat(ServicePrincipals).Concat(Groups).Concat(Scopes)
            .Concat(Grants is null ? [] : [Grants]).Concat(Jobs);

    public IEnumerable<PlannedResource> StackResources
    {
        get
        {
            if (AccountProviderResource is { } a)
            {
                yield return new(PulumiTypes.DatabricksProvider, a);
            }

            if (ResourceGroupResource is { } rg)
            {
                yield return new(PulumiTypes.ResourceGroup, rg);
            }

            if (TokenUsageResource is { } t)
            {
                yield return new(PulumiTypes.Permissions, t, ProviderScope.Workspace, Protect: true)
                {
                    Authority = Authority.Authoritative,
                    Revokes = "token use of everyone not listed, and their tokens (deleted at once); a delete leaves token use to admins only",
                };
            }

            if (TokenPolicyResource is { } policy)
            {
                // A PATCH of workspace conf key maxTokenLifetimeDays, whatever it was; a delete sets it to "" (no limit)
                // [fact: workspace-conf-patch].
                yield return new(PulumiTypes.WorkspaceConf, policy, ProviderScope.Workspace, Protect: true)
                {
                    Authority = Authority.Authoritative,
                    RetainOnDelete = true,
                    Revokes = $"any other maximum lifetime of new tokens set on the workspace: it becomes {TokenMaxLifetimeDays} days (workspace conf maxTokenLifetimeDays); a removal from config leaves it as it is",
                };
            }

            foreach (var warehouse in Warehouses)
            {
                yield return warehouse.Resource;
            }

            foreach (var user in UserAssignments)
            {
                yield return user.Resource;
            }
        }
    }

    /// <summary>Every registered resource, components included, as (component name, resource).</summary>
    public IEnumerable<(string Component, PlannedResource Resource)> AllResources =>
        WithImportIds(StackResources).Select(r => (StackComponent, r))
            .Concat(Components.SelectMany(c => WithImportIds(c.Resources).Prepend(new PlannedResource(c.Type, c.Name)).Select(r => (c.Name, r))));
}
