namespace DatabricksAccess.Live;

/// <summary>The three kinds of Databricks identity.</summary>
public enum PrincipalType
{
    User,
    Group,
    ServicePrincipal,
}

/// <summary>
/// A principal the stack names, and how to find it live. <see cref="Ref"/> is the stack's own name for it
/// (<c>user:alice@contoso.com</c>, <c>group:data-scientists</c>, <c>sp:akto-connector</c>, <c>webapp:runner</c>); every
/// other record of the declaration refers to principals by it.
/// </summary>
/// <param name="Name">A user's email (SCIM <c>userName</c>), a group's or service principal's display name.</param>
/// <param name="ApplicationId">A service principal's application id where it is known offline; otherwise the
/// principal is found by its display name.</param>
/// <param name="Owned">The stack creates it: absent is <c>missing</c>; otherwise it is looked up: absent is
/// <c>unresolved</c>.</param>
/// <param name="AccountLevel">Lives in the account (read through the account SCIM API) rather than the workspace.</param>
/// <param name="MustExist">False for principals named only by expired memberships: their absence is no finding.</param>
/// <param name="AccountRoles">The account roles the stack declares for it (<c>account_admin</c>); null: none. A
/// declared group or service principal holding an account role not listed is <c>undeclared-admin</c> at account
/// level.</param>
public sealed record DeclaredPrincipal(
    string Ref,
    PrincipalType Type,
    string Name,
    string? ApplicationId,
    bool Owned,
    bool AccountLevel,
    bool MustExist = true,
    IReadOnlyList<string>? AccountRoles = null);

/// <summary>
/// A group whose members the stack declares. Undeclared live members are findings only where
/// <see cref="ReportUndeclaredMembers"/> (groups the stack owns, and <c>admins</c>); declared members are checked
/// in every group. <see cref="MemberSeverity"/> is what membership grants (critical for <c>admins</c>).
/// <see cref="MembersManagedBy"/> names a broker that manages the membership (delegated): then no member is a
/// finding, declared or not; the report lists the live members in a note naming the broker.
/// </summary>
public sealed record DeclaredGroup(string Ref, bool ReportUndeclaredMembers, IReadOnlyList<string> Members, Severity MemberSeverity, string? MembersManagedBy = null);

/// <summary>
/// The workspace entitlements (<c>workspace-access</c>, <c>databricks-sql-access</c>, <c>allow-cluster-create</c>,
/// <c>allow-instance-pool-create</c>...) the stack declares for one principal: a live entitlement beyond them is
/// <c>undeclared-entitlement</c>. Listed for every group and service principal the stack declares, and for the
/// built-in <c>users</c> and <c>admins</c> only when the stack manages built-in entitlements.
/// </summary>
public sealed record DeclaredEntitlements(string Principal, IReadOnlyList<string> Entitlements);

/// <summary>A membership whose declared expiry has passed: the stack no longer declares it.</summary>
public sealed record DeclaredExpiredMembership(string Group, string Principal, DateTimeOffset Expires);

/// <summary>One principal's permission: a secret ACL, a job permission level.</summary>
public sealed record DeclaredPermission(string Principal, string Permission);

/// <summary>A secret scope the stack creates, with its ACLs.</summary>
public sealed record DeclaredScope(string Name, IReadOnlyList<DeclaredPermission> Acls)
{
    /// <summary>
    /// A Databricks-backed scope: every key the stack declares in it (what it writes, and <c>existing</c> keys). A key
    /// removed from config is left in place (its Secret is retained on delete), so the audit lists the live keys and
    /// reports those not declared. Null: not audited (a Key Vault-backed scope's keys live in a vault the stack does not own).
    /// </summary>
    public IReadOnlyList<string>? Keys { get; init; }
}

/// <summary>One principal's Unity Catalog privileges on a securable.</summary>
public sealed record DeclaredPrivileges(string Principal, IReadOnlyList<string> Privileges);

/// <summary>
/// A Unity Catalog securable the stack grants on. <see cref="Type"/> is the REST API's securable type in lower case
/// (<c>catalog</c>, <c>schema</c>, <c>table</c>, <c>volume</c>, <c>function</c>, <c>external_location</c>,
/// <c>storage_credential</c>, <c>metastore</c>); <see cref="FullName"/> its full name.
/// </summary>
public sealed record DeclaredSecurable(string Type, string FullName, IReadOnlyList<DeclaredPrivileges> Grants)
{
    public override string ToString() => Type == "metastore" ? "metastore" : $"{Type}:{FullName}";
}

/// <summary>A job the stack creates (found live by its name) and its permission levels.</summary>
public sealed record DeclaredJob(string Name, IReadOnlyList<DeclaredPermission> Permissions);

/// <summary>
/// An existing SQL warehouse whose whole ACL the stack declares (<c>topology.warehouses.&lt;key&gt;</c>): found live by
/// <see cref="Id"/>, or by <see cref="Name"/> in the warehouse list. <see cref="Owner"/> is the declared IS_OWNER;
/// <see cref="Permissions"/> the declared CAN_USE and CAN_MANAGE.
/// </summary>
public sealed record DeclaredWarehouse(string Key, string? Id, string? Name, string? Owner, IReadOnlyList<DeclaredPermission> Permissions)
{
    public string Label => Id ?? Name ?? Key;
}

/// <summary>
/// The account rule set of a service principal (or web app identity) the stack creates
/// (<c>accounts/{account}/servicePrincipals/{applicationId}/ruleSets/default</c>): the stack PUTs it whole, so every
/// rule in it is declared: <c>roles/servicePrincipal.manager</c> for <see cref="Managers"/> and the deployer, and
/// <c>roles/servicePrincipal.user</c> for the deployer. Any other rule is <c>undeclared-manager</c>.
/// </summary>
/// <param name="Principal">The stack's name of the service principal whose rule set it is.</param>
/// <param name="Managers">The declared managers (<c>servicePrincipals.&lt;key&gt;.managers</c>), by the stack's names.</param>
public sealed record DeclaredRuleSet(string Principal, IReadOnlyList<string> Managers);

/// <summary>A workspace assignment of an account-level identity: <c>USER</c> or <c>ADMIN</c>.</summary>
public sealed record DeclaredAssignment(string Principal, string Permission);

/// <summary>
/// What one stack declares at one instant, in the terms of the Databricks REST API. Built by Topology's command
/// from its model and plan; this project knows nothing of Topology.
/// </summary>
/// <param name="Groups">Every group with declared members, and always <c>admins</c>.</param>
/// <param name="Assignments">Null when the stack has no account: permission assignments are not read.</param>
/// <param name="TokenUsers">Null when the stack does not manage token usage: token permissions are not read.</param>
/// <param name="DeployerApplicationId">The CI identity (<c>databricks-access:deployer</c>): declared as an
/// <c>admins</c> member (and admin assignment), owner of the jobs and creator (MANAGE) of the scopes it creates.</param>
public sealed record Declaration(
    IReadOnlyList<DeclaredPrincipal> Principals,
    IReadOnlyList<DeclaredGroup> Groups,
    IReadOnlyList<DeclaredExpiredMembership> Expired,
    IReadOnlyList<DeclaredScope> Scopes,
    IReadOnlyList<DeclaredSecurable> Securables,
    IReadOnlyList<DeclaredJob> Jobs,
    IReadOnlyList<DeclaredAssignment>? Assignments,
    IReadOnlyList<string>? TokenUsers,
    string? DeployerApplicationId)
{
    public const string AdminsGroup = "group:admins";

    /// <summary>
    /// Other automation identities that are workspace admins by design (<c>databricks-access:deployer.automation</c>:
    /// the scheduled and audit identities): declared <c>admins</c> members and ADMIN assignments, nothing more.
    /// </summary>
    public IReadOnlyList<string> AutomationApplicationIds { get; init; } = [];

    /// <summary>The principals whose entitlements are audited, with what the stack declares for each.</summary>
    public IReadOnlyList<DeclaredEntitlements> Entitlements { get; init; } = [];

    /// <summary>The stack manages the entitlements of the built-in <c>users</c> and <c>admins</c> groups
    /// (<c>topology.builtinEntitlements</c>): theirs are audited too (they are in <see cref="Entitlements"/>).</summary>
    public bool BuiltinEntitlementsManaged { get; init; }

    /// <summary>The longest lifetime a personal access token may have, in days; null: no token policy declared
    /// (the token list is not read).</summary>
    public int? TokenMaxLifetimeDays { get; init; }

    /// <summary>The SQL warehouses whose ACLs the stack declares (<c>topology.warehouses</c>).</summary>
    public IReadOnlyList<DeclaredWarehouse> Warehouses { get; init; } = [];

    /// <summary>The account rule sets the stack owns; read only with an account configured.</summary>
    public IReadOnlyList<DeclaredRuleSet> RuleSets { get; init; } = [];
}
