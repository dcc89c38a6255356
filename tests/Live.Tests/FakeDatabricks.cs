using System.Globalization;
using System.Text.Json;
using WireMock;
using WireMock.Matchers;
using WireMock.Types;
using WireMock.Util;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DatabricksAccess.Live.Tests;

public sealed record FakeUser(string Id, string UserName, string? DisplayName = null);

/// <summary>A SCIM member reference: <paramref name="Kind"/> is Users, Groups or ServicePrincipals.</summary>
public sealed record FakeMember(string Kind, string Id, string Display);

public sealed record FakeGroup(string Id, string DisplayName, List<FakeMember> Members)
{
    /// <summary>Set for a group synced from Entra ID (databricks-sdk-go v0.175.0 service/iam/model.go:838 Group.ExternalId).</summary>
    public string? ExternalId { get; init; }

    /// <summary>SCIM entitlement values (service/iam/model.go:836 Group.Entitlements, ComplexValue.value).</summary>
    public List<string> Entitlements { get; init; } = [];
}

public sealed record FakeSp(string Id, string ApplicationId, string DisplayName)
{
    /// <summary>service/iam/model.go:2045 ServicePrincipal.Entitlements.</summary>
    public List<string> Entitlements { get; init; } = [];
}

/// <summary>A secret scope's backend: Azure Key Vault metadata when Key Vault-backed (service/workspace/model.go:67, :1337).</summary>
public sealed record FakeKeyVault(string ResourceId, string DnsName);

public sealed record FakeAcl(string Principal, string Permission);

/// <summary>One entry of a permissions API access control list.</summary>
public sealed record FakePermission(string? User, string? Group, string? Sp, string Level, bool Inherited = false);

public sealed record FakeJob(long Id, string Name, List<FakePermission> Acl);

public sealed record FakeGrant(string Principal, string[] Privileges);

public sealed record FakeAssignment(long PrincipalId, string? User, string? Group, string? Sp, string DisplayName, string[] Permissions);

/// <summary>
/// A Databricks workspace and account on a loopback WireMock server, answering GETs of the endpoints the audit reads
/// with bodies in the shapes of the Databricks REST API reference (SCIM ListResponse with <c>Resources</c>,
/// <c>totalResults</c>, <c>startIndex</c>, <c>itemsPerPage</c>; jobs list with <c>has_more</c> and
/// <c>next_page_token</c>; permissions <c>access_control_list</c>; ...). Paging follows the request's own
/// <c>startIndex</c>/<c>count</c> and <c>limit</c>/<c>page_token</c>. Anything else is a 404 (WireMock's default).
/// Tests change the state, then <see cref="Publish"/>; <see cref="Override"/> answers one path differently.
/// </summary>
public sealed class FakeDatabricks : IDisposable
{
    public const string AccountId = "0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e";
    public const string WorkspaceId = "123";
    private const int FixturePriority = 100;

    public FakeDatabricks()
    {
        Server = WireMockServer.Start();
    }

    public WireMockServer Server { get; }

    public string Url => Server.Url!;

    public List<FakeUser> Users { get; } = [];

    public List<FakeGroup> Groups { get; } = [];

    public List<FakeSp> Sps { get; } = [];

    public List<FakeGroup> AccountGroups { get; } = [];

    public List<FakeSp> AccountSps { get; } = [];

    public List<FakeAssignment> Assignments { get; } = [];

    public Dictionary<string, List<FakeAcl>> Scopes { get; } = new(StringComparer.Ordinal);

    /// <summary>Key Vault-backed scopes by name (others are Databricks-backed).</summary>
    public Dictionary<string, FakeKeyVault> KeyVaultScopes { get; } = new(StringComparer.Ordinal);

    /// <summary>Secret names by scope (values are never served: the API returns metadata only).</summary>
    public Dictionary<string, List<string>> Secrets { get; } = new(StringComparer.Ordinal);

    public List<FakeJob> Jobs { get; } = [];

    public List<FakePermission>? TokenAcl { get; set; }

    /// <summary>Keyed by "securable_type/full_name".</summary>
    public Dictionary<string, List<FakeGrant>> Grants { get; } = new(StringComparer.Ordinal);

    public void Dispose() => Server.Dispose();

    /// <summary>The requests received, as "METHOD path?query".</summary>
    public IReadOnlyList<string> Requests =>
        Server.LogEntries.Select(e => $"{e.RequestMessage!.Method} {e.RequestMessage!.Path}{(string.IsNullOrEmpty(e.RequestMessage!.RawQuery) ? "" : "?" + e.RequestMessage!.RawQuery.TrimStart('?'))}").ToList();

    public IReadOnlyList<string> Methods => Server.LogEntries.Select(e => e.RequestMessage!.Method).ToList();

    public static FakeMember UserRef(FakeUser u) => new("Users", u.Id, u.DisplayName ?? u.UserName);

    public static FakeMember SpRef(FakeSp s) => new("ServicePrincipals", s.Id, s.DisplayName);

    public static FakeMember GroupRef(FakeGroup g) => new("Groups", g.Id, g.DisplayName);

    /// <summary>Registers every endpoint from the current state (replacing an earlier publication).</summary>
    public void Publish()
    {
        Server.ResetMappings();
        Scim("/api/2.0/preview/scim/v2/Users", () => Users.Select(u => new Dictionary<string, object?>
        {
            ["id"] = u.Id,
            ["userName"] = u.UserName,
            ["displayName"] = u.DisplayName ?? u.UserName,
            ["active"] = true,
            ["schemas"] = new[] { "urn:ietf:params:scim:schemas:core:2.0:User" },
        }).ToList());
        Scim("/api/2.0/preview/scim/v2/Groups", () => Groups.Select(g => GroupJson(g, "WorkspaceGroup")).ToList());
        Scim("/api/2.0/preview/scim/v2/ServicePrincipals", () => Sps.Select(SpJson).ToList());
        Scim($"/api/2.0/accounts/{AccountId}/scim/v2/Groups", () => AccountGroups.Select(g => GroupJson(g, null)).ToList());
        Scim($"/api/2.0/accounts/{AccountId}/scim/v2/ServicePrincipals", () => AccountSps.Select(SpJson).ToList());

        // One group by id, with its members (databricks-sdk-go v0.175.0 service/iam/impl.go:497 groupsV2Impl.Get,
        // :147 accountGroupsV2Impl.Get; the account list no longer returns members, impl.go:191-195).
        // One mapping per endpoint answering from a dictionary (an unknown id is a 404), so an estate of thousands of
        // groups and scopes costs WireMock no linear scan of thousands of mappings per request.
        var groupsById = Groups.ToDictionary(g => g.Id);
        var accountGroupsById = AccountGroups.ToDictionary(g => g.Id);
        GetOrNotFound("/api/2.0/preview/scim/v2/Groups/*", req =>
            groupsById.TryGetValue(req.Path[(req.Path.LastIndexOf('/') + 1)..], out var g) ? Project(GroupJson(g, "WorkspaceGroup"), Param(req, "attributes")) : null);
        GetOrNotFound($"/api/2.0/accounts/{AccountId}/scim/v2/Groups/*", req =>
            accountGroupsById.TryGetValue(req.Path[(req.Path.LastIndexOf('/') + 1)..], out var g) ? Project(GroupJson(g, null), Param(req, "attributes")) : null);
        // databricks-sdk-go v0.175.0 service/iam/impl.go:1033 (workspaceAssignmentImpl, permissionassignments).
        Get($"/api/2.0/accounts/{AccountId}/workspaces/{WorkspaceId}/permissionassignments", _ => new
        {
            permission_assignments = Assignments.Select(a => new
            {
                principal = new { principal_id = a.PrincipalId, user_name = a.User, group_name = a.Group, service_principal_name = a.Sp, display_name = a.DisplayName },
                permissions = a.Permissions,
            }),
        });

        // service/workspace/impl.go:488 (scopes/list), model.go:1337 SecretScope with keyvault_metadata for AZURE_KEYVAULT.
        Get("/api/2.0/secrets/scopes/list", _ => new
        {
            scopes = Scopes.Keys.Select(n => KeyVaultScopes.TryGetValue(n, out var kv)
                ? (object)new { name = n, backend_type = "AZURE_KEYVAULT", keyvault_metadata = new { resource_id = kv.ResourceId, dns_name = kv.DnsName } }
                : new { name = n, backend_type = "DATABRICKS" }),
        });

        // service/workspace/impl.go:559 (secrets/list?scope=): metadata only (model.go:1317 SecretMetadata: key,
        // last_updated_timestamp), never a value.
        GetOrNotFound("/api/2.0/secrets/list", req =>
            Param(req, "scope") is { } scope && Scopes.ContainsKey(scope)
                ? new { secrets = Secrets.GetValueOrDefault(scope, []).Select(k => new { key = k, last_updated_timestamp = 1700000000000 }) }
                : null);
        // service/workspace/impl.go:428 (secrets/acls/list?scope=); an unknown scope is a 404.
        GetOrNotFound("/api/2.0/secrets/acls/list", req =>
            Param(req, "scope") is { } scope && Scopes.TryGetValue(scope, out var acls)
                ? new { items = acls.Select(a => new { principal = a.Principal, permission = a.Permission }) }
                : null);

        // service/jobs/impl.go:204 (jobs/list, limit + page_token; the SDK calls 2.2, the audit 2.1 with the same paging).
        Get("/api/2.1/jobs/list", req =>
        {
            var limit = int.Parse(Param(req, "limit") ?? "20", CultureInfo.InvariantCulture);
            var token = Param(req, "page_token");
            var start = token is null ? 0 : int.Parse(token.AsSpan(5), CultureInfo.InvariantCulture);
            var page = Jobs.Skip(start).Take(limit).ToList();
            var more = start + page.Count < Jobs.Count;
            return new
            {
                jobs = page.Select(j => new { job_id = j.Id, creator_user_name = "someone@contoso.com", settings = new { name = j.Name, max_concurrent_runs = 1 }, created_time = 1700000000000 }),
                has_more = more,
                next_page_token = more ? $"page-{start + page.Count}" : null,
            };
        });
        // service/iam/impl.go:616 (permissions/{type}/{id}).
        foreach (var job in Jobs)
        {
            Get($"/api/2.0/permissions/jobs/{job.Id}", _ => new { object_id = $"/jobs/{job.Id}", object_type = "job", access_control_list = Acl(job.Acl) });
        }

        if (TokenAcl is { } tokens)
        {
            Get("/api/2.0/permissions/authorization/tokens", _ => new { object_id = "authorization/tokens", object_type = "tokens", access_control_list = Acl(tokens) });
        }

        // service/catalog/impl.go:1752 (unity-catalog/permissions/{securable_type}/{full_name}).
        foreach (var (securable, grants) in Grants)
        {
            Get($"/api/2.1/unity-catalog/permissions/{securable}", _ => new
            {
                privilege_assignments = grants.Select(g => new { principal = g.Principal, privileges = g.Privileges }),
            });
        }
    }

    /// <summary>Answers GET <paramref name="path"/> with <paramref name="response"/> ahead of the fixture.</summary>
    public void Override(string path, Func<IResponseBuilder, IResponseBuilder> response, int priority = 1) =>
        Server.Given(Request.Create().WithPath(path).UsingGet()).AtPriority(priority).RespondWith(response(Response.Create()));

    public static string? Param(IRequestMessage request, string name) => request.GetParameter(name)?.FirstOrDefault();

    /// <summary>
    /// A group as SCIM returns it (service/iam/model.go:829 Group, :55 AccountGroup): externalId only when synced,
    /// entitlements (workspace only), meta.resourceType <c>WorkspaceGroup</c> for a workspace-local group (model.go:1978).
    /// </summary>
    private static Dictionary<string, object?> GroupJson(FakeGroup g, string? resourceType)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = g.Id,
            ["displayName"] = g.DisplayName,
            ["members"] = g.Members.Select(m => new Dictionary<string, string> { ["value"] = m.Id, ["display"] = m.Display, ["$ref"] = $"{m.Kind}/{m.Id}" }).ToList(),
            ["schemas"] = new[] { "urn:ietf:params:scim:schemas:core:2.0:Group" },
        };
        if (g.ExternalId is { } external)
        {
            json["externalId"] = external;
        }

        if (resourceType is not null)
        {
            json["meta"] = new { resourceType };
            json["entitlements"] = g.Entitlements.Select(e => new { value = e }).ToList();
        }

        return json;
    }

    private static Dictionary<string, object?> SpJson(FakeSp s) => new()
    {
        ["id"] = s.Id,
        ["applicationId"] = s.ApplicationId,
        ["displayName"] = s.DisplayName,
        ["active"] = true,
        ["entitlements"] = s.Entitlements.Select(e => new { value = e }).ToList(),
        ["schemas"] = new[] { "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal" },
    };

    /// <summary>
    /// SCIM <c>attributes=</c>: only the attributes asked for, and <c>id</c> (service/iam/model.go:1063
    /// ListGroupsRequest.Attributes, "comma-separated list of attributes to return in response").
    /// </summary>
    private static Dictionary<string, object?> Project(Dictionary<string, object?> json, string? attributes)
    {
        if (string.IsNullOrEmpty(attributes))
        {
            return json;
        }

        var keep = attributes.Split(',', StringSplitOptions.TrimEntries).Append("id").ToHashSet(StringComparer.OrdinalIgnoreCase);
        return json.Where(kv => keep.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
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
    /// A SCIM list endpoint: the page asked for by startIndex (1-based) and count, with <c>attributes=</c> honoured
    /// (service/iam/impl.go:547 groups, :754 service principals, :906 users; :202 and :307 account groups and service
    /// principals; paging as the iterators at :163-189).
    /// </summary>
    private void Scim(string path, Func<List<Dictionary<string, object?>>> items) => Get(path, req =>
    {
        var attributes = Param(req, "attributes");
        var all = items().Select(i => Project(i, attributes)).ToList();
        var start = int.Parse(Param(req, "startIndex") ?? "1", CultureInfo.InvariantCulture);
        var count = int.Parse(Param(req, "count") ?? "100", CultureInfo.InvariantCulture);
        var page = all.Skip(start - 1).Take(count).ToList();
        return new
        {
            schemas = new[] { "urn:ietf:params:scim:api:messages:2.0:ListResponse" },
            totalResults = all.Count,
            startIndex = start,
            itemsPerPage = page.Count,
            Resources = page,
        };
    });

    private void GetOrNotFound(string pathPattern, Func<IRequestMessage, object?> body) =>
        Server.Given(Request.Create().WithPath(new WildcardMatcher(pathPattern)).UsingGet()).AtPriority(FixturePriority)
            .RespondWith(Response.Create().WithCallback(req => body(req) is { } b
                ? new ResponseMessage
                {
                    StatusCode = 200,
                    Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
                    BodyData = new BodyData { BodyAsString = JsonSerializer.Serialize(b), DetectedBodyType = BodyType.String },
                }
                : new ResponseMessage { StatusCode = 404 }));

    private void Get(string path, Func<IRequestMessage, object> body) =>
        Server.Given(Request.Create().WithPath(path).UsingGet()).AtPriority(FixturePriority).RespondWith(Json(body));

    private static IResponseBuilder Json(Func<IRequestMessage, object> body) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
            .WithBody(req => JsonSerializer.Serialize(body(req)));
}
