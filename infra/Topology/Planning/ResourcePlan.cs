using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>Which Databricks provider a resource is registered with (None: Azure, Random, components).</summary>
public enum ProviderScope
{
    None,
    Workspace,
    Account,
}

/// <summary>One resource the program registers: Pulumi type token and stable logical name.</summary>
public sealed record PlannedResource(string Type, string Name, ProviderScope Provider = ProviderScope.None, bool Protect = false)
{
    /// <summary>An identity's workspace entitlements (workspace provider) and workspace assignment (account provider).</summary>
    internal static IEnumerable<PlannedResource> WorkspaceSettings(string? entitlements, string? assignment)
    {
        if (entitlements is not null)
        {
            yield return new(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace);
        }

        if (assignment is not null)
        {
            yield return new(PulumiTypes.MwsPermissionAssignment, assignment, ProviderScope.Account);
        }
    }
}

/// <summary>A data-source lookup the program makes (no resource is registered for it).</summary>
public sealed record PlannedLookup(string Token, string Subject, ProviderScope Provider);

public interface IComponentPlan
{
    string Type { get; }

    string Name { get; }

    IEnumerable<PlannedResource> Resources { get; }
}

public sealed record WebAppPlan(
    WebAppSpec Spec,
    string Name,
    string PlanTier,
    IReadOnlyList<string> TriggeredJobs,
    ProviderScope SpProvider,
    bool Protect) : IComponentPlan
{
    public string Type => PulumiTypes.WebAppComponent;

    public string PlanResource => $"{Name}-plan";

    public string IdentityResource => $"{Name}-identity";

    public string SiteResource => $"{Name}-site";

    public string SpResource => $"{Name}-sp";

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 ? $"{Name}-entitlements" : null;

    public string? AssignmentResource => Spec.HasWorkspaceAssignment ? $"{Name}-assignment" : null;

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            yield return new(PulumiTypes.AppServicePlan, PlanResource);
            if (Spec.Identity == WebAppIdentityKind.UserAssigned)
            {
                yield return new(PulumiTypes.UserAssignedIdentity, IdentityResource, Protect: Protect);
            }

            yield return new(PulumiTypes.WebApp, SiteResource);
            yield return new(PulumiTypes.ServicePrincipal, SpResource, SpProvider, Protect);
            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource))
            {
                yield return r;
            }
        }
    }
}

/// <summary>A credential rotated by time bucket: the keeper changes once per period and forces a replacement.</summary>
public sealed record Rotation(int PeriodDays, DateOnly BucketStart, DateOnly NextRotation)
{
    public string Keeper => $"rotation-{BucketStart:yyyy-MM-dd}";

    public static Rotation At(DateTimeOffset now, int periodDays)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        var bucket = Math.DivRem(day, periodDays, out var rem) - (rem < 0 ? 1 : 0);
        var start = DateOnly.FromDateTime(DateTime.UnixEpoch).AddDays(bucket * periodDays);
        return new Rotation(periodDays, start, start.AddDays(periodDays));
    }
}

public sealed record ServicePrincipalPlan(
    ServicePrincipalSpec Spec,
    string Name,
    ProviderScope SpProvider,
    Rotation? OAuthRotation,
    int? OAuthLifetimeDays,
    Rotation? TokenRotation,
    bool Protect) : IComponentPlan
{
    public string Type => PulumiTypes.ServicePrincipalComponent;

    public bool Creates => Spec.Source == IdentitySource.Managed;

    public string SpResource => $"{Name}-sp";

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 ? $"{Name}-entitlements" : null;

    public string? AssignmentResource => Spec.HasWorkspaceAssignment ? $"{Name}-assignment" : null;

    public string? OAuthSecretResource => Spec.OAuthSecret is null ? null : $"{Name}-oauth-secret";

    public string? TokenResource => Spec.Token is null ? null : $"{Name}-token";

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            if (Creates)
            {
                yield return new(PulumiTypes.ServicePrincipal, SpResource, SpProvider, Protect);
            }

            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource))
            {
                yield return r;
            }

            if (OAuthSecretResource is { } o)
            {
                yield return new(PulumiTypes.ServicePrincipalSecret, o, SpProvider);
            }

            if (TokenResource is { } t)
            {
                yield return new(PulumiTypes.OboToken, t, ProviderScope.Workspace);
            }
        }
    }
}

public sealed record MemberPlan(Membership Membership, string ResourceName);

public sealed record GroupPlan(
    GroupSpec Spec,
    string Name,
    ProviderScope GroupProvider,
    IReadOnlyList<MemberPlan> Members,
    bool Protect) : IComponentPlan
{
    public string Type => PulumiTypes.GroupComponent;

    public bool Creates => Spec.IsManaged;

    /// <summary>Looked-up groups report members the stack does not declare (drift).</summary>
    public bool ReportsUnmanagedMembers => Spec.Source == IdentitySource.Existing;

    public string GroupResource => $"{Name}-group";

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 ? $"{Name}-entitlements" : null;

    public string? AssignmentResource => Spec.HasWorkspaceAssignment ? $"{Name}-assignment" : null;

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            if (Creates)
            {
                yield return new(PulumiTypes.Group, GroupResource, GroupProvider, Protect);
            }

            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource))
            {
                yield return r;
            }

            foreach (var m in Members)
            {
                yield return new(PulumiTypes.GroupMember, m.ResourceName, GroupProvider);
            }
        }
    }
}

public sealed record AclPlan(SecretAclSpec Acl, string ResourceName);

public sealed record SecretPlan(SecretSpec Secret, string ResourceName, string? PasswordResource);

public sealed record ScopePlan(
    SecretScopeSpec Spec,
    string Name,
    IReadOnlyList<AclPlan> Acls,
    IReadOnlyList<SecretPlan> Secrets,
    bool Protect) : IComponentPlan
{
    public string Type => PulumiTypes.ScopeComponent;

    public string ScopeResource => $"{Name}-scope";

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            yield return new(PulumiTypes.SecretScope, ScopeResource, ProviderScope.Workspace, Protect);
            foreach (var a in Acls)
            {
                yield return new(PulumiTypes.SecretAcl, a.ResourceName, ProviderScope.Workspace);
            }

            foreach (var s in Secrets)
            {
                if (s.PasswordResource is { } p)
                {
                    yield return new(PulumiTypes.RandomPassword, p);
                }

                yield return new(PulumiTypes.Secret, s.ResourceName, ProviderScope.Workspace);
            }
        }
    }
}

public sealed record GrantPrincipal(PrincipalRef Principal, IReadOnlyList<string> Privileges);

public sealed record SecurableGrantPlan(Securable On, IReadOnlyList<GrantPrincipal> Grants, string ResourceName);

public sealed record CatalogGrantsPlan(string Name, IReadOnlyList<SecurableGrantPlan> Securables) : IComponentPlan
{
    public string Type => PulumiTypes.GrantsComponent;

    public IEnumerable<PlannedResource> Resources =>
        Securables.Select(s => new PlannedResource(PulumiTypes.Grants, s.ResourceName, ProviderScope.Workspace));
}

public sealed record JobPlan(JobSpec Spec, string Name) : IComponentPlan
{
    public string Type => PulumiTypes.JobComponent;

    public string JobResource => $"{Name}-job";

    /// <summary>Null when nobody is granted anything on the job: Databricks rejects an empty permission list.</summary>
    public string? PermissionsResource => Spec.Permissions.Any() ? $"{Name}-permissions" : null;

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            yield return new(PulumiTypes.Job, JobResource, ProviderScope.Workspace);
            if (PermissionsResource is { } p)
            {
                yield return new(PulumiTypes.Permissions, p, ProviderScope.Workspace);
            }
        }
    }
}

public sealed record ExpiringMembership(string Group, PrincipalRef Principal, DateTimeOffset Expires, string? Reason, string Path);

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
                yield return new(PulumiTypes.Permissions, t, ProviderScope.Workspace);
            }
        }
    }

    /// <summary>Every registered resource, components included, as (component name, resource).</summary>
    public IEnumerable<(string Component, PlannedResource Resource)> AllResources =>
        StackResources.Select(r => (StackComponent, r))
            .Concat(Components.SelectMany(c => c.Resources.Prepend(new PlannedResource(c.Type, c.Name)).Select(r => (c.Name, r))));
}
