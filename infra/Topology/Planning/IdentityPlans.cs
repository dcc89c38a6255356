using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

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

    /// <summary>At workspace level the principal carries its entitlements itself (<see cref="EntitlementsHandover"/>).</summary>
    public bool CarriesEntitlements => SpProvider == ProviderScope.Workspace;

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 && !CarriesEntitlements ? $"{Name}-entitlements" : null;

    /// <summary>The old Entitlements resource, registered retained on delete this run (<see cref="EntitlementsHandover"/>).</summary>
    public string? RetiringEntitlementsResource { get; init; }

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
            yield return new(PulumiTypes.ServicePrincipal, SpResource, SpProvider, Protect) { Entitlements = PlannedResource.EntitlementsOf(CarriesEntitlements, Spec.Entitlements) };
            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource, IdentityOwnership.Owned, Spec.Ref, RetiringEntitlementsResource))
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

    /// <summary>Created at workspace level: the principal carries its entitlements itself (<see cref="EntitlementsHandover"/>).</summary>
    public bool CarriesEntitlements => Creates && SpProvider == ProviderScope.Workspace;

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 && !CarriesEntitlements ? $"{Name}-entitlements" : null;

    /// <summary>The old Entitlements resource, registered retained on delete this run (<see cref="EntitlementsHandover"/>).</summary>
    public string? RetiringEntitlementsResource { get; init; }

    public string? AssignmentResource => Spec.HasWorkspaceAssignment ? $"{Name}-assignment" : null;

    public CredentialPlan? OAuthSecret => Credentials.FirstOrDefault(c => c.Spec.Kind == CredentialKind.OAuthSecret);

    public CredentialPlan? Token => Credentials.FirstOrDefault(c => c.Spec.Kind == CredentialKind.Token);

    /// <summary>
    /// The rule set that lets the deployer act as this principal (job run-as, tokens) and holds its declared managers;
    /// null when not managed.
    /// </summary>
    public string? RuleSetResource { get; init; }

    /// <summary>Each declared account role and the resource that gives it (<c>accountRoles</c>).</summary>
    public IEnumerable<(string Role, string Resource)> AccountRoles =>
        Spec.AccountRoles.Select(r => (r, $"{Name}-account-role-{r.Replace('_', '-')}"));

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            if (Creates)
            {
                yield return new(PulumiTypes.ServicePrincipal, SpResource, SpProvider, Protect) { Entitlements = PlannedResource.EntitlementsOf(CarriesEntitlements, Spec.Entitlements) };
            }

            foreach (var (role, resource) in AccountRoles)
            {
                // A SCIM PATCH that adds one role to one principal; a delete removes that role, even one given by hand
                // before [fact: sp-role-patch].
                yield return new(PulumiTypes.ServicePrincipalRole, resource, ProviderScope.Account)
                {
                    Authority = Authority.Additive,
                    Confers = role == Vocabulary.AccountAdminRole
                        ? $"{Spec.Ref} the account admin role: every workspace, identity, group and account setting of the account (a delete removes the role, also one given by hand before)"
                        : $"{Spec.Ref} the account role {role}",
                };
            }

            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource, Creates ? IdentityOwnership.Owned : IdentityOwnership.Shared, Spec.Ref,
                RetiringEntitlementsResource))
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

/// <summary>
/// A declared user, or looked-up group or service principal, the lookup did not find: everything declared for it is
/// skipped, and reported.
/// </summary>
/// <param name="Email">What was looked up: a user's email, a group's display name or a service principal's application id (see <see cref="Ref"/>).</param>
public sealed record UnresolvedPrincipal(string Email, ProviderScope Scope, IReadOnlyList<string> Paths)
{
    /// <summary>The declared group or service principal; null for a user.</summary>
    public PrincipalRef? Ref { get; init; }

    public PrincipalKind Kind => Ref?.Kind ?? PrincipalKind.User;

    /// <summary>How reports name it: <c>user:&lt;email&gt;</c>, or the declared principal (<c>group:&lt;key&gt;</c>, ...).</summary>
    public string Principal => Ref?.ToString() ?? $"user:{Email}";
}

public sealed record GroupPlan(
    GroupSpec Spec,
    string Name,
    ProviderScope GroupProvider,
    IReadOnlyList<MemberPlan> Members,
    bool Protect) : IComponentPlan
{
    public string Type => PulumiTypes.GroupComponent;

    public bool Creates => Spec.IsManaged;

    /// <summary>Looked-up groups report members the stack does not declare (drift), unless a broker grants the members.</summary>
    public bool ReportsUnmanagedMembers => Spec.Source == IdentitySource.Existing && !Spec.MembersDelegated;

    /// <summary>
    /// Members the stack puts into the group without a membership resource, so they are not unmanaged: for
    /// <c>admins</c>, identities assigned <c>workspaceAccess: admin</c> (Databricks adds them) and the deployer.
    /// </summary>
    public IReadOnlyList<ImplicitMember> ImplicitMembers { get; init; } = [];

    public string GroupResource => $"{Name}-group";

    /// <summary>Created at workspace level: the group carries its entitlements itself (<see cref="EntitlementsHandover"/>).</summary>
    public bool CarriesEntitlements => Creates && GroupProvider == ProviderScope.Workspace;

    public string? EntitlementsResource => Spec.Entitlements.Count > 0 && !CarriesEntitlements ? $"{Name}-entitlements" : null;

    /// <summary>The old Entitlements resource, registered retained on delete this run (<see cref="EntitlementsHandover"/>).</summary>
    public string? RetiringEntitlementsResource { get; init; }

    public string? AssignmentResource => Spec.HasWorkspaceAssignment ? $"{Name}-assignment" : null;

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            if (Creates)
            {
                yield return new(PulumiTypes.Group, GroupResource, GroupProvider, Protect) { Entitlements = PlannedResource.EntitlementsOf(CarriesEntitlements, Spec.Entitlements) };
            }

            var ownership = Creates ? IdentityOwnership.Owned : Spec.IsBuiltIn ? IdentityOwnership.BuiltIn : IdentityOwnership.Shared;
            foreach (var r in PlannedResource.WorkspaceSettings(EntitlementsResource, AssignmentResource, ownership, Spec.Ref, RetiringEntitlementsResource))
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
