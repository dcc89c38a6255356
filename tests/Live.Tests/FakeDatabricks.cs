using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace DatabricksAccess.Live.Tests;

public sealed record FakeUser(string Id, string UserName, string? DisplayName = null)
{
    /// <summary>Workspace entitlements (User.entitlements [fact: sdk-scim-shapes]).</summary>
    public List<string> Entitlements { get; init; } = [];
}

/// <summary>A SCIM member reference: <paramref name="Kind"/> is Users, Groups or ServicePrincipals.</summary>
public sealed record FakeMember(string Kind, string Id, string Display);

public sealed record FakeGroup(string Id, string DisplayName, List<FakeMember> Members)
{
    /// <summary>Workspace entitlements (Group.entitlements [fact: sdk-scim-shapes]).</summary>
    public List<string> Entitlements { get; init; } = [];

    /// <summary>Account roles (AccountGroup.roles: <c>account_admin</c> [fact: sdk-scim-shapes]).</summary>
    public List<string> Roles { get; init; } = [];

    /// <summary>Set for a group synced from Entra ID (Group.ExternalId [fact: sdk-scim-shapes]).</summary>
    public string? ExternalId { get; init; }
}

/// <summary>A Key Vault-backed scope's vault (AzureKeyVaultSecretScopeMetadata [fact: sdk-secrets-api]).</summary>
public sealed record FakeKeyVault(string ResourceId, string DnsName);

public sealed record FakeSp(string Id, string ApplicationId, string DisplayName)
{
    /// <summary>Workspace entitlements (ServicePrincipal.entitlements [fact: sdk-scim-shapes]).</summary>
    public List<string> Entitlements { get; init; } = [];

    /// <summary>Account roles (AccountServicePrincipal.roles [fact: sdk-scim-shapes]).</summary>
    public List<string> Roles { get; init; } = [];
}

public sealed record FakeAcl(string Principal, string Permission);

/// <summary>One entry of a permissions API access control list.</summary>
public sealed record FakePermission(string? User, string? Group, string? Sp, string Level, bool Inherited = false);

/// <summary>
/// A job as jobs/get returns it (Job, JobSettings, Task [fact: sdk-jobs-get]): by
/// default one notebook task keyed <c>main</c> on serverless compute. <see cref="RunAs"/> is <c>run_as_user_name</c>
/// (an email or an application id); <see cref="TaskType"/> another <c>*_task</c> field instead of
/// <c>notebook_task</c>; <see cref="Extra"/> more JobSettings fields as JSON values.
/// </summary>
public sealed record FakeJob(long Id, string Name, List<FakePermission> Acl)
{
    public string RunAs { get; init; } = "mallory@contoso.com";

    public string Creator { get; init; } = "someone@contoso.com";

    public string Notebook { get; init; } = "/Shared/jobs/notebook";

    public string TaskKey { get; init; } = "main";

    public string TaskType { get; init; } = "notebook_task";

    public string? Cron { get; init; }

    public string TimeZone { get; init; } = "UTC";

    public Dictionary<string, object> Extra { get; init; } = [];
}

/// <summary>A SQL warehouse (EndpointInfo: id, name, creator_name [fact: sdk-warehouses-list]) and its ACL.</summary>
public sealed record FakeWarehouse(string Id, string Name, string Creator, List<FakePermission> Acl);

/// <summary>A grant rule of an account rule set (GrantRule: principals, role [fact: sdk-rule-set]).</summary>
public sealed record FakeRule(string Role, params string[] Principals);

/// <summary>A Unity Catalog privilege assignment; a deleted principal has an empty name and a principal id.</summary>
public sealed record FakeGrant(string Principal, string[] Privileges, string? PrincipalId = null);

public sealed record FakeAssignment(long PrincipalId, string? User, string? Group, string? Sp, string DisplayName, string[] Permissions);

/// <summary>TokenInfo (times in epoch milliseconds; expiry -1: none) [fact: sdk-tokens-list].</summary>
public sealed record FakeToken(string TokenId, string CreatedBy, long OwnerId, long Creation, long Expiry, string Comment);

/// <summary>
/// A Databricks workspace and account on one loopback WireMock server (account API under
/// <c>/api/2.0/accounts/{id}</c> and <c>/oidc/accounts/{id}</c>, the rest is the workspace), answering as the real API
/// does per databricks-sdk-go v0.175.0: each route below names the fact (docs/facts.md) its path and body follow.
/// One router answers every request from the current state (so tests change the state and the next call sees it);
/// <see cref="Override"/> answers one path differently ahead of it. Bearer tokens are checked per host: a workspace
/// token (a PAT or a workspace OAuth token) is refused by the account API, and an account OAuth token by the
/// workspace, with 401 in the Databricks error shape [fact: sdk-error-body].
/// </summary>
public sealed class FakeDatabricks : IDisposable
{
    public const string AccountId = "0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e";
    public const string WorkspaceId = "123";
    public const string Pat = "test-token";
    public const string ClientId = "audit-client-id";
    public const string ClientSecret = "audit-client-secret";
    private const int FixturePriority = 100;

    private static readonly JsonSerializerOptions JsonOptions = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly object _gate = new();
    private readonly HashSet<string> _workspaceTokens = new(StringComparer.Ordinal) { Pat };
    private readonly HashSet<string> _accountTokens = new(StringComparer.Ordinal);

    public FakeDatabricks()
    {
        Server = WireMockServer.Start();
        Publish();
    }

    public WireMockServer Server { get; }

    public string Url => Server.Url!;

    public List<FakeUser> Users { get; } = [];

    public List<FakeGroup> Groups { get; } = [];

    public List<FakeSp> Sps { get; } = [];

    public List<FakeUser> AccountUsers { get; } = [];

    public List<FakeGroup> AccountGroups { get; } = [];

    public List<FakeSp> AccountSps { get; } = [];

    public List<FakeAssignment> Assignments { get; } = [];

    /// <summary>
    /// The workspace's SCIM also lists the account groups assigned to the workspace, with their members, as an
    /// identity-federated workspace does: <c>meta.resourceType</c> is "Group" (an account group) or "WorkspaceGroup" in
    /// the workspace's own view [fact: scim-resource-meta]. Off by
    /// default: the fixtures built before it keep the workspace's list to its own groups (their request counts).
    /// </summary>
    public bool AccountGroupsInWorkspaceView { get; set; }

    private IEnumerable<(FakeGroup Group, bool Account)> WorkspaceViewOfGroups =>
        Groups.Select(g => (g, false)).Concat(AccountGroupsInWorkspaceView
            ? AccountGroups.Where(g => Assignments.Any(a => a.Group == g.DisplayName)).Select(g => (g, true))
            : []);

    public Dictionary<string, List<FakeAcl>> Scopes { get; } = new(StringComparer.Ordinal);

    /// <summary>Key Vault-backed scopes by name (others are Databricks-backed).</summary>
    public Dictionary<string, FakeKeyVault> KeyVaultScopes { get; } = new(StringComparer.Ordinal);

    /// <summary>Secret names by scope (values are never served: the API returns metadata only).</summary>
    public Dictionary<string, List<string>> Secrets { get; } = new(StringComparer.Ordinal);

    public List<FakeJob> Jobs { get; } = [];

    /// <summary>Unity Catalog objects beyond those the grants name (catalogs, schemas, tables... by full name).</summary>
    public HashSet<string> Catalogs { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Schemas { get; } = new(StringComparer.Ordinal);

    /// <summary>Items per Unity Catalog list page (the server's choice when max_results=0).</summary>
    public int UcPageSize { get; set; } = 2;

    public List<FakeWarehouse> Warehouses { get; } = [];

    /// <summary>Workspace conf values by key (WorkspaceConf map[string]string [fact: sdk-workspace-conf]).</summary>
    public Dictionary<string, string> WorkspaceConf { get; } = new(StringComparer.Ordinal);

    /// <summary>Account rule sets by name (accounts/{id}/servicePrincipals/{applicationId}/ruleSets/default), served on
    /// the account API and on the workspace's proxy alike.</summary>
    public Dictionary<string, List<FakeRule>> RuleSets { get; } = new(StringComparer.Ordinal);

    public List<FakePermission>? TokenAcl { get; set; }

    public List<FakeToken> Tokens { get; } = [];

    public string? MetastoreId { get; set; }

    /// <summary>Keyed by "securable_type/full_name".</summary>
    public Dictionary<string, List<FakeGrant>> Grants { get; } = new(StringComparer.Ordinal);

    /// <summary>A Microsoft Entra token for Azure Databricks: accepted by both hosts.</summary>
    public string? EntraToken { get; set; }

    /// <summary>OAuth tokens issued, as "workspace" or "account", in order.</summary>
    public List<string> Issued { get; } = [];

    public int TokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>Leave <c>has_more</c> out even when another page follows (omitempty [fact: sdk-jobs-list]): only
    /// <c>next_page_token</c> tells.</summary>
    public bool OmitHasMore { get; set; }

    public void Dispose() => Server.Dispose();

    /// <summary>The requests received, as "METHOD path?query".</summary>
    public IReadOnlyList<string> Requests =>
        Server.LogEntries.OrderBy(e => e.RequestMessage!.DateTime).Select(e => $"{e.RequestMessage!.Method} {e.RequestMessage!.Path}{(string.IsNullOrEmpty(e.RequestMessage!.RawQuery) ? "" : "?" + e.RequestMessage!.RawQuery.TrimStart('?'))}").ToList();

    public IReadOnlyList<string> Methods => Server.LogEntries.Select(e => e.RequestMessage!.Method).ToList();

    public static FakeMember UserRef(FakeUser u) => new("Users", u.Id, u.DisplayName ?? u.UserName);

    public static FakeMember SpRef(FakeSp s) => new("ServicePrincipals", s.Id, s.DisplayName);

    public static FakeMember GroupRef(FakeGroup g) => new("Groups", g.Id, g.DisplayName);

    /// <summary>Drops every <see cref="Override"/>: the router alone answers, from the state at each request.</summary>
    public void Publish()
    {
        Server.ResetMappings();
        Server.Given(Request.Create().UsingAnyMethod()).AtPriority(FixturePriority)
            .RespondWith(Response.Create().WithCallback(Route));
    }

    /// <summary>Answers GET <paramref name="path"/> with <paramref name="response"/> ahead of the router.</summary>
    public void Override(string path, Func<IResponseBuilder, IResponseBuilder> response, int priority = 1) =>
        Server.Given(Request.Create().WithPath(path).UsingGet()).AtPriority(priority).RespondWith(response(Response.Create()));

    /// <summary>A query parameter (WireMock splits values at commas: they are joined back).</summary>
    public static string? Param(IRequestMessage request, string name) =>
        request.GetParameter(name) is { Count: > 0 } values ? string.Join(",", values) : null;

    private ResponseMessage Route(IRequestMessage req)
    {
        lock (_gate)
        {
            var path = req.Path;
            var account = $"/api/2.0/accounts/{AccountId}";
            if (req.Method == "POST")
            {
                // The account's {host}/oidc/accounts/{id}/v1/token and the workspace's {host}/oidc/v1/token
                // [fact: sdk-m2m-auth].
                return path == "/oidc/v1/token" ? IssueToken(req, "workspace", _workspaceTokens)
                    : path == $"/oidc/accounts/{AccountId}/v1/token" ? IssueToken(req, "account", _accountTokens)
                    : Error(404, "ENDPOINT_NOT_FOUND", $"No API found for 'POST {path}'");
            }

            if (req.Method != "GET")
            {
                return Error(405, "METHOD_NOT_ALLOWED", $"{req.Method} is not allowed");
            }

            var isAccount = path.StartsWith("/api/2.0/accounts/", StringComparison.Ordinal) || path.StartsWith($"/api/2.0/preview/accounts/{AccountId}/", StringComparison.Ordinal);
            var bearer = req.Headers?.TryGetValue("Authorization", out var h) == true ? h.FirstOrDefault() ?? string.Empty : string.Empty;
            var token = bearer.StartsWith("Bearer ", StringComparison.Ordinal) ? bearer[7..] : string.Empty;
            if (!(token == EntraToken && EntraToken is not null) && !(isAccount ? _accountTokens : _workspaceTokens).Contains(token))
            {
                // 401 -> ErrUnauthenticated, in the error body's shape [fact: sdk-error-body]. The
                // account API knows no personal access token: a workspace token is as unknown to it as any.
                return Error(401, "UNAUTHENTICATED", isAccount ? "Invalid authentication credentials for the account API" : "Invalid access token.");
            }

            if (path == "/api/2.0/preview/scim/v2/Users")
            {
                return Scim(req, Users.Select(u => UserJson(u, account: false)));
            }

            if (path == $"{account}/scim/v2/Users")
            {
                return Scim(req, AccountUsers.Select(u => UserJson(u, account: true)));
            }

            if (path == "/api/2.0/preview/scim/v2/Groups")
            {
                return Scim(req, WorkspaceViewOfGroups.Select(g => GroupJson(g.Group, g.Account, members: true, entitlements: true)));
            }

            if (path == $"{account}/scim/v2/Groups")
            {
                // "As of 08/22/2025, this endpoint will no longer return members" [fact: sdk-account-groups-no-members].
                return Scim(req, AccountGroups.Select(g => GroupJson(g, account: true, members: false)));
            }

            if (Match(path, @"^/api/2\.0/preview/scim/v2/Groups/([^/]+)$") is { } wsId)
            {
                // groupsV2Impl.Get -> Group [fact: sdk-scim-paths].
                return WorkspaceViewOfGroups.FirstOrDefault(g => g.Group.Id == wsId) is { Group: not null } g
                    ? Ok(GroupJson(g.Group, g.Account, members: true, entitlements: true))
                    : ScimError(404, $"Group with id {wsId} not found.");
            }

            if (Match(path, $@"^{Regex.Escape(account)}/scim/v2/Groups/([^/]+)$") is { } accId)
            {
                // accountGroupsV2Impl.Get -> AccountGroup (members, roles) [fact: sdk-scim-paths].
                return AccountGroups.FirstOrDefault(g => g.Id == accId) is { } g ? Ok(GroupJson(g, account: true, members: true)) : ScimError(404, $"Group with id {accId} not found.");
            }

            if (path == "/api/2.0/preview/scim/v2/ServicePrincipals")
            {
                return Scim(req, Sps.Select(s => SpJson(s, account: false)));
            }

            if (path == $"{account}/scim/v2/ServicePrincipals")
            {
                return Scim(req, AccountSps.Select(s => SpJson(s, account: true)));
            }

            if (path == $"{account}/workspaces/{WorkspaceId}/permissionassignments" || path == "/api/2.0/preview/permissionassignments")
            {
                // The workspace's own list (second path, a workspace admin's token) has the same fields as the account
                // API's [fact: permission-assignments-workspace-list]: PermissionAssignments, PermissionAssignment,
                // PrincipalOutput [fact: sdk-permission-assignments].
                return Ok(new
                {
                    permission_assignments = Assignments.Select(a => new
                    {
                        principal = new { principal_id = a.PrincipalId, user_name = a.User, group_name = a.Group, service_principal_name = a.Sp, display_name = a.DisplayName },
                        permissions = a.Permissions,
                    }),
                });
            }

            if (path == "/api/2.0/secrets/scopes/list")
            {
                // ListScopesResponse, SecretScope [fact: sdk-secrets-api].
                return Ok(new
                {
                    scopes = Scopes.Keys.Select(n => KeyVaultScopes.TryGetValue(n, out var kv)
                        ? (object)new { name = n, backend_type = "AZURE_KEYVAULT", keyvault_metadata = new { resource_id = kv.ResourceId, dns_name = kv.DnsName } }
                        : new { name = n, backend_type = "DATABRICKS" }),
                });
            }

            if (path == "/api/2.0/secrets/list")
            {
                // ListSecretsResponse, SecretMetadata [fact: sdk-secrets-api]
                // (key, last_updated_timestamp; never a value); a scope that is gone: 404.
                var scope = Param(req, "scope") ?? string.Empty;
                return Scopes.ContainsKey(scope)
                    ? Ok(new { secrets = Secrets.GetValueOrDefault(scope, []).Select(k => new { key = k, last_updated_timestamp = 1700000000000 }) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Scope {scope} does not exist!");
            }

            if (path == "/api/2.0/secrets/acls/list")
            {
                // ListAclsResponse, AclItem; a scope that is gone: 404 [fact: sdk-secrets-api].
                var scope = Param(req, "scope") ?? string.Empty;
                return Scopes.TryGetValue(scope, out var acls)
                    ? Ok(new { items = acls.Select(a => new { principal = a.Principal, permission = a.Permission }) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Scope {scope} does not exist!");
            }

            if (path == "/api/2.2/jobs/list")
            {
                return JobsList(req);
            }

            if (path == "/api/2.2/jobs/get")
            {
                return JobGet(Param(req, "job_id"));
            }

            if (Match(path, @"^/api/2\.0/permissions/jobs/(\d+)$") is { } jobId)
            {
                // permissionsImpl.Get (and jobs GetPermissions): ObjectPermissions (object_id, object_type,
                // access_control_list) [fact: sdk-permissions-get].
                return Jobs.FirstOrDefault(j => j.Id.ToString(CultureInfo.InvariantCulture) == jobId) is { } job
                    ? Ok(new { object_id = $"/jobs/{job.Id}", object_type = "job", access_control_list = Acl(job.Acl) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Job {jobId} does not exist.");
            }

            if (path == "/api/2.0/permissions/authorization/tokens" && TokenAcl is { } tokenAcl)
            {
                // permissionsImpl.Get with request object type authorization and id tokens [fact: sdk-permissions-get]
                // [fact: permissions-object-types].
                return Ok(new { object_id = "authorization/tokens", object_type = "tokens", access_control_list = Acl(tokenAcl) });
            }

            if (path == "/api/2.0/token-management/tokens")
            {
                // One page: ListTokensResponse, TokenInfo [fact: sdk-tokens-list].
                return Ok(new
                {
                    token_infos = Tokens.Select(t => new
                    {
                        token_id = t.TokenId,
                        created_by_username = t.CreatedBy,
                        created_by_id = t.OwnerId,
                        owner_id = t.OwnerId,
                        creation_time = t.Creation,
                        expiry_time = t.Expiry,
                        comment = t.Comment,
                        workspace_id = long.Parse(WorkspaceId, CultureInfo.InvariantCulture),
                    }),
                });
            }

            if (path == "/api/2.1/unity-catalog/current-metastore-assignment")
            {
                // MetastoreAssignment [fact: sdk-current-metastore].
                return MetastoreId is { } id
                    ? Ok(new { metastore_id = id, workspace_id = long.Parse(WorkspaceId, CultureInfo.InvariantCulture), default_catalog_name = "main" })
                    : Error(404, "METASTORE_DOES_NOT_EXIST", "No metastore assigned for the current workspace.");
            }

            if (path is "/api/2.1/unity-catalog/catalogs" or "/api/2.1/unity-catalog/schemas" or "/api/2.1/unity-catalog/tables"
                or "/api/2.1/unity-catalog/volumes" or "/api/2.1/unity-catalog/functions")
            {
                return UcList(req, path[(path.LastIndexOf('/') + 1)..]);
            }

            if (path == "/api/2.0/sql/warehouses")
            {
                // ListWarehousesResponse, EndpointInfo (id, name, creator_name): one page [fact: sdk-warehouses-list].
                return Ok(new { warehouses = Warehouses.Select(w => new { id = w.Id, name = w.Name, creator_name = w.Creator, state = "RUNNING" }) });
            }

            if (Match(path, @"^/api/2\.0/permissions/sql/warehouses/([^/]+)$") is { } warehouseId)
            {
                // permissionsImpl.Get with request object type sql/warehouses [fact: sdk-permissions-get]; object_type
                // "warehouses"; levels CAN_USE, CAN_MANAGE, CAN_MONITOR, CAN_VIEW, IS_OWNER [fact: permissions-object-types].
                return Warehouses.FirstOrDefault(w => w.Id == warehouseId) is { } w
                    ? Ok(new { object_id = $"/sql/warehouses/{w.Id}", object_type = "warehouses", access_control_list = Acl(w.Acl) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Warehouse {warehouseId} does not exist.");
            }

            if (path == "/api/2.0/workspace-conf")
            {
                // GetStatus (keys=...): each asked key, null when unset [fact: sdk-workspace-conf].
                var keys = (Param(req, "keys") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
                return Ok(keys.ToDictionary(k => k, k => WorkspaceConf.GetValueOrDefault(k)));
            }

            if (path == $"/api/2.0/preview/accounts/{AccountId}/access-control/rule-sets" || path == "/api/2.0/preview/accounts/access-control/rule-sets")
            {
                // accountAccessControlImpl.GetRuleSet (account host, account token) and
                // accountAccessControlProxyImpl.GetRuleSet (the workspace's proxy, workspace token); GetRuleSetRequest
                // (name, etag), RuleSetResponse (etag, grant_rules omitempty, name), GrantRule (principals omitempty,
                // role) [fact: sdk-rule-set].
                var name = Param(req, "name") ?? string.Empty;
                return RuleSets.TryGetValue(name, out var rules)
                    ? Ok(new { name, etag = "RENUAAABBB=", grant_rules = rules.Select(r => new { principals = r.Principals, role = r.Role }) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Rule set {name} does not exist.");
            }

            if (Match(path, @"^/api/2\.1/unity-catalog/permissions/(.+)$") is { } securable)
            {
                // PrivilegeAssignment: a deleted principal has principal "" and a principal_id [fact: sdk-uc-permissions].
                return Grants.TryGetValue(Uri.UnescapeDataString(securable), out var grants)
                    ? Ok(new
                    {
                        privilege_assignments = grants.Select(g => g.PrincipalId is null
                            ? (object)new { principal = g.Principal, privileges = g.Privileges }
                            : new { principal = g.Principal, principal_id = g.PrincipalId, privileges = g.Privileges }),
                    })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"{securable} does not exist.");
            }

            return Error(404, "ENDPOINT_NOT_FOUND", $"No API found for 'GET {path}'");
        }
    }

    /// <summary>
    /// The client-credentials grant (HTTP Basic client authentication, scope <c>all-apis</c> [fact: sdk-m2m-auth]);
    /// an RFC 6749 5.1 token response, or 401 invalid_client.
    /// </summary>
    private ResponseMessage IssueToken(IRequestMessage req, string host, HashSet<string> valid)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
        var auth = req.Headers?.TryGetValue("Authorization", out var h) == true ? h.FirstOrDefault() : null;
        var form = System.Web.HttpUtility.ParseQueryString(req.Body ?? string.Empty);
        if (auth != expected)
        {
            return Respond(401, new { error = "invalid_client", error_description = "Client authentication failed" });
        }

        if (form["grant_type"] != "client_credentials" || form["scope"] != "all-apis")
        {
            return Respond(400, new { error = "invalid_request", error_description = "grant_type client_credentials and scope all-apis expected" });
        }

        Issued.Add(host);
        var token = $"{host}-oauth-{Issued.Count}";
        valid.Add(token);
        return Ok(new { access_token = token, token_type = "Bearer", expires_in = TokenLifetimeSeconds, scope = "all-apis" });
    }

    /// <summary>
    /// GET /api/2.2/jobs/list (ListJobsRequest <c>name</c>: exact, case insensitive; <c>limit</c> default 20).
    /// <c>has_more</c> and <c>next_page_token</c> are omitempty: absent on the last page; the SDK pages by
    /// <c>next_page_token</c> alone [fact: sdk-jobs-list].
    /// </summary>
    private ResponseMessage JobsList(IRequestMessage req)
    {
        var limit = int.Parse(Param(req, "limit") ?? "20", CultureInfo.InvariantCulture);
        var name = Param(req, "name");
        var token = Param(req, "page_token");
        var all = Jobs.Where(j => name is null || string.Equals(j.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        var start = token is null ? 0 : int.Parse(token.AsSpan(5), CultureInfo.InvariantCulture);
        var page = all.Skip(start).Take(limit).ToList();
        var more = start + page.Count < all.Count;
        var body = new Dictionary<string, object>
        {
            // BaseJob: no run_as_user_name (that is Job's, from jobs/get); tasks only with expand_tasks [fact: sdk-jobs-list].
            ["jobs"] = page.Select(j => new { job_id = j.Id, creator_user_name = j.Creator, settings = new { name = j.Name, max_concurrent_runs = 1 }, created_time = 1700000000000 }),
        };
        if (more)
        {
            if (!OmitHasMore)
            {
                body["has_more"] = true;
            }

            body["next_page_token"] = $"page-{start + page.Count}";
        }

        if (page.Count == 0)
        {
            body.Remove("jobs"); // "Only included in the response if there are jobs to list" [fact: sdk-jobs-list].
        }

        return Ok(body);
    }

    /// <summary>GET /api/2.2/jobs/get?job_id= (Job with run_as_user_name, settings [fact: sdk-jobs-get]).</summary>
    private ResponseMessage JobGet(string? id)
    {
        if (Jobs.FirstOrDefault(j => j.Id.ToString(CultureInfo.InvariantCulture) == id) is not { } j)
        {
            return Error(400, "INVALID_PARAMETER_VALUE", $"Job {id} does not exist.");
        }

        var task = new Dictionary<string, object> { ["task_key"] = j.TaskKey };
        task[j.TaskType] = j.TaskType == "notebook_task" ? new { notebook_path = j.Notebook, source = "WORKSPACE" } : new { };
        var settings = new Dictionary<string, object>
        {
            ["name"] = j.Name,
            ["max_concurrent_runs"] = 1,
            ["format"] = "MULTI_TASK",
            ["email_notifications"] = new { },
            ["timeout_seconds"] = 0,
            ["tasks"] = new[] { task },
        };
        if (j.Cron is { } cron)
        {
            settings["schedule"] = new { quartz_cron_expression = cron, timezone_id = j.TimeZone, pause_status = "UNPAUSED" };
        }

        foreach (var (k, v) in j.Extra)
        {
            settings[k] = v;
        }

        return Ok(new { job_id = j.Id, creator_user_name = j.Creator, run_as_user_name = j.RunAs, settings, created_time = 1700000000000 });
    }

    /// <summary>
    /// A Unity Catalog list (catalogs, schemas (catalog_name), tables, volumes, functions (catalog_name, schema_name)
    /// [fact: sdk-uc-lists]): <see cref="UcPageSize"/> items a page, then
    /// <c>next_page_token</c>; the objects are the explicit ones and those the grants name.
    /// </summary>
    private ResponseMessage UcList(IRequestMessage req, string kind)
    {
        var type = kind switch { "catalogs" => "catalog", "schemas" => "schema", "tables" => "table", "volumes" => "volume", _ => "function" };
        var names = Grants.Keys.Select(k => k.Split('/', 2)).Where(p => p.Length == 2).SelectMany(p => Prefixes(p[0], p[1]))
            .Concat(Catalogs.Select(c => ("catalog", c))).Concat(Schemas.Select(x => ("schema", x)))
            .Where(x => x.Item1 == type).Select(x => x.Item2).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var parent = kind == "catalogs" ? null : kind == "schemas" ? Param(req, "catalog_name") : $"{Param(req, "catalog_name")}.{Param(req, "schema_name")}";
        var items = names.Where(n => parent is null || n.StartsWith(parent + ".", StringComparison.Ordinal) && n.Count(c => c == '.') == parent.Count(c => c == '.') + 1).ToList();
        var start = Param(req, "page_token") is { } token ? int.Parse(token.AsSpan(5), CultureInfo.InvariantCulture) : 0;
        var page = items.Skip(start).Take(UcPageSize).ToList();
        var body = new Dictionary<string, object> { [kind] = page.Select(n => new { name = n[(n.LastIndexOf('.') + 1)..], full_name = n }) };
        if (start + page.Count < items.Count)
        {
            body["next_page_token"] = $"page-{start + page.Count}";
        }

        return Ok(body);
    }

    /// <summary>A securable and the catalog and schema it sits in.</summary>
    private static IEnumerable<(string, string)> Prefixes(string type, string name)
    {
        yield return (type, name);
        var parts = name.Split('.');
        if (type is "schema" or "table" or "volume" or "function")
        {
            yield return ("catalog", parts[0]);
        }

        if (type is "table" or "volume" or "function" && parts.Length > 1)
        {
            yield return ("schema", $"{parts[0]}.{parts[1]}");
        }
    }

    private static Dictionary<string, object?> UserJson(FakeUser u, bool account)
    {
        // User (entitlements), AccountUser (no entitlements) [fact: sdk-scim-shapes].
        var json = new Dictionary<string, object?>
        {
            ["id"] = u.Id,
            ["userName"] = u.UserName,
            ["displayName"] = u.DisplayName ?? u.UserName,
            ["active"] = true,
            ["emails"] = new[] { new { value = u.UserName, type = "work", primary = true } },
            ["schemas"] = new[] { "urn:ietf:params:scim:schemas:core:2.0:User" },
        };
        if (!account && u.Entitlements.Count > 0)
        {
            json["entitlements"] = u.Entitlements.Select(e => new { value = e });
        }

        return json;
    }

    private static Dictionary<string, object?> GroupJson(FakeGroup g, bool account, bool members, bool entitlements = false)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = g.Id,
            ["displayName"] = g.DisplayName,
            ["schemas"] = new[] { "urn:ietf:params:scim:schemas:core:2.0:Group" },
            ["meta"] = new { resourceType = account ? "Group" : "WorkspaceGroup" },
        };
        if (g.ExternalId is { } external)
        {
            json["externalId"] = external; // Group.ExternalId, AccountGroup.ExternalId [fact: sdk-scim-shapes]
        }

        if (members && g.Members.Count > 0)
        {
            // ComplexValue: value (SCIM id), display, $ref [fact: sdk-scim-shapes], whose prefix tells the member's kind [fact: exporter-scim-ref].
            json["members"] = g.Members.Select(m => new Dictionary<string, string> { ["value"] = m.Id, ["display"] = m.Display, ["$ref"] = $"{m.Kind}/{m.Id}" });
        }

        if ((!account || entitlements) && g.Entitlements.Count > 0)
        {
            json["entitlements"] = g.Entitlements.Select(e => new { value = e });
        }

        if (account && g.Roles.Count > 0)
        {
            json["roles"] = g.Roles.Select(r => new { value = r });
        }

        return json;
    }

    private static Dictionary<string, object?> SpJson(FakeSp s, bool account)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = s.Id,
            ["applicationId"] = s.ApplicationId,
            ["displayName"] = s.DisplayName,
            ["active"] = true,
            ["schemas"] = new[] { "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal" },
        };
        if (!account && s.Entitlements.Count > 0)
        {
            json["entitlements"] = s.Entitlements.Select(e => new { value = e });
        }

        if (account && s.Roles.Count > 0)
        {
            json["roles"] = s.Roles.Select(r => new { value = r });
        }

        return json;
    }

    private static IEnumerable<object> Acl(IEnumerable<FakePermission> acl) => acl.Select(p => new
    {
        user_name = p.User,
        group_name = p.Group,
        service_principal_name = p.Sp,
        display_name = p.User ?? p.Group ?? p.Sp,
        all_permissions = new[]
        {
            new { permission_level = p.Level, inherited = p.Inherited, inherited_from_object = p.Inherited ? new[] { "/jobs/" } : null },
        },
    });

    /// <summary>
    /// A SCIM list (ListAccountGroupsResponse and siblings): the page asked for by <c>startIndex</c> (1-based) and
    /// <c>count</c> (default 10000) [fact: sdk-scim-paths], with only the <c>attributes</c> asked
    /// for and <c>id</c> (RFC 7644 3.4.2.5: id is always returned).
    /// </summary>
    private static ResponseMessage Scim(IRequestMessage req, IEnumerable<Dictionary<string, object?>> items)
    {
        var all = items.ToList();
        var start = int.Parse(Param(req, "startIndex") ?? "1", CultureInfo.InvariantCulture);
        var count = int.Parse(Param(req, "count") ?? "10000", CultureInfo.InvariantCulture);
        var attributes = Param(req, "attributes")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var page = all.Skip(Math.Max(start, 1) - 1).Take(count)
            .Select(r => attributes is null ? r : r.Where(kv => kv.Key == "id" || attributes.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value))
            .ToList();
        return Ok(new
        {
            schemas = new[] { "urn:ietf:params:scim:api:messages:2.0:ListResponse" },
            totalResults = all.Count,
            startIndex = start,
            itemsPerPage = page.Count,
            Resources = page,
        });
    }

    private static string? Match(string path, string pattern)
    {
        var m = Regex.Match(path, pattern);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static ResponseMessage Ok(object body) => Respond(200, body);

    private static ResponseMessage Error(int status, string code, string message) => Respond(status, new { error_code = code, message });

    /// <summary>A SCIM error (RFC 7644 3.12, as the SDK reads it: detail, status [fact: sdk-error-body]).</summary>
    private static ResponseMessage ScimError(int status, string detail) => Respond(status, new
    {
        schemas = new[] { "urn:ietf:params:scim:api:messages:2.0:Error" },
        detail,
        status = status.ToString(CultureInfo.InvariantCulture),
    });

    private static ResponseMessage Respond(int status, object body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
        BodyData = new BodyData { BodyAsString = JsonSerializer.Serialize(body, JsonOptions), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };
}
