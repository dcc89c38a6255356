using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

/// <summary>The single-endpoint reads of <see cref="LiveReader"/>: each names its endpoint and the upstream code it follows.</summary>
public sealed partial class LiveReader
{
    /// <summary>
    /// Each declared warehouse's ACL: <c>GET /api/2.0/permissions/sql/warehouses/{id}</c> [fact: sdk-permissions-get],
    /// the request object type the provider gives <c>sql_endpoint_id</c>: <c>sql/warehouses</c>, object type
    /// <c>warehouses</c> [fact: permissions-object-types]. A warehouse declared by name is found as the provider's
    /// <c>getSqlWarehouse</c> finds it (the warehouse list, <c>name</c> compared exactly, one match [fact: data-sql-warehouse]),
    /// from <c>GET /api/2.0/sql/warehouses</c>, paged by <c>next_page_token</c> [fact: sdk-warehouses-list].
    /// </summary>
    public async Task<IReadOnlyDictionary<string, LiveWarehouse>> ReadWarehousesAsync(Uri ws, IReadOnlyList<DeclaredWarehouse> declared, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, LiveWarehouse>(StringComparer.Ordinal);
        List<WarehouseItem>? listed = null;
        foreach (var w in declared)
        {
            var id = w.Id;
            var matches = 1;
            if (id is null)
            {
                if (listed is null)
                {
                    listed = [];
                    string? token = null;
                    for (var page = 0; ; page++)
                    {
                        Guard(page, "GET /api/2.0/sql/warehouses");
                        var list = await client.GetAsync<WarehouseList>(ws, "/api/2.0/sql/warehouses" + (token is null ? string.Empty : $"?page_token={Uri.EscapeDataString(token)}"), cancellationToken).ConfigureAwait(false);
                        listed.AddRange(list.Warehouses ?? []);
                        if (string.IsNullOrEmpty(list.NextPageToken))
                        {
                            break;
                        }

                        token = list.NextPageToken;
                    }
                }

                var named = listed.Where(x => x.Id is { Length: > 0 } && x.Name == w.Name).ToList();
                matches = named.Count;
                id = named.Count == 1 ? named[0].Id : null;
            }

            var acl = id is null ? null
                : await client.GetOrNullAsync<ObjectPermissions>(ws, $"/api/2.0/permissions/sql/warehouses/{Uri.EscapeDataString(id)}", cancellationToken).ConfigureAwait(false);
            result[w.Key] = new LiveWarehouse(id, acl is null ? null : acl.AccessControlList ?? []) { NameMatches = matches };
        }

        return result;
    }

    /// <summary>
    /// One account rule set, read through the workspace: <c>GET /api/2.0/preview/accounts/access-control/rule-sets?etag=&amp;name=</c>
    /// (accountAccessControlProxyImpl.GetRuleSet; GetRuleSetRequest: <c>etag</c> is always sent, empty for no freshness
    /// requirement; RuleSetResponse, GrantRule [fact: sdk-rule-set]), so the
    /// workspace credential reads it and the audit identity needs no account role. Only when the proxy answers 404
    /// is the account API asked (with the account credential [fact: sdk-rule-set]): a workspace without the proxy then still
    /// shows the rule set; if the account API cannot be read either, the 404 stands.
    /// </summary>
    public async Task<LiveRuleSet> ReadRuleSetAsync(Uri ws, AccountTarget? account, string name, CancellationToken cancellationToken)
    {
        var query = $"access-control/rule-sets?etag=&name={Uri.EscapeDataString(name)}";
        var set = await client.GetOrNullAsync<RuleSet>(ws, $"/api/2.0/preview/accounts/{query}", cancellationToken).ConfigureAwait(false);
        if (set is null && account is not null)
        {
            try
            {
                set = await client.GetOrNullAsync<RuleSet>(account.Host, $"/api/2.0/preview/accounts/{Uri.EscapeDataString(account.AccountId)}/{query}", cancellationToken).ConfigureAwait(false);
            }
            catch (AuditException)
            {
                set = null;
            }
        }

        return new LiveRuleSet(name, set is null ? null : set.GrantRules ?? []);
    }

    /// <summary>
    /// The jobs <paramref name="candidate"/> selects from <c>GET /api/2.2/jobs/list</c> (every job, paged by
    /// <c>next_page_token</c> alone [fact: sdk-jobs-list]), read with <c>GET /api/2.2/jobs/get</c> (the list carries no
    /// <c>run_as_user_name</c> [fact: sdk-jobs-get]), and, for those whose run-as <paramref name="runsAs"/>
    /// accepts, their permissions (<c>GET /api/2.0/permissions/jobs/{id}</c> [fact: sdk-permissions-get]). A few at once.
    /// </summary>
    public async Task<IReadOnlyList<LiveJob>> ReadJobsRunningAsAsync(Uri ws, Func<JobItem, bool> candidate, Func<string, bool> runsAs, CancellationToken cancellationToken)
    {
        var items = (await ListJobsAsync(ws, null, cancellationToken).ConfigureAwait(false)).Where(candidate).ToList();

        var read = await Concurrent.Map(items.DistinctBy(j => j.JobId).OrderBy(j => j.JobId).ToList(), async item =>
        {
            var job = await client.GetOrNullAsync<JobDetail>(ws, $"/api/2.2/jobs/get?job_id={item.JobId}", cancellationToken).ConfigureAwait(false);
            if (job?.RunAsUserName is not { Length: > 0 } runAs || !runsAs(runAs.Trim()))
            {
                return null;
            }

            var acl = await client.GetOrNullAsync<ObjectPermissions>(ws, $"/api/2.0/permissions/jobs/{item.JobId}", cancellationToken).ConfigureAwait(false);
            return new LiveJob(item.JobId, job.Settings?.Name ?? item.Settings?.Name ?? string.Empty, acl is null ? null : acl.AccessControlList ?? [])
            {
                Creator = job.CreatorUserName,
                RunAs = runAs,
            };
        }).ConfigureAwait(false);
        return read.OfType<LiveJob>().ToList();
    }

    /// <summary>Every user, with <see cref="UserAttributes"/> only.</summary>
    public Task<IReadOnlyList<ScimUser>> ReadUsersAsync(ScimApi api, CancellationToken cancellationToken) =>
        ScimListAsync<ScimUser>(api.Host, $"{api.Prefix}/Users", UserAttributes, cancellationToken);

    /// <summary>Every service principal, with the given attributes (id and applicationId at least).</summary>
    public Task<IReadOnlyList<ScimServicePrincipal>> ReadServicePrincipalsAsync(ScimApi api, string attributes, CancellationToken cancellationToken) =>
        ScimListAsync<ScimServicePrincipal>(api.Host, $"{api.Prefix}/ServicePrincipals", attributes, cancellationToken);

    /// <summary>
    /// Every group (ids and names), and for each group <paramref name="wanted"/> selects its details instead: GET
    /// <c>{prefix}/Groups/{id}</c> (members, entitlements, roles), as the list no longer returns members
    /// [fact: sdk-account-groups-no-members] and as the provider reads groups (the id by name, then Read of the group [fact: data-group-not-found]).
    /// A group deleted between the list and its GET is left out.
    /// </summary>
    public async Task<IReadOnlyList<ScimGroup>> ReadGroupsWithMembersAsync(ScimApi api, Func<ScimGroup, bool> wanted, CancellationToken cancellationToken)
    {
        var listed = await ScimListAsync<ScimGroup>(api.Host, $"{api.Prefix}/Groups", GroupAttributes, cancellationToken).ConfigureAwait(false);
        var result = new List<ScimGroup>(listed.Count);
        foreach (var g in listed)
        {
            if (g.Id is null || g.DisplayName is null || !wanted(g))
            {
                result.Add(g with { Members = null });
                continue;
            }

            if (await ReadGroupAsync(api, g.Id, cancellationToken).ConfigureAwait(false) is { } details)
            {
                result.Add(details with { Members = details.Members ?? [] });
            }
        }

        return result;
    }

    /// <summary>GET of one group, account or workspace [fact: sdk-scim-paths]; null when it is gone.</summary>
    public Task<ScimGroup?> ReadGroupAsync(ScimApi api, string id, CancellationToken cancellationToken) =>
        client.GetOrNullAsync<ScimGroup>(api.Host, $"{api.Prefix}/Groups/{Uri.EscapeDataString(id)}", cancellationToken);

    /// <summary>The workspace's permission assignments (workspaceAssignment List [fact: sdk-permission-assignments]).</summary>
    public async Task<IReadOnlyList<AssignmentItem>> ReadAssignmentsAsync(AccountTarget account, CancellationToken cancellationToken)
    {
        var path = $"/api/2.0/accounts/{Uri.EscapeDataString(account.AccountId)}/workspaces/{Uri.EscapeDataString(account.WorkspaceId)}/permissionassignments";
        var list = await client.GetAsync<AssignmentList>(account.Host, path, cancellationToken).ConfigureAwait(false);
        return list.PermissionAssignments ?? [];
    }

    /// <summary>
    /// The workspace's permission assignments read through the workspace, with a workspace admin's credential and no
    /// account role: GET <c>/api/2.0/preview/permissionassignments</c> [fact: permission-assignments-workspace-list]; its
    /// response has the account API's shape: <c>permission_assignments[].principal</c> and <c>.permissions</c>.
    /// </summary>
    public async Task<IReadOnlyList<AssignmentItem>> ReadWorkspaceAssignmentsAsync(Uri ws, CancellationToken cancellationToken)
    {
        var list = await client.GetAsync<AssignmentList>(ws, "/api/2.0/preview/permissionassignments", cancellationToken).ConfigureAwait(false);
        return list.PermissionAssignments ?? [];
    }

    /// <summary>
    /// The keys of one scope: GET /api/2.0/secrets/list?scope= (one page; ListSecretsResponse, SecretMetadata: a key and
    /// its timestamp, never a value [fact: sdk-secrets-api]). Null: a 404.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ReadSecretKeysAsync(Uri ws, string scope, CancellationToken cancellationToken)
    {
        var list = await client.GetOrNullAsync<Adoption.EstateSecretList>(ws, $"/api/2.0/secrets/list?scope={Uri.EscapeDataString(scope)}", cancellationToken).ConfigureAwait(false);
        return list is null ? null : (list.Secrets ?? []).Select(s => s.Key).OfType<string>().ToList();
    }

    /// <summary>Every secret scope and each one's ACLs (null: the scope went away between the two calls).</summary>
    public async Task<(IReadOnlySet<string> Scopes, IReadOnlyDictionary<string, IReadOnlyList<AclItem>?> Acls)> ReadScopesWithAclsAsync(Uri ws, CancellationToken cancellationToken)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        var acls = new Dictionary<string, IReadOnlyList<AclItem>?>(StringComparer.Ordinal);
        var list = await client.GetAsync<ScopeList>(ws, "/api/2.0/secrets/scopes/list", cancellationToken).ConfigureAwait(false);
        scopes.UnionWith((list.Scopes ?? []).Select(s => s.Name).OfType<string>());
        foreach (var scope in scopes.Order(StringComparer.Ordinal))
        {
            var items = await client.GetOrNullAsync<AclList>(ws, $"/api/2.0/secrets/acls/list?scope={Uri.EscapeDataString(scope)}", cancellationToken).ConfigureAwait(false);
            acls[scope] = items is null ? null : items.Items ?? [];
        }

        return (scopes, acls);
    }

    /// <summary>
    /// The jobs named exactly <paramref name="name"/> (the list's <c>name=</c> filter is case-insensitive) and each one's
    /// permissions. <c>GET /api/2.2/jobs/list</c>; pages follow <c>next_page_token</c> alone, whatever <c>has_more</c>
    /// says or whether it is there [fact: sdk-jobs-list].
    /// </summary>
    public async Task<IReadOnlyList<LiveJob>> ReadJobsNamedAsync(Uri ws, string name, CancellationToken cancellationToken)
    {
        var found = (await ListJobsAsync(ws, name, cancellationToken).ConfigureAwait(false)).Where(j => j.Settings?.Name == name).ToList();

        var live = new List<LiveJob>();
        foreach (var item in found.DistinctBy(j => j.JobId).OrderBy(j => j.JobId))
        {
            var acl = await client.GetOrNullAsync<ObjectPermissions>(ws, $"/api/2.0/permissions/jobs/{item.JobId}", cancellationToken).ConfigureAwait(false);
            live.Add(new LiveJob(item.JobId, name, acl is null ? null : acl.AccessControlList ?? []) { Creator = item.CreatorUserName });
        }

        return live;
    }

    /// <summary>
    /// Every page of <c>GET /api/2.2/jobs/list</c>, optionally filtered by exact <paramref name="name"/> on the server;
    /// pages follow <c>next_page_token</c> alone [fact: sdk-jobs-list].
    /// </summary>
    private async Task<List<JobItem>> ListJobsAsync(Uri ws, string? name, CancellationToken cancellationToken)
    {
        var items = new List<JobItem>();
        string? token = null;
        for (var page = 0; ; page++)
        {
            Guard(page, "GET /api/2.2/jobs/list");
            var query = "/api/2.2/jobs/list?" + (name is null ? string.Empty : $"name={Uri.EscapeDataString(name)}&") + $"limit={client.Options.JobsPageSize}"
                + (token is null ? string.Empty : $"&page_token={Uri.EscapeDataString(token)}");
            var list = await client.GetAsync<JobList>(ws, query, cancellationToken).ConfigureAwait(false);
            items.AddRange(list.Jobs ?? []);
            if (string.IsNullOrEmpty(list.NextPageToken))
            {
                return items;
            }

            token = list.NextPageToken;
        }
    }

    /// <summary>
    /// Every job of the workspace in full, with its permissions: <c>GET /api/2.2/jobs/list</c> for the ids (paged by
    /// <c>next_page_token</c> [fact: sdk-jobs-list]), then <c>GET /api/2.2/jobs/get?job_id=</c> of each (the list's settings
    /// carry no <c>run_as_user_name</c> [fact: sdk-jobs-get]) and <c>GET /api/2.0/permissions/jobs/{id}</c>
    /// [fact: sdk-permissions-get]. A job deleted between the list and its GET is left out.
    /// </summary>
    public async Task<IReadOnlyList<(JobDetail Job, IReadOnlyList<AccessControl>? Acl)>> ReadAllJobsAsync(Uri ws, CancellationToken cancellationToken)
    {
        var ids = (await ListJobsAsync(ws, null, cancellationToken).ConfigureAwait(false)).Select(j => j.JobId).ToList();

        var read = await Concurrent.Map(ids.Distinct().Order().ToList(), async id =>
        {
            var job = await client.GetOrNullAsync<JobDetail>(ws, $"/api/2.2/jobs/get?job_id={id}", cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return ((JobDetail, IReadOnlyList<AccessControl>?)?)null;
            }

            var acl = await client.GetOrNullAsync<ObjectPermissions>(ws, $"/api/2.0/permissions/jobs/{id}", cancellationToken).ConfigureAwait(false);
            return (job, acl is null ? null : acl.AccessControlList ?? []);
        }).ConfigureAwait(false);
        return read.OfType<(JobDetail, IReadOnlyList<AccessControl>?)>().ToList();
    }

    /// <summary>
    /// Every item of a Unity Catalog list (catalogs, schemas, tables, volumes, functions), with <c>max_results=0</c> as
    /// the SDK sends it (ForceSendFields MaxResults: the server pages), following <c>next_page_token</c> until it is
    /// absent; a page may be empty and still carry a token [fact: sdk-uc-lists].
    /// </summary>
    public async Task<IReadOnlyList<UcItem>> UcListAsync(Uri ws, string kind, string query, CancellationToken cancellationToken)
    {
        var path = $"/api/2.1/unity-catalog/{kind}";
        var items = new List<UcItem>();
        string? token = null;
        for (var page = 0; ; page++)
        {
            Guard(page, $"GET {path}");
            var q = $"{path}?{(query.Length == 0 ? string.Empty : query + "&")}max_results=0" + (token is null ? string.Empty : $"&page_token={Uri.EscapeDataString(token)}");
            var list = await client.GetAsync<UcList>(ws, q, cancellationToken).ConfigureAwait(false);
            items.AddRange((kind switch
            {
                "catalogs" => list.Catalogs,
                "schemas" => list.Schemas,
                "tables" => list.Tables,
                "volumes" => list.Volumes,
                _ => list.Functions,
            }) ?? []);
            if (string.IsNullOrEmpty(list.NextPageToken))
            {
                return items;
            }

            token = list.NextPageToken;
        }
    }

    /// <summary>The workspace's metastore id (current-metastore-assignment [fact: sdk-current-metastore]); null: none assigned.</summary>
    public async Task<string?> ReadMetastoreIdAsync(Uri ws, CancellationToken cancellationToken) =>
        (await client.GetOrNullAsync<MetastoreAssignment>(ws, "/api/2.1/unity-catalog/current-metastore-assignment", cancellationToken).ConfigureAwait(false))?.MetastoreId is { Length: > 0 } id ? id : null;

    /// <summary>The Unity Catalog permissions of one securable (null: 404), following <c>next_page_token</c>.</summary>
    public async Task<IReadOnlyList<PrivilegeAssignment>?> ReadGrantsAsync(Uri ws, string securableType, string fullName, CancellationToken cancellationToken)
    {
        var path = $"/api/2.1/unity-catalog/permissions/{Uri.EscapeDataString(securableType)}/{Uri.EscapeDataString(fullName)}";
        var result = new List<PrivilegeAssignment>();
        string? token = null;
        for (var page = 0; ; page++)
        {
            Guard(page, $"GET {path}");
            var list = await client.GetOrNullAsync<GrantList>(ws, token is null ? path : $"{path}?page_token={Uri.EscapeDataString(token)}", cancellationToken).ConfigureAwait(false);
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
    /// Every item of a SCIM list with <c>attributes=</c>: pages of <c>count</c> items from <c>startIndex</c> 1, each next
    /// page starting after the last item received, until a page is empty [fact: sdk-scim-paths] or
    /// <c>totalResults</c> is reached.
    /// </summary>
    internal async Task<IReadOnlyList<T>> ScimListAsync<T>(Uri host, string path, string attributes, CancellationToken cancellationToken)
        where T : class
    {
        var items = new List<T>();
        long start = 1;
        for (var page = 0; ; page++)
        {
            Guard(page, $"GET {path}");
            var list = await client.GetAsync<ScimList<T>>(host, $"{path}?attributes={attributes}&startIndex={start}&count={client.Options.ScimPageSize}", cancellationToken).ConfigureAwait(false);
            var resources = list.Resources ?? [];
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
