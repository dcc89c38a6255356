using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

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
    /// [fact: secret-put-overwrites]; Create is PutSecret, which overwrites an existing key, Delete is DeleteSecret.
    /// Retained on delete, the replacement's delete-replaced step does not call Delete: the engine skips the provider's
    /// Delete when the OLD state has <c>retainOnDelete</c> (the step of both <c>delete</c> and <c>delete-replaced</c>, built
    /// from the old state [fact: engine-retain-on-delete-old-state]). So a replacement is a no-op delete, then a PutSecret over the
    /// old value. It stays delete-first: were the old state still without the flag (the first deploy of this option, or a
    /// state written by a targeted up that skipped the key, which keeps an untargeted resource's old state
    /// [fact: engine-targeted-update]), create-first would put the new value and then delete the key
    /// [fact: pulumi-databricks-upstream], while
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
                // A PUT per scope and principal [fact: secret-acl-put]: whatever the principal held on the scope.
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
/// which makes that principal's privileges there exactly the declared list [fact: grant-principal-authoritative]. With the securable in <c>topology.authoritativeGrants</c>: one
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
    /// the caller as IS_OWNER to the list [fact: permissions-owner-added], which for a job the stack creates
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
        // IS_OWNER [fact: permissions-owner-added]), the caller kept as CAN_MANAGE [fact: permissions-caller-manage]
        // [fact: permissions-put-whole-acl].
        Authority = Authority.Authoritative,
        RetainOnDelete = true,
        Owner = Spec.Owner is { } owner ? new PlannedOwner(owner.ToString(), $"config {Spec.Path}.owner") : null,
        Revokes = $"every permission on warehouse {Spec.Label} of a principal not declared here (the deployer is kept as CAN_MANAGE; the owner stays {Spec.Owner?.ToString() ?? "undeclared"}, declared as IS_OWNER); a removal from config leaves the ACL as it is",
    };
}
