namespace DatabricksAccess.Topology.Model;

public enum JobPermission
{
    CanView = 1,
    CanManageRun = 2,
    CanManage = 3,
}

public enum SecurableKind
{
    Metastore,
    Catalog,
    Schema,
    Table,
    Volume,
    Function,
    ExternalLocation,
    StorageCredential,
}

public sealed record Securable(SecurableKind Kind, string Name) : IComparable<Securable>
{
    public static string Prefix(SecurableKind kind) => kind switch
    {
        SecurableKind.Metastore => "metastore",
        SecurableKind.Catalog => "catalog",
        SecurableKind.Schema => "schema",
        SecurableKind.Table => "table",
        SecurableKind.Volume => "volume",
        SecurableKind.Function => "function",
        SecurableKind.ExternalLocation => "external_location",
        SecurableKind.StorageCredential => "storage_credential",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public override string ToString() => Kind == SecurableKind.Metastore ? "metastore" : $"{Prefix(Kind)}:{Name}";

    public string NameFragment => Kind == SecurableKind.Metastore ? "metastore" : $"{Prefix(Kind).Replace('_', '-')}-{Name}";

    public int CompareTo(Securable? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = ((int)Kind).CompareTo((int)other.Kind); // as ints: Enum.CompareTo(object) boxes
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }
}

public sealed record CatalogGrantSpec(Securable On, PrincipalRef To, IReadOnlyList<string> Privileges, string Path);

public sealed record JobScheduleSpec(string Cron, string TimeZone);

public sealed record JobSpec(
    string Key,
    string Name,
    string Notebook,
    PrincipalRef RunAs,
    IReadOnlyList<PrincipalRef> CanView,
    IReadOnlyList<PrincipalRef> CanManageRun,
    IReadOnlyList<PrincipalRef> CanManage,
    JobScheduleSpec? Schedule,
    string Path)
{
    /// <summary>
    /// The job's owner (<c>owner</c>, optional), declared as IS_OWNER in the job's <c>Permissions</c>. Null: the job's
    /// creator stays its owner (the deployer, for a job the stack creates), since the provider adds the caller as
    /// IS_OWNER to a list without one [fact: permissions-owner-added]. <c>adopt</c> writes it for an
    /// adopted job from the live IS_OWNER, whose import would otherwise be updated to the deployer.
    /// </summary>
    public PrincipalRef? Owner { get; init; }

    public IEnumerable<(PrincipalRef Principal, JobPermission Level)> Permissions =>
        CanView.Select(p => (p, JobPermission.CanView))
            .Concat(CanManageRun.Select(p => (p, JobPermission.CanManageRun)))
            .Concat(CanManage.Select(p => (p, JobPermission.CanManage)));
}

public sealed record AccountSpec(string Id, string Host, string WorkspaceId);

/// <summary>
/// The CI identity that runs <c>pulumi up</c> (<c>databricks-access:deployer</c>): a service principal's application id,
/// and the other automation identities that are workspace admins by design (the scheduled revocation and audit
/// identities): all are declared members of <c>admins</c>, never drift.
/// </summary>
public sealed record DeployerSpec(string ApplicationId, string Path)
{
    /// <summary>Application ids of the other automation identities (<c>deployer.automation</c>).</summary>
    public IReadOnlyList<string> Automation { get; init; } = [];

    /// <summary>The deployer, then the automation identities.</summary>
    public IEnumerable<string> AdminApplicationIds => Automation.Prepend(ApplicationId).Distinct(StringComparer.Ordinal);

    /// <summary>How Databricks names it in ACLs and rule sets.</summary>
    public string RuleSetPrincipal => $"servicePrincipals/{ApplicationId}";
}

/// <summary>
/// Opt-in management of the workspace's token permissions (<c>topology.tokenUsage</c>): the declared principals,
/// plus every service principal with an on-behalf-of token, are the only ones that may use tokens.
/// </summary>
public sealed record TokenUsageSpec(IReadOnlyList<PrincipalRef> Declared, IReadOnlyList<PrincipalRef> CanUse, string Path);

/// <summary>
/// Opt-in workspace token policy (<c>topology.tokenPolicy</c>): the workspace conf <c>maxTokenLifetimeDays</c>, the
/// longest lifetime a new personal access token may have. Authoritative: the value replaces whatever is set.
/// </summary>
public sealed record TokenPolicySpec(int MaxLifetimeDays, string Path);

public enum WarehousePermission
{
    CanUse = 1,
    CanManage = 2,
}

/// <summary>
/// An existing SQL warehouse whose permissions the stack manages (<c>topology.warehouses</c>), found by id or by name.
/// Authoritative for the warehouse's whole ACL (databricks_permissions on sql_endpoint_id).
/// </summary>
public sealed record WarehouseSpec(string Key, string? Id, string? Name, IReadOnlyList<PrincipalRef> CanUse, IReadOnlyList<PrincipalRef> CanManage, string Path)
{
    /// <summary>The id, or the name when only that is declared.</summary>
    public string Label => Id ?? Name ?? Key;

    /// <summary>
    /// The warehouse's owner (<c>owner</c>, required): declared as IS_OWNER, since the provider makes the deployer the
    /// owner whenever the list has none [fact: permissions-owner-added]. Null only in an invalid model.
    /// </summary>
    public PrincipalRef? Owner { get; init; }

    public IEnumerable<(PrincipalRef Principal, WarehousePermission Level)> Permissions =>
        CanUse.Select(p => (p, WarehousePermission.CanUse)).Concat(CanManage.Select(p => (p, WarehousePermission.CanManage)));
}

public sealed record ResourceGroupSpec(string Name, bool Existing, string? Location);

/// <summary>The validated, normalised topology of one stack at one instant.</summary>
public sealed record TopologyModel(
    ResourceGroupSpec? ResourceGroup,
    AccountSpec? Account,
    bool Protect,
    IReadOnlyDictionary<string, WebAppSpec> WebApps,
    IReadOnlyDictionary<string, ServicePrincipalSpec> ServicePrincipals,
    IReadOnlyDictionary<string, GroupSpec> Groups,
    IReadOnlyDictionary<string, SecretScopeSpec> SecretScopes,
    IReadOnlyList<CatalogGrantSpec> CatalogGrants,
    IReadOnlyDictionary<string, JobSpec> Jobs,
    PolicySpec Policy,
    IReadOnlyList<ExpiredMembership> Expired,
    DateTimeOffset Now)
{
    /// <summary>The CI identity (<c>databricks-access:deployer</c>); null when not configured.</summary>
    public DeployerSpec? Deployer { get; init; }

    /// <summary>Token usage, managed only when the stack opts in (<c>topology.tokenUsage</c>).</summary>
    public TokenUsageSpec? TokenUsage { get; init; }

    /// <summary>Securables whose declared grants are the whole truth (<c>topology.authoritativeGrants</c>).</summary>
    public IReadOnlySet<Securable> AuthoritativeGrants { get; init; } = new HashSet<Securable>();

    /// <summary>Securables whose authoritativeGrants toggle is intended in one step (<c>topology.intendedMigrations</c>).</summary>
    public IReadOnlySet<Securable> IntendedMigrations { get; init; } = new HashSet<Securable>();

    /// <summary>Time-bound memberships that start later (<c>starts</c> after now), soonest first: not members yet.</summary>
    public IReadOnlyList<PendingMembership> Pending { get; init; } = [];
    /// <summary>The workspace token policy, managed only when the stack opts in (<c>topology.tokenPolicy</c>).</summary>
    public TokenPolicySpec? TokenPolicy { get; init; }

    /// <summary>Account users assigned to the workspace directly (<c>topology.users</c>), by lower-case email.</summary>
    public IReadOnlyDictionary<string, UserSpec> Users { get; init; } = new SortedDictionary<string, UserSpec>(StringComparer.Ordinal);

    /// <summary>Existing SQL warehouses whose permissions are managed (<c>topology.warehouses</c>).</summary>
    public IReadOnlyDictionary<string, WarehouseSpec> Warehouses { get; init; } = new SortedDictionary<string, WarehouseSpec>(StringComparer.Ordinal);

    /// <summary>
    /// <c>topology.imports</c>: the provider import id of resources that exist already (adopted), by plan resource
    /// name. Pulumi imports them on the first <c>up</c> instead of creating them. Without those the last deployment
    /// recorded as imported (<see cref="ImportedResources"/>): their import ids are retired.
    /// </summary>
    public IReadOnlyDictionary<string, string> ImportIds { get; init; } = new Dictionary<string, string>();

    /// <summary>The resources the last deployment recorded as imported (its <c>importedResources</c> output).</summary>
    public IReadOnlySet<string> ImportedResources { get; init; } = DatabricksAccess.Topology.Model.ImportedResources.None;

    /// <summary>Opt-in: entitlements of the built-in <c>users</c> and <c>admins</c> groups are managed (workspace-wide).</summary>
    public bool BuiltInEntitlements { get; init; }

    /// <summary>
    /// The credential slots as the last deployment left them (the stack output <c>credentialSchedule</c>): rotation
    /// continues from it, so a policy change replaces no credential. Empty offline and on a stack's first run.
    /// </summary>
    public CredentialSchedule CredentialSchedule { get; init; } = CredentialSchedule.Empty;

    /// <summary>
    /// What the last deployment says of the <c>Entitlements</c> resources this version retires (workspace-level principals
    /// the stack creates now carry their own entitlement fields): offline and for a deployment that predates the
    /// handover, every one is still in the state.
    /// </summary>
    public EntitlementsHandover EntitlementsHandover { get; init; } = EntitlementsHandover.Unknown;

    /// <summary>The declared group, service principal or web app a reference names; null for a user or an undeclared one.</summary>
    public IIdentitySpec? IdentityOf(PrincipalRef principal) => principal.Kind switch
    {
        PrincipalKind.Group => Groups.GetValueOrDefault(principal.Key),
        PrincipalKind.ServicePrincipal => ServicePrincipals.GetValueOrDefault(principal.Key),
        PrincipalKind.WebApp => WebApps.GetValueOrDefault(principal.Key),
        _ => null,
    };

    /// <summary>Every declared group, then service principal, then web app.</summary>
    public IEnumerable<IIdentitySpec> Identities =>
        Groups.Values.Cast<IIdentitySpec>().Concat(ServicePrincipals.Values).Concat(WebApps.Values);

    /// <summary>Whether the principal is declared here (users always are; the built-in groups may go undeclared).</summary>
    public bool Declares(PrincipalRef principal) =>
        principal.Kind == PrincipalKind.User || IdentityOf(principal) is not null || (principal.Kind == PrincipalKind.Group && Names.IsBuiltInGroup(principal.Key));

    /// <summary>Service principals the deployer must be able to act as: job run-as identities and token owners.</summary>
    public IEnumerable<DeployerActsAs> ServicePrincipalsNeedingUserRole() => DeployerActsAsEach().DistinctBy(x => x.Principal).OrderBy(x => x.Principal);

    /// <summary>Whether the deployer must be able to act as any service principal (without listing them all).</summary>
    public bool DeployerActsAsAny() => DeployerActsAsEach().Any();

    private IEnumerable<DeployerActsAs> DeployerActsAsEach() =>
        Jobs.Values.Where(j => j.RunAs.IsServicePrincipal).Select(j => new DeployerActsAs(j.RunAs, $"{j.Path}.runAs"))
            .Concat(ServicePrincipals.Values.Where(s => s.Token is not null).Select(s => new DeployerActsAs(s.Ref, $"{s.Path}.token")));

    /// <summary>Whether the stack creates (owns) the principal; looked-up, synced, built-in identities and users are not.</summary>
    public bool Owns(PrincipalRef principal) => IdentityOf(principal)?.IsManaged == true;

    /// <summary>The workspace access of an identity: workspace-local identities (and users) simply live there.</summary>
    public WorkspaceAccess AccessOf(PrincipalRef principal) => IdentityOf(principal) switch
    {
        GroupSpec g => g.Level == IdentityLevel.Account ? g.WorkspaceAccess : WorkspaceAccess.User,
        { } identity => identity.WorkspaceAccess,
        null => WorkspaceAccess.User,
    };

    public IdentityLevel LevelOf(PrincipalRef principal) => principal.Kind == PrincipalKind.User
        ? Account is null ? IdentityLevel.Workspace : IdentityLevel.Account
        : IdentityOf(principal)?.Level ?? IdentityLevel.Workspace;

    /// <summary>The name Databricks shows for a principal where it is known offline.</summary>
    public string DisplayName(PrincipalRef principal) => IdentityOf(principal)?.DisplayName ?? principal.Key;
}

/// <summary>A service principal the deployer must act as, and the config path that makes it so.</summary>
public sealed record DeployerActsAs(PrincipalRef Principal, string Path);

public sealed record PolicyException(string Rule, PrincipalRef Principal, string Reason, DateTimeOffset Expires, string Path);

public sealed record PolicySpec(
    int MaxExpiryDays,
    int MaxAdminHours,
    IReadOnlySet<PrincipalRef> StandingAdmins,
    bool RequireReason,
    int MaxTokenLifetimeDays,
    int MaxRotationDays,
    bool AllowAllUsersAcl,
    IReadOnlyList<PolicyException> Exceptions)
{
    public static PolicySpec Strict { get; } = new(30, 12, new HashSet<PrincipalRef>(), true, 90, 90, false, []);
}
