using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

/// <summary>
/// A live directory (workspace or account): its identities as SCIM lists them, except that the groups the stack
/// declares are read one by one (GET of the group: members, entitlements, roles), the lists holding no members.
/// </summary>
public sealed record LiveDirectory(
    IReadOnlyList<ScimUser> Users,
    IReadOnlyList<ScimGroup> Groups,
    IReadOnlyList<ScimServicePrincipal> ServicePrincipals);

/// <summary>A job found by its declared name, and its permissions (null: 404).</summary>
public sealed record LiveJob(long JobId, string Name, IReadOnlyList<AccessControl>? Acl)
{
    /// <summary>BaseJob.creator_user_name [fact: sdk-jobs-list]: its IS_OWNER is the provider's to keep (the job's
    /// fetchObjectCreator [fact: permissions-delete-to-creator]).</summary>
    public string? Creator { get; init; }

    /// <summary>Job.run_as_user_name [fact: sdk-jobs-get]: the email or application id it runs as; set for
    /// undeclared jobs read in full (<see cref="LiveState.UndeclaredJobs"/>).</summary>
    public string? RunAs { get; init; }
}

/// <summary>
/// A declared SQL warehouse as found: its id (null: no warehouse, or more than one, has the declared name:
/// <see cref="NameMatches"/>) and its ACL (null: the permissions answered 404).
/// </summary>
public sealed record LiveWarehouse(string? Id, IReadOnlyList<AccessControl>? Acl)
{
    public int NameMatches { get; init; } = 1;
}

/// <summary>A rule set the stack owns, as read: its name and grant rules (null: 404).</summary>
public sealed record LiveRuleSet(string Name, IReadOnlyList<GrantRule>? Rules);

/// <summary>
/// What the audit read, only what the declaration needs: the API's own shapes. Keyed by declared names: jobs by
/// name, securables by <see cref="DeclaredSecurable.ToString"/>. A null value is a 404. <see cref="ScopeAcls"/> holds
/// every scope's ACLs (null: 404), the undeclared ones too.
/// </summary>
public sealed record LiveState(
    LiveDirectory Workspace,
    LiveDirectory? Account,
    IReadOnlyList<AssignmentItem>? Assignments,
    IReadOnlySet<string> Scopes,
    IReadOnlyDictionary<string, IReadOnlyList<AclItem>?> ScopeAcls,
    IReadOnlyDictionary<string, IReadOnlyList<LiveJob>> Jobs,
    IReadOnlyList<AccessControl>? TokenAcl,
    IReadOnlyDictionary<string, IReadOnlyList<PrivilegeAssignment>?> Grants)
{
    /// <summary>The workspace's metastore id (current-metastore-assignment), when the stack grants on the metastore.</summary>
    public string? MetastoreId { get; init; }

    /// <summary>Every personal access token of the workspace, when the stack declares a token policy.</summary>
    public IReadOnlyList<TokenInfo>? Tokens { get; init; }

    /// <summary>The keys of each declared Databricks-backed scope (<see cref="DeclaredScope.Keys"/>); null: a 404.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>?> ScopeKeys { get; init; } = new Dictionary<string, IReadOnlyList<string>?>();

    /// <summary>Each declared warehouse by its key (<see cref="DeclaredWarehouse.Key"/>).</summary>
    public IReadOnlyDictionary<string, LiveWarehouse> Warehouses { get; init; } = new Dictionary<string, LiveWarehouse>();

    /// <summary>The workspace conf <c>maxTokenLifetimeDays</c> (null or empty: unset), read when the stack declares a
    /// token policy; <see cref="WorkspaceConfRead"/> says whether it was.</summary>
    public string? MaxTokenLifetimeDays { get; init; }

    public bool WorkspaceConfRead { get; init; }

    /// <summary>Each rule set the stack owns, by the stack's name of its service principal (absent: its application
    /// id is not known live, so the rule set cannot be named).</summary>
    public IReadOnlyDictionary<string, LiveRuleSet> RuleSets { get; init; } = new Dictionary<string, LiveRuleSet>();

    /// <summary>Every job the stack does not declare (by name) that runs as a declared principal, with its permissions.</summary>
    public IReadOnlyList<LiveJob> UndeclaredJobs { get; init; } = [];
}

/// <summary>Where a SCIM API lives: the workspace's or the account's.</summary>
public sealed record ScimApi(Uri Host, string Prefix)
{
    /// <summary>Workspace SCIM: <c>/api/2.0/preview/scim/v2</c> [fact: sdk-scim-paths].</summary>
    public static ScimApi Workspace(Uri host) => new(host, "/api/2.0/preview/scim/v2");

    /// <summary>Account SCIM: <c>/api/2.0/accounts/{account_id}/scim/v2</c> [fact: sdk-scim-paths].</summary>
    public static ScimApi Account(AccountTarget account) => new(account.Host, $"/api/2.0/accounts/{Uri.EscapeDataString(account.AccountId)}/scim/v2");
}
