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
/// What a resource may change on a live workspace (docs/ownership.md), read from what the provider's
/// Create, Update and Delete do (terraform-provider-databricks v1.128.0):
/// <see cref="Owned"/> acts on an object this stack creates; <see cref="Additive"/> adds exactly what is declared to
/// an object the stack does not own and removes only that; <see cref="PerPrincipal"/> replaces everything ONE principal
/// holds on one object (Grant, Entitlements, workspace assignment, SecretAcl); <see cref="Authoritative"/> replaces all
/// state of an object the stack does not own (only with an explicit opt-in, always protected, always in the blast radius).
/// Every per-principal resource of a principal this stack does not create is in the blast radius too.
/// </summary>
public enum Authority
{
    Owned,
    Additive,
    PerPrincipal,
    Authoritative,
}

public static class AuthorityNames
{
    /// <summary>The one spelling of an authority in every output (JSON, text, markdown, diff, docs): <c>per-principal</c>.</summary>
    public static string Name(this Authority authority) => authority switch
    {
        Authority.Owned => "owned",
        Authority.Additive => "additive",
        Authority.PerPrincipal => "per-principal",
        Authority.Authoritative => "authoritative",
        _ => throw new ArgumentOutOfRangeException(nameof(authority)),
    };
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

    /// <summary>
    /// Per-principal resources: the principal (config form, <c>group:data-scientists</c>) whose whole holding on
    /// <see cref="Object"/> an apply replaces.
    /// </summary>
    public string? Principal { get; init; }

    /// <summary>
    /// The provider's import id when the object already exists (<c>topology.imports</c>, written by <c>adopt</c>): the
    /// program passes it as Pulumi's <c>ImportId</c> option. Null for what the stack creates.
    /// </summary>
    public string? ImportId { get; init; }
    /// <summary>Per-principal resources: the object the principal's holding is replaced on (<c>catalog:main</c>, <c>scope app-secrets</c>).</summary>
    public string? Object { get; init; }

    /// <summary>The principal is not created by this stack (a user, a looked-up or synced identity, a built-in group).</summary>
    public bool SharedPrincipal { get; init; }

    /// <summary>
    /// A workspace-level group or service principal the stack creates: the entitlements (config names, comma-separated,
    /// empty for none) its own entitlement fields are set to, every other one false. Null for everything else.
    /// </summary>
    public string? Entitlements { get; init; }

    internal static string? EntitlementsOf(bool carries, IReadOnlyList<string> entitlements) => carries ? string.Join(", ", entitlements) : null;

    /// <summary>
    /// For resources that are neither authoritative nor per-principal but confer power over far more than they name (an
    /// account role): what they grant. Such resources are in the blast radius too.
    /// </summary>
    public string? Confers { get; init; }

    private readonly string? _revokes;

    /// <summary>For blast-radius resources: what an apply (and a delete) revokes beyond what is declared.</summary>
    public string? Revokes
    {
        get => _revokes ?? (Authority == Authority.PerPrincipal && Principal is not null
            ? $"everything {Principal} holds on {Object} beyond what is declared here, including what was granted before this stack; a delete revokes all of it"
            : null);
        init => _revokes = value;
    }

    /// <summary>
    /// In the blast radius: authoritative resources, per-principal resources of principals this stack does not create
    /// (only the stack can hold access through those of its own principals), and resources that confer account-wide power.
    /// </summary>
    public bool InBlastRadius => Authority == Authority.Authoritative || (Authority == Authority.PerPrincipal && SharedPrincipal) || Confers is not null;

    /// <summary>
    /// The owner a <c>Permissions</c> on an object the stack does not create declares as IS_OWNER, and where that came
    /// from; the provider makes the deployer the owner of such an object when the list has none.
    /// </summary>
    public PlannedOwner? Owner { get; init; }

    /// <summary>Registered one last time, retained on delete, so the next run only forgets it (<see cref="EntitlementsHandover"/>).</summary>
    public bool Retiring { get; init; }

    /// <summary>A per-principal resource of <paramref name="principal"/> on <paramref name="obj"/>.</summary>
    internal static PlannedResource PerPrincipal(string type, string name, ProviderScope provider, PrincipalRef principal, string obj, bool shared, bool protect = false) =>
        new(type, name, provider, protect)
        {
            Authority = Authority.PerPrincipal,
            Principal = principal.ToString(),
            Object = obj,
            SharedPrincipal = shared,
        };

    /// <summary>The object a workspace assignment acts on.</summary>
    public const string WorkspaceAssignmentObject = "the workspace assignment (its level)";

    /// <summary>The object an Entitlements resource acts on.</summary>
    public const string EntitlementsObject = "the workspace entitlements";

    /// <summary>
    /// An identity's workspace entitlements (workspace provider) and workspace assignment (account provider). Both are
    /// per-principal (scim/resource_entitlement.go: SCIM PATCH "replace" of the whole list; mws/resource_mws_permission_assignment.go:
    /// a PUT of the level). For shared principals they are protected, kept on delete and in the blast radius (the stack does
    /// not read and merge what others set: it declares the whole value and says so).
    /// </summary>
    internal static IEnumerable<PlannedResource> WorkspaceSettings(string? entitlements, string? assignment, IdentityOwnership ownership, PrincipalRef principal,
        string? retiring = null)
    {
        if (retiring is not null)
        {
            // The old Entitlements resource, once more and unchanged, retained on delete (EntitlementsHandover).
            yield return new(PulumiTypes.Entitlements, retiring, ProviderScope.Workspace) { RetainOnDelete = true, Retiring = true };
        }

        var shared = ownership != IdentityOwnership.Owned;
        if (entitlements is not null)
        {
            yield return ownership switch
            {
                IdentityOwnership.BuiltIn => new(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace, Protect: true)
                {
                    Authority = Authority.Authoritative,
                    RetainOnDelete = true,
                    Principal = principal.ToString(),
                    Object = EntitlementsObject,
                    SharedPrincipal = true,
                    Revokes = "entitlements beyond those declared, for every workspace identity (all of them reach it through this built-in group)",
                },
                _ => PerPrincipal(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace, principal, EntitlementsObject, shared, protect: shared)
                    with
                { RetainOnDelete = shared },
            };
        }

        if (assignment is not null)
        {
            yield return PerPrincipal(PulumiTypes.MwsPermissionAssignment, assignment, ProviderScope.Account, principal, WorkspaceAssignmentObject, shared, protect: shared)
                with
            { RetainOnDelete = shared };
        }
    }
}

/// <summary>An object's owner as the plan declares it (<c>user:ana@contoso.com</c>) and where that came from.</summary>
public sealed record PlannedOwner(string Principal, string Source);

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
                // before (terraform-provider-databricks v1.128.0 aws/resource_service_principal_role.go:26, :49).
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

/// <param name="SharedPrincipal">The principal is not created by this stack: its ACL is in the blast radius.</param>
public sealed record AclPlan(SecretAclSpec Acl, string ResourceName, bool SharedPrincipal = true);

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

    /// <summary>
    /// A key in a Databricks-backed scope, written in place: never empty, also while its value changes.
    /// <c>string_value</c> forces a replacement and the id is <c>&lt;scope&gt;|||&lt;key&gt;</c>, the same before and after
    /// (terraform-provider-databricks v1.128.0 secrets/resource_secret.go:40-60); Create is PutSecret, which overwrites an
    /// existing key (:77-90; databricks-sdk-go v0.175.0 service/workspace/interface.go:326-328), Delete is DeleteSecret
    /// (:107-120). Retained on delete, the replacement's delete-replaced step does not call Delete: the engine skips the
    /// provider's Delete when the OLD state has <c>retainOnDelete</c> (pulumi v3.258.0 pkg/resource/deploy/step.go:626-662
    /// DeleteStep.Apply, the step of both <c>delete</c> and <c>delete-replaced</c>, NewDeleteReplacementStep :551;
    /// step_generator.go:2145 and :2421 pass the old state). So a replacement is a no-op delete, then a PutSecret over the
    /// old value. It stays delete-first: were the old state still without the flag (the first deploy of this option, or a
    /// state written by a targeted up that skipped the key, step_generator.go:1734 keeps an untargeted resource's old
    /// state), create-first would put the new value and then delete the key (pulumi/pulumi-databricks#642), while
    /// delete-first only leaves the key empty between the two calls, as before. A secret removed from config is left
    /// in the workspace with its last value: <c>diff</c> lists it and the audit reports the key (docs/rotation.md).
    /// </summary>
    public static PlannedResource DatabricksSecret(string name) =>
        new(PulumiTypes.Secret, name, ProviderScope.Workspace) { RetainOnDelete = true };

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            yield return new(PulumiTypes.SecretScope, ScopeResource, ProviderScope.Workspace, Protect);
            foreach (var a in Acls)
            {
                // A PUT per scope and principal (secrets/resource_secret_acl.go): whatever the principal held on the scope.
                yield return PlannedResource.PerPrincipal(PulumiTypes.SecretAcl, a.ResourceName, ProviderScope.Workspace, a.Acl.Principal,
                    $"scope {Spec.Name}", a.SharedPrincipal);
            }

            foreach (var s in Secrets)
            {
                if (s.PasswordResource is { } p)
                {
                    yield return new(PulumiTypes.RandomPassword, p);
                }

                // Databricks cannot write into a Key Vault-backed scope: the secret goes into the vault itself, which
                // the stack does not own (it adds that one secret); a new value is a new version in place.
                yield return Spec.Backend == ScopeBackend.AzureKeyVault
                    ? new(PulumiTypes.KeyVaultSecret, s.ResourceName) { Authority = Authority.Additive }
                    : DatabricksSecret(s.ResourceName);
            }
        }
    }
}

/// <param name="SharedPrincipal">The principal is not created by this stack: its Grant is in the blast radius.</param>
public sealed record GrantPrincipal(PrincipalRef Principal, IReadOnlyList<string> Privileges, bool SharedPrincipal = true);

/// <summary>
/// The grants on one securable. Per principal by default: one <c>Grant</c> per principal (<see cref="PrincipalResource"/>),
/// which makes that principal's privileges there exactly the declared list (catalog/resource_grant.go). With the securable in <c>topology.authoritativeGrants</c>: one
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
        : Grants.Select(g => PlannedResource.PerPrincipal(PulumiTypes.Grant, PrincipalResource(g), ProviderScope.Workspace, g.Principal, On.ToString(), g.SharedPrincipal));
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

    /// <summary>
    /// Null when nobody is granted anything on the job and it declares no owner: Databricks rejects an empty permission list.
    /// </summary>
    public string? PermissionsResource => Spec.Permissions.Any() || Spec.Owner is not null ? $"{Name}-permissions" : null;

    /// <summary>
    /// Who owns the job after an apply, and where that came from: the declared owner as IS_OWNER, else the provider adds
    /// the caller as IS_OWNER to the list (terraform-provider-databricks v1.128.0 permissions/resource_permissions.go:33-55
    /// safePutWithOwner, permission_definitions.go:256-273 addOwnerPermissionIfNeeded), which for a job the stack creates
    /// is its creator already.
    /// </summary>
    public PlannedOwner Owner => Spec.Owner is { } owner
        ? new PlannedOwner(owner.ToString(), $"config {Spec.Path}.owner")
        : new PlannedOwner("the deployer", $"no {Spec.Path}.owner: the creator of a job the stack creates (an adopted job declares its owner)");

    public IEnumerable<PlannedResource> Resources
    {
        get
        {
            yield return new(PulumiTypes.Job, JobResource, ProviderScope.Workspace);
            if (PermissionsResource is { } p)
            {
                yield return new(PulumiTypes.Permissions, p, ProviderScope.Workspace) { Owner = Owner };
            }
        }
    }
}

/// <summary>
/// The direct workspace assignment of an account user (<c>topology.users</c>): the same account-level
/// <c>MwsPermissionAssignment</c> as an account group's or service principal's, of a principal the stack does not
/// create, so per-principal, protected, kept on delete and in the blast radius (<see cref="PlannedResource.WorkspaceSettings"/>).
/// Its principal id is the account user's id, looked up at account level (getUsers).
/// </summary>
public sealed record UserAssignmentPlan(UserSpec Spec, string ResourceName)
{
    public static string NameOf(PrincipalRef user) => $"{user.NameFragment}-assignment";

    public PlannedResource Resource => PlannedResource.WorkspaceSettings(null, ResourceName, IdentityOwnership.Shared, Spec.Ref).Single();
}

/// <summary>The permissions of one existing SQL warehouse: one protected, authoritative <c>Permissions</c>.</summary>
public sealed record WarehousePlan(WarehouseSpec Spec, string PermissionsResource)
{
    public PlannedResource Resource => new(PulumiTypes.Permissions, PermissionsResource, ProviderScope.Workspace, Protect: true)
    {
        // A PUT of the warehouse's whole ACL: the declared owner as IS_OWNER (without one the provider adds the caller as
        // IS_OWNER, permission_definitions.go:256-273), the caller kept as CAN_MANAGE (update/customizers.go:66-88)
        // (terraform-provider-databricks v1.128.0 permissions/resource_permissions.go:33-87).
        Authority = Authority.Authoritative,
        RetainOnDelete = true,
        Owner = Spec.Owner is { } owner ? new PlannedOwner(owner.ToString(), $"config {Spec.Path}.owner") : null,
        Revokes = $"every permission on warehouse {Spec.Label} of a principal not declared here (the deployer is kept as CAN_MANAGE; the owner stays {Spec.Owner?.ToString() ?? "undeclared"}, declared as IS_OWNER); a removal from config leaves the ACL as it is",
    };
}

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
                // (terraform-provider-databricks v1.128.0 workspace/resource_workspace_conf.go:28-80, :98-141).
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
