using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>Which Databricks provider a resource is registered with (None: Azure, Random, components).</summary>
public enum ProviderScope
{
    None,
    Workspace,
    Account,
}

/// <summary>
/// What a resource may change on a live workspace (README "What the stack owns"):
/// <see cref="Owned"/> acts on an object this stack creates; <see cref="Additive"/> adds exactly what is declared to
/// an object the stack does not own and removes only that; <see cref="Authoritative"/> replaces all state of an object
/// the stack does not own (only with an explicit opt-in, always protected, always in the blast radius).
/// </summary>
public enum Authority
{
    Owned,
    Additive,
    Authoritative,
}

/// <summary>
/// One resource the program registers: Pulumi type token, stable logical name, provider and every resource option
/// the program applies. <see cref="DeleteBeforeReplace"/> follows from the type (<see cref="ResourceTraits"/>).
/// </summary>
public sealed record PlannedResource(string Type, string Name, ProviderScope Provider = ProviderScope.None, bool Protect = false)
{
    public Authority Authority { get; init; } = Authority.Owned;

    /// <summary>A delete (removal from config) leaves the object as it is and only forgets it.</summary>
    public bool RetainOnDelete { get; init; }

    /// <summary>The provider's id survives a replacement: the old object is deleted before the new one is created.</summary>
    public bool DeleteBeforeReplace => ResourceTraits.DeleteBeforeReplace(Type);

    /// <summary>For authoritative resources: what an apply revokes beyond what is declared.</summary>
    public string? Revokes { get; init; }

    /// <summary>
    /// The provider's import id when the object already exists (<c>topology.imports</c>, written by <c>adopt</c>): the
    /// program passes it as Pulumi's <c>ImportId</c> option. Null for what the stack creates.
    /// </summary>
    public string? ImportId { get; init; }

    /// <summary>An identity's workspace entitlements (workspace provider) and workspace assignment (account provider).</summary>
    internal static IEnumerable<PlannedResource> WorkspaceSettings(string? entitlements, string? assignment, IdentityOwnership ownership)
    {
        if (entitlements is not null)
        {
            yield return ownership switch
            {
                IdentityOwnership.Owned => new(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace),
                IdentityOwnership.BuiltIn => new(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace, Protect: true)
                {
                    Authority = Authority.Authoritative,
                    RetainOnDelete = true,
                    Revokes = "entitlements beyond those declared, for every workspace identity (all of them reach it through this built-in group)",
                },
                _ => new(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace) { Authority = Authority.Additive, RetainOnDelete = true },
            };
        }

        if (assignment is not null)
        {
            yield return ownership == IdentityOwnership.Owned
                ? new(PulumiTypes.MwsPermissionAssignment, assignment, ProviderScope.Account)
                : new(PulumiTypes.MwsPermissionAssignment, assignment, ProviderScope.Account, Protect: true) { Authority = Authority.Additive, RetainOnDelete = true };
        }
    }
}

/// <summary>Who owns an identity whose workspace settings the stack manages.</summary>
public enum IdentityOwnership
{
    /// <summary>Created by this stack.</summary>
    Owned,

    /// <summary>Looked up (existing, or synced from Entra ID): shared with whoever owns it.</summary>
    Shared,

    /// <summary>The built-in <c>users</c> / <c>admins</c> group: everyone in the workspace reaches it.</summary>
    BuiltIn,
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

    /// <summary>The rule set that lets the deployer act as this principal (jobs run as it); null when not managed.</summary>
    public string? RuleSetResource { get; init; }

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
            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource, IdentityOwnership.Owned))
            {
                yield return r;
            }

            if (RuleSetResource is { } rules)
            {
                yield return new(PulumiTypes.AccessControlRuleSet, rules, ProviderScope.Account);
            }
        }
    }
}

public sealed record ServicePrincipalPlan(
    ServicePrincipalSpec Spec,
    string Name,
    ProviderScope SpProvider,
    IReadOnlyList<CredentialPlan> Credentials,
    bool Protect) : IComponentPlan
{
    public string Type => PulumiTypes.ServicePrincipalComponent;

    public bool Creates => Spec.Source == IdentitySource.Managed;

    public string SpResource => $"{Name}-sp";

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 ? $"{Name}-entitlements" : null;

    public string? AssignmentResource => Spec.HasWorkspaceAssignment ? $"{Name}-assignment" : null;

    public CredentialPlan? OAuthSecret => Credentials.FirstOrDefault(c => c.Spec.Kind == CredentialKind.OAuthSecret);

    public CredentialPlan? Token => Credentials.FirstOrDefault(c => c.Spec.Kind == CredentialKind.Token);

    /// <summary>The rule set that lets the deployer act as this principal (job run-as, tokens); null when not managed.</summary>
    public string? RuleSetResource { get; init; }

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            if (Creates)
            {
                yield return new(PulumiTypes.ServicePrincipal, SpResource, SpProvider, Protect);
            }

            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource, Creates ? IdentityOwnership.Owned : IdentityOwnership.Shared))
            {
                yield return r;
            }

            if (RuleSetResource is { } rules)
            {
                yield return new(PulumiTypes.AccessControlRuleSet, rules, ProviderScope.Account);
            }

            foreach (var credential in Credentials)
            {
                foreach (var slot in credential.Slots)
                {
                    yield return new(credential.Type, slot.ResourceName, credential.Provider);
                }
            }
        }
    }
}

public sealed record MemberPlan(Membership Membership, string ResourceName);

/// <summary>A member of a looked-up group that the stack accounts for without a membership resource.</summary>
/// <param name="Principal">An identity of the stack, or null for the deployer.</param>
/// <param name="ApplicationId">The deployer's application id (when <paramref name="Principal"/> is null).</param>
public sealed record ImplicitMember(PrincipalRef? Principal, string? ApplicationId, string Why);

/// <summary>A user lookup: users come from Entra ID sync and are never created here.</summary>
public sealed record UserLookup(string Email, ProviderScope Scope);

/// <summary>A declared user the lookup did not find: everything declared for them is skipped, and reported.</summary>
public sealed record UnresolvedPrincipal(string Email, ProviderScope Scope, IReadOnlyList<string> Paths);

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

    /// <summary>
    /// Members the stack puts into the group without a membership resource, so they are not unmanaged: for
    /// <c>admins</c>, identities assigned <c>workspaceAccess: admin</c> (Databricks adds them) and the deployer.
    /// </summary>
    public IReadOnlyList<ImplicitMember> ImplicitMembers { get; init; } = [];

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

            var ownership = Creates ? IdentityOwnership.Owned : Spec.IsBuiltIn ? IdentityOwnership.BuiltIn : IdentityOwnership.Shared;
            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource, ownership))
            {
                yield return r;
            }

            foreach (var m in Members)
            {
                // A member added to a group the stack does not own is removed on delete, and only that member.
                yield return new(PulumiTypes.GroupMember, m.ResourceName, GroupProvider) { Authority = Creates ? Authority.Owned : Authority.Additive };
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

                // Databricks cannot write into a Key Vault-backed scope: the secret goes into the vault itself, which
                // the stack does not own (it adds that one secret).
                yield return Spec.Backend == ScopeBackend.AzureKeyVault
                    ? new(PulumiTypes.KeyVaultSecret, s.ResourceName) { Authority = Authority.Additive }
                    : new(PulumiTypes.Secret, s.ResourceName, ProviderScope.Workspace);
            }
        }
    }
}

public sealed record GrantPrincipal(PrincipalRef Principal, IReadOnlyList<string> Privileges);

/// <summary>
/// The grants on one securable. Additive by default: one <c>Grant</c> per principal (<see cref="PrincipalResources"/>),
/// authoritative only for that principal there. With the securable in <c>topology.authoritativeGrants</c>: one
/// protected <c>Grants</c> (<see cref="ResourceName"/>) that revokes every undeclared grant.
/// </summary>
public sealed record SecurableGrantPlan(Securable On, IReadOnlyList<GrantPrincipal> Grants, string ResourceName, bool Authoritative)
{
    public string PrincipalResource(GrantPrincipal grant) => $"{ResourceName}-{grant.Principal.NameFragment}";

    public IEnumerable<PlannedResource> Resources => Authoritative
        ? [new PlannedResource(PulumiTypes.Grants, ResourceName, ProviderScope.Workspace, Protect: true)
        {
            Authority = Authority.Authoritative,
            Revokes = $"every grant on {On} to a principal not declared here (a delete revokes every grant on it)",
        }]
        : Grants.Select(g => new PlannedResource(PulumiTypes.Grant, PrincipalResource(g), ProviderScope.Workspace) { Authority = Authority.Additive });
}

public sealed record CatalogGrantsPlan(string Name, IReadOnlyList<SecurableGrantPlan> Securables) : IComponentPlan
{
    public string Type => PulumiTypes.GrantsComponent;

    public IEnumerable<PlannedResource> Resources => Securables.SelectMany(s => s.Resources);
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

    /// <summary>Every user the program looks up before it registers anything (members, ACLs, grants, job permissions).</summary>
    public IReadOnlyList<UserLookup> UserLookups { get; init; } = [];

    /// <summary>Users the lookups did not find (empty until the program has looked them up).</summary>
    public IReadOnlyList<UnresolvedPrincipal> Unresolved { get; init; } = [];

    /// <summary>The principals the token permissions allow, when the stack manages them.</summary>
    public IReadOnlyList<PrincipalRef> TokenUsers { get; init; } = [];

    /// <summary>Import ids by resource name (<c>topology.imports</c>); <see cref="AllResources"/> carries them.</summary>
    public IReadOnlyDictionary<string, string> ImportIds { get; init; } = new Dictionary<string, string>();

    /// <summary><paramref name="resources"/> with the import id of each one that has one.</summary>
    public IEnumerable<PlannedResource> WithImportIds(IEnumerable<PlannedResource> resources) =>
        ImportIds.Count == 0 ? resources : resources.Select(r => ImportIds.TryGetValue(r.Name, out var id) ? r with { ImportId = id } : r);

    /// <summary>Authoritative resources and what an apply revokes beyond what is declared.</summary>
    public IEnumerable<(string Component, PlannedResource Resource)> BlastRadius =>
        AllResources.Where(r => r.Resource.Authority == Authority.Authoritative);

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
        }
    }

    /// <summary>Every registered resource, components included, as (component name, resource).</summary>
    public IEnumerable<(string Component, PlannedResource Resource)> AllResources =>
        WithImportIds(StackResources).Select(r => (StackComponent, r))
            .Concat(Components.SelectMany(c => WithImportIds(c.Resources).Prepend(new PlannedResource(c.Type, c.Name)).Select(r => (c.Name, r))));
}
