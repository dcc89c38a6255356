namespace DatabricksAccess.Topology.Model;

public enum IdentityLevel
{
    Workspace,
    Account,
}

public enum IdentitySource
{
    /// <summary>Created and owned by this stack.</summary>
    Managed,

    /// <summary>Exists already (built-in, or owned by another stack): looked up, never created or deleted.</summary>
    Existing,

    /// <summary>Synced from Entra ID: looked up, immutable here.</summary>
    Entra,
}

public enum WorkspaceAccess
{
    None,
    User,
    Admin,
}

public sealed record Membership(PrincipalRef Principal, DateTimeOffset? Expires, string? Reason, string Path)
{
    public bool IsStanding => Expires is null;

    /// <summary>When a time-bound membership starts (<c>starts</c>); null: when declared. Only started ones are members.</summary>
    public DateTimeOffset? Starts { get; init; }
}

/// <summary>A time-bound membership whose <c>starts</c> is still ahead: not planned until then (then the hourly expire.yml adds it, .github/scripts/add-started.sh, or an earlier deploy).</summary>
public sealed record PendingMembership(string Group, PrincipalRef Principal, DateTimeOffset Starts, DateTimeOffset Expires, string? Reason, string Path);

public sealed record ExpiredMembership(string Group, PrincipalRef Principal, DateTimeOffset Expires, string? Reason, string Path);

/// <summary>
/// What the group, service-principal and web-app specs share: the one way to find an identity's spec by reference is
/// <see cref="TopologyModel.IdentityOf"/>, instead of a switch on the reference's kind at each use.
/// </summary>
public interface IIdentitySpec
{
    string Key { get; }

    PrincipalRef Ref { get; }

    /// <summary>The name Databricks shows: a group's or service principal's display name, a web app's site name.</summary>
    string DisplayName { get; }

    IdentityLevel Level { get; }

    WorkspaceAccess WorkspaceAccess { get; }

    IReadOnlyList<string> Entitlements { get; }

    /// <summary>Account identities are assigned to the workspace; workspace-local ones simply live there.</summary>
    bool HasWorkspaceAssignment { get; }

    /// <summary>Created and owned by this stack (not looked up, synced or built in).</summary>
    bool IsManaged { get; }

    /// <summary>The config path that declares it.</summary>
    string Path { get; }
}

public sealed record GroupSpec(
    string Key,
    string DisplayName,
    IdentitySource Source,
    IdentityLevel Level,
    WorkspaceAccess WorkspaceAccess,
    IReadOnlyList<string> Entitlements,
    IReadOnlyList<Membership> Members,
    string Path) : IIdentitySpec
{
    public PrincipalRef Ref => PrincipalRef.Group(Key);

    /// <summary>
    /// <c>members: { managedBy: &lt;broker&gt; }</c>: an external broker (a just-in-time access system) grants and revokes
    /// the members; the stack plans no membership, and neither drift nor audit reports them. Null: members are declared.
    /// </summary>
    public string? MembersManagedBy { get; init; }

    public bool MembersDelegated => MembersManagedBy is not null;

    public bool IsManaged => Source == IdentitySource.Managed;

    public bool IsBuiltIn => Names.IsBuiltInGroup(Key);

    /// <summary>Account identities are assigned to the workspace; workspace-local ones simply live there.</summary>
    public bool HasWorkspaceAssignment => Level == IdentityLevel.Account && WorkspaceAccess != WorkspaceAccess.None;
}

/// <summary>
/// An account user assigned to the workspace directly (<c>topology.users.&lt;email&gt;.workspaceAccess</c>), not through a
/// group: one <c>MwsPermissionAssignment</c> of the looked-up account user. Needs <c>databricks-access:account</c>.
/// </summary>
public sealed record UserSpec(string Email, WorkspaceAccess WorkspaceAccess, string Path)
{
    public PrincipalRef Ref => PrincipalRef.User(Email);
}

public sealed record ServicePrincipalSpec(
    string Key,
    string DisplayName,
    string? ApplicationId,
    IdentitySource Source,
    IdentityLevel Level,
    WorkspaceAccess WorkspaceAccess,
    IReadOnlyList<string> Entitlements,
    CredentialSpec? OAuthSecret,
    CredentialSpec? Token,
    string Path) : IIdentitySpec
{
    public PrincipalRef Ref => PrincipalRef.Sp(Key);

    /// <summary>Account roles (<c>accountRoles</c>, e.g. <c>account_admin</c>): an explicit opt-in, each its own resource.</summary>
    public IReadOnlyList<string> AccountRoles { get; init; } = [];

    /// <summary>Principals given <c>roles/servicePrincipal.manager</c> on it (<c>managers</c>), in the stack's rule set.</summary>
    public IReadOnlyList<PrincipalRef> Managers { get; init; } = [];

    /// <summary>The config path of each of <see cref="Managers"/>.</summary>
    public IReadOnlyList<string> ManagerPaths { get; init; } = [];

    public bool IsAccountAdmin => AccountRoles.Contains(Vocabulary.AccountAdminRole);

    public bool IsManaged => Source == IdentitySource.Managed;

    /// <summary>Its rotated credentials: the OAuth secret, then the token.</summary>
    public IEnumerable<CredentialSpec> Credentials => new[] { OAuthSecret, Token }.OfType<CredentialSpec>();

    public bool HasWorkspaceAssignment => Level == IdentityLevel.Account && WorkspaceAccess != WorkspaceAccess.None;
}

public enum WebAppIdentityKind
{
    UserAssigned,
    SystemAssigned,
}

public sealed record WebAppSpec(
    string Key,
    string SiteName,
    string Sku,
    string? Location,
    WebAppIdentityKind Identity,
    string? ApplicationId,
    IdentityLevel Level,
    WorkspaceAccess WorkspaceAccess,
    IReadOnlyList<string> Entitlements,
    IReadOnlyList<string> Groups,
    string Path) : IIdentitySpec
{
    public PrincipalRef Ref => PrincipalRef.WebApp(Key);

    /// <summary>App Service's <c>linuxFxVersion</c> (<c>runtime</c>), e.g. <c>PYTHON|3.12</c>.</summary>
    public string Runtime { get; init; } = Vocabulary.DefaultRuntime;

    /// <summary>Databricks shows a web app's identity by its site name.</summary>
    string IIdentitySpec.DisplayName => SiteName;

    /// <summary>The stack creates every web app and its identity.</summary>
    bool IIdentitySpec.IsManaged => true;

    public bool HasWorkspaceAssignment => Level == IdentityLevel.Account && WorkspaceAccess != WorkspaceAccess.None;
}
