using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

/// <summary>Where the audit reads: the workspace host, and the account when the stack has one.</summary>
public sealed record LiveTarget(Uri Workspace, AccountTarget? Account)
{
    /// <summary>
    /// The scheme and authority of a configured host. https only; plain http only for a loopback address (tests).
    /// </summary>
    public static bool TryParseHost(string? text, out Uri host, out string error)
    {
        host = null!;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri))
        {
            error = "is not an absolute URL";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        {
            error = "must be an https URL (plain http only for a loopback address)";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath.Trim('/').Length > 0)
        {
            error = "must be a host URL only, without user, path, query or fragment";
            return false;
        }

        host = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        error = string.Empty;
        return true;
    }
}

/// <summary>The account host, account id and the workspace's numeric id in that account.</summary>
public sealed record AccountTarget(Uri Host, string AccountId, string WorkspaceId);

/// <summary>A live directory (workspace or account): its identities as SCIM lists them.</summary>
public sealed record LiveDirectory(
    IReadOnlyList<ScimUser> Users,
    IReadOnlyList<ScimGroup> Groups,
    IReadOnlyList<ScimServicePrincipal> ServicePrincipals);

/// <summary>A job found by its declared name, and its permissions (null: 404).</summary>
public sealed record LiveJob(long JobId, string Name, IReadOnlyList<AccessControl>? Acl);

/// <summary>
/// What the audit read, only what the declaration needs: the API's own shapes. Keyed by declared names: scopes by
/// name, jobs by name, securables by <see cref="DeclaredSecurable.ToString"/>. A null value is a 404.
/// </summary>
public sealed record LiveState(
    LiveDirectory Workspace,
    LiveDirectory? Account,
    IReadOnlyList<AssignmentItem>? Assignments,
    IReadOnlySet<string> Scopes,
    IReadOnlyDictionary<string, IReadOnlyList<AclItem>?> ScopeAcls,
    IReadOnlyDictionary<string, IReadOnlyList<LiveJob>> Jobs,
    IReadOnlyList<AccessControl>? TokenAcl,
    IReadOnlyDictionary<string, IReadOnlyList<PrivilegeAssignment>?> Grants);

/// <summary>
/// Reads, with GET only, exactly the endpoints the audit uses (Databricks REST API reference):
/// workspace SCIM Users, Groups and ServicePrincipals (SCIM paging); secret scopes and the ACLs of each declared
/// scope; the jobs list (page_token paging) and the permissions of each declared job; the token permissions when
/// the stack manages token usage; the Unity Catalog permissions of each securable it grants on; and, with an
/// account, the account SCIM Groups and ServicePrincipals and the workspace's permission assignments.
/// </summary>
public sealed class LiveReader(DatabricksClient client)
{
    private const int MaxPages = 100_000;

    public async Task<LiveState> ReadAsync(Declaration declaration, LiveTarget target, CancellationToken cancellationToken)
    {
        var ws = target.Workspace;
        var workspace = new LiveDirectory(
            await Scim<ScimUser>(ws, "/api/2.0/preview/scim/v2/Users", cancellationToken).ConfigureAwait(false),
            await Scim<ScimGroup>(ws, "/api/2.0/preview/scim/v2/Groups", cancellationToken).ConfigureAwait(false),
            await Scim<ScimServicePrincipal>(ws, "/api/2.0/preview/scim/v2/ServicePrincipals", cancellationToken).ConfigureAwait(false));

        LiveDirectory? account = null;
        IReadOnlyList<AssignmentItem>? assignments = null;
        if (target.Account is { } a)
        {
            var prefix = $"/api/2.0/accounts/{Uri.EscapeDataString(a.AccountId)}";
            account = new LiveDirectory(
                [],
                await Scim<ScimGroup>(a.Host, $"{prefix}/scim/v2/Groups", cancellationToken).ConfigureAwait(false),
                await Scim<ScimServicePrincipal>(a.Host, $"{prefix}/scim/v2/ServicePrincipals", cancellationToken).ConfigureAwait(false));
            var list = await client.GetAsync<AssignmentList>(a.Host, $"{prefix}/workspaces/{Uri.EscapeDataString(a.WorkspaceId)}/permissionassignments", false, cancellationToken).ConfigureAwait(false);
            assignments = list!.PermissionAssignments ?? [];
        }

        var scopes = new HashSet<string>(StringComparer.Ordinal);
        var acls = new Dictionary<string, IReadOnlyList<AclItem>?>(StringComparer.Ordinal);
        if (declaration.Scopes.Count > 0)
        {
            var list = await client.GetAsync<ScopeList>(ws, "/api/2.0/secrets/scopes/list", false, cancellationToken).ConfigureAwait(false);
            scopes.UnionWith((list!.Scopes ?? []).Select(s => s.Name).OfType<string>());
            foreach (var scope in declaration.Scopes.Where(s => scopes.Contains(s.Name)))
            {
                var items = await client.GetAsync<AclList>(ws, $"/api/2.0/secrets/acls/list?scope={Uri.EscapeDataString(scope.Name)}", true, cancellationToken).ConfigureAwait(false);
                acls[scope.Name] = items is null ? null : items.Items ?? [];
            }
        }

        var jobs = new Dictionary<string, IReadOnlyList<LiveJob>>(StringComparer.Ordinal);
        if (declaration.Jobs.Count > 0)
        {
            var wanted = declaration.Jobs.Select(j => j.Name).ToHashSet(StringComparer.Ordinal);
            var found = new List<JobItem>();
            string? token = null;
            for (var page = 0; ; page++)
            {
                Guard(page, "GET /api/2.1/jobs/list");
                var query = $"/api/2.1/jobs/list?limit={client.Options.JobsPageSize}" + (token is null ? string.Empty : $"&page_token={Uri.EscapeDataString(token)}");
                var list = await client.GetAsync<JobList>(ws, query, false, cancellationToken).ConfigureAwait(false);
                found.AddRange((list!.Jobs ?? []).Where(j => j.Settings?.Name is { } n && wanted.Contains(n)));
                if (!list.HasMore || string.IsNullOrEmpty(list.NextPageToken))
                {
                    break;
                }

                token = list.NextPageToken;
            }

            foreach (var job in declaration.Jobs)
            {
                var live = new List<LiveJob>();
                foreach (var item in found.Where(j => j.Settings!.Name == job.Name).OrderBy(j => j.JobId))
                {
                    var acl = await client.GetAsync<ObjectPermissions>(ws, $"/api/2.0/permissions/jobs/{item.JobId}", true, cancellationToken).ConfigureAwait(false);
                    live.Add(new LiveJob(item.JobId, job.Name, acl is null ? null : acl.AccessControlList ?? []));
                }

                jobs[job.Name] = live;
            }
        }

        IReadOnlyList<AccessControl>? tokenAcl = null;
        if (declaration.TokenUsers is not null)
        {
            var acl = await client.GetAsync<ObjectPermissions>(ws, "/api/2.0/permissions/authorization/tokens", true, cancellationToken).ConfigureAwait(false);
            tokenAcl = acl?.AccessControlList ?? [];
        }

        var grants = new Dictionary<string, IReadOnlyList<PrivilegeAssignment>?>(StringComparer.Ordinal);
        foreach (var securable in declaration.Securables.Where(s => s.Type != "metastore"))
        {
            grants[securable.ToString()] = await Grants(ws, securable, cancellationToken).ConfigureAwait(false);
        }

        return new LiveState(workspace, account, assignments, scopes, acls, jobs, tokenAcl, grants);
    }

    private async Task<IReadOnlyList<PrivilegeAssignment>?> Grants(Uri ws, DeclaredSecurable securable, CancellationToken cancellationToken)
    {
        var path = $"/api/2.1/unity-catalog/permissions/{Uri.EscapeDataString(securable.Type)}/{Uri.EscapeDataString(securable.FullName)}";
        var result = new List<PrivilegeAssignment>();
        string? token = null;
        for (var page = 0; ; page++)
        {
            Guard(page, $"GET {path}");
            var list = await client.GetAsync<GrantList>(ws, token is null ? path : $"{path}?page_token={Uri.EscapeDataString(token)}", true, cancellationToken).ConfigureAwait(false);
            if (list is null)
            {
                return page == 0 ? null : throw new AuditException($"GET {path}: HTTP 404 on a later page");
            }

            result.AddRange(list.PrivilegeAssignments ?? []);
            if (string.IsNullOrEmpty(list.NextPageToken))
            {
                return result;
            }

            token = list.NextPageToken;
        }
    }

    /// <summary>
    /// Every item of a SCIM list: pages of <c>count</c> items from <c>startIndex</c> 1, each next page starting after
    /// the last item received, until a page is empty or <c>totalResults</c> is reached (as the Go SDK's iterators do,
    /// service/iam/impl.go).
    /// </summary>
    private async Task<IReadOnlyList<T>> Scim<T>(Uri host, string path, CancellationToken cancellationToken)
        where T : class
    {
        var items = new List<T>();
        long start = 1;
        for (var page = 0; ; page++)
        {
            Guard(page, $"GET {path}");
            var list = await client.GetAsync<ScimList<T>>(host, $"{path}?startIndex={start}&count={client.Options.ScimPageSize}", false, cancellationToken).ConfigureAwait(false);
            var resources = list!.Resources ?? [];
            items.AddRange(resources);
            if (resources.Count == 0)
            {
                return items;
            }

            start = (list.StartIndex ?? start) + resources.Count;
            if (list.TotalResults is { } total && start > total)
            {
                return items;
            }
        }
    }

    private static void Guard(int page, string call)
    {
        if (page >= MaxPages)
        {
            throw new AuditException($"{call}: more than {MaxPages} pages; the paging does not end");
        }
    }
}
