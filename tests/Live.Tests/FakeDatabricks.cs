using System.Globalization;
using System.Text.Json;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DatabricksAccess.Live.Tests;

public sealed record FakeUser(string Id, string UserName, string? DisplayName = null);

/// <summary>A SCIM member reference: <paramref name="Kind"/> is Users, Groups or ServicePrincipals.</summary>
public sealed record FakeMember(string Kind, string Id, string Display);

public sealed record FakeGroup(string Id, string DisplayName, List<FakeMember> Members);

public sealed record FakeSp(string Id, string ApplicationId, string DisplayName);

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
        Scim("/api/2.0/preview/scim/v2/Users", () => Users.Select(u => (object)new
        {
            id = u.Id,
            userName = u.UserName,
            displayName = u.DisplayName ?? u.UserName,
            active = true,
            schemas = new[] { "urn:ietf:params:scim:schemas:core:2.0:User" },
        }).ToList());
        Scim("/api/2.0/preview/scim/v2/Groups", () => Groups.Select(GroupJson).ToList());
        Scim("/api/2.0/preview/scim/v2/ServicePrincipals", () => Sps.Select(SpJson).ToList());
        Scim($"/api/2.0/accounts/{AccountId}/scim/v2/Groups", () => AccountGroups.Select(GroupJson).ToList());
        Scim($"/api/2.0/accounts/{AccountId}/scim/v2/ServicePrincipals", () => AccountSps.Select(SpJson).ToList());
        Get($"/api/2.0/accounts/{AccountId}/workspaces/{WorkspaceId}/permissionassignments", _ => new
        {
            permission_assignments = Assignments.Select(a => new
            {
                principal = new { principal_id = a.PrincipalId, user_name = a.User, group_name = a.Group, service_principal_name = a.Sp, display_name = a.DisplayName },
                permissions = a.Permissions,
            }),
        });

        Get("/api/2.0/secrets/scopes/list", _ => new { scopes = Scopes.Keys.Select(n => new { name = n, backend_type = "DATABRICKS" }) });
        foreach (var (scope, acls) in Scopes)
        {
            Server.Given(Request.Create().WithPath("/api/2.0/secrets/acls/list").WithParam("scope", scope).UsingGet())
                .AtPriority(FixturePriority)
                .RespondWith(Json(_ => new { items = acls.Select(a => new { principal = a.Principal, permission = a.Permission }) }));
        }

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
        foreach (var job in Jobs)
        {
            Get($"/api/2.0/permissions/jobs/{job.Id}", _ => new { object_id = $"/jobs/{job.Id}", object_type = "job", access_control_list = Acl(job.Acl) });
        }

        if (TokenAcl is { } tokens)
        {
            Get("/api/2.0/permissions/authorization/tokens", _ => new { object_id = "authorization/tokens", object_type = "tokens", access_control_list = Acl(tokens) });
        }

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

    private static object GroupJson(FakeGroup g) => new
    {
        id = g.Id,
        displayName = g.DisplayName,
        members = g.Members.Select(m => new Dictionary<string, string> { ["value"] = m.Id, ["display"] = m.Display, ["$ref"] = $"{m.Kind}/{m.Id}" }),
        schemas = new[] { "urn:ietf:params:scim:schemas:core:2.0:Group" },
    };

    private static object SpJson(FakeSp s) => new
    {
        id = s.Id,
        applicationId = s.ApplicationId,
        displayName = s.DisplayName,
        active = true,
        schemas = new[] { "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal" },
    };

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

    /// <summary>A SCIM list endpoint: the page asked for by startIndex (1-based) and count.</summary>
    private void Scim(string path, Func<List<object>> items) => Get(path, req =>
    {
        var all = items();
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

    private void Get(string path, Func<IRequestMessage, object> body) =>
        Server.Given(Request.Create().WithPath(path).UsingGet()).AtPriority(FixturePriority).RespondWith(Json(body));

    private static IResponseBuilder Json(Func<IRequestMessage, object> body) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
            .WithBody(req => JsonSerializer.Serialize(body(req)));
}
