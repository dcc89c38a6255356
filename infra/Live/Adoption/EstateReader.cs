using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live.Adoption;

/// <summary>What to adopt: group and scope names (null: all), and the Unity Catalog securables to read grants on.</summary>
/// <param name="Securables">As (REST securable type, full name): <c>("schema", "main.sales")</c>.</param>
public sealed record EstateSelection(IReadOnlySet<string>? Groups, IReadOnlySet<string>? Scopes, IReadOnlyList<(string Type, string FullName)> Securables);

/// <summary>A secret scope as read: its ACLs and (for a Databricks-backed scope) its secret names; never a value.</summary>
public sealed record EstateScopeRead(EstateScope Scope, IReadOnlyList<AclItem> Acls, IReadOnlyList<string> SecretKeys);

/// <summary>The grants on one securable; null assignments: the securable does not exist (404).</summary>
public sealed record EstateGrants(string Type, string FullName, IReadOnlyList<PrivilegeAssignment>? Assignments);

/// <summary>
/// A live estate as adoption reads it. Groups are full reads (members, entitlements) of the selected groups and the
/// groups nested in them; <see cref="WorkspaceGroupNames"/> and <see cref="AccountGroupNames"/> are every group's
/// summary. <see cref="Jobs"/> is how many jobs exist (jobs are never adopted).
/// </summary>
public sealed record Estate(
    IReadOnlyList<EstateUser> Users,
    IReadOnlyList<EstateGroup> WorkspaceGroups,
    IReadOnlyList<EstateGroup> AccountGroups,
    IReadOnlyList<EstateGroup> WorkspaceGroupNames,
    IReadOnlyList<EstateGroup> AccountGroupNames,
    IReadOnlyList<EstateServicePrincipal> WorkspaceSps,
    IReadOnlyList<EstateServicePrincipal> AccountSps,
    IReadOnlyList<AssignmentItem>? Assignments,
    IReadOnlyList<EstateScopeRead> Scopes,
    IReadOnlyList<EstateGrants> Grants,
    int Jobs);

/// <summary>
/// Reads an estate for <c>adopt</c>, with GET only (through <see cref="DatabricksClient"/>): one GET per SCIM page,
/// one per group read in full, one ACL list and one secret list per scope, one per securable's grants page, and the
/// jobs list (only counted). Endpoints and shapes follow databricks-sdk-go v0.175.0:
/// <list type="bullet">
/// <item>workspace SCIM lists with <c>attributes=</c> (service/iam/impl.go:547 groupsV2Impl.internalList, :754
/// servicePrincipalsV2Impl.internalList, :906 usersV2Impl.internalList; model.go:1063 ListGroupsRequest.Attributes);
/// then each selected group by id (impl.go:497 groupsV2Impl.Get, <c>/api/2.0/preview/scim/v2/Groups/{id}</c>);</item>
/// <item>account groups: the list no longer returns members (impl.go:191-195, accountGroupsV2Impl.ListAll), so it is
/// read with <c>attributes=id,displayName,externalId</c> and each selected group by id (impl.go:147
/// accountGroupsV2Impl.Get); account service principals (impl.go:307); the workspace's permission assignments
/// (impl.go:1033);</item>
/// <item>secrets: scopes (service/workspace/impl.go:488), ACLs (:428) and secret names (:559) of each selected scope;</item>
/// <item>grants: <c>/api/2.1/unity-catalog/permissions/{type}/{name}</c> (service/catalog/impl.go:1752), paged by
/// <c>page_token</c>; jobs: <c>/api/2.1/jobs/list</c>, counted only.</item>
/// </list>
/// </summary>
public sealed class EstateReader(DatabricksClient client)
{
    private const int MaxPages = 100_000;

    /// <summary>Group and scope reads in flight at once (each still one GET; 429s are retried by the client).</summary>
    private const int Concurrency = 8;

    private const string WorkspaceScim = "/api/2.0/preview/scim/v2";

    public async Task<Estate> ReadAsync(LiveTarget target, EstateSelection selection, CancellationToken cancellationToken)
    {
        var ws = target.Workspace;
        var users = await Scim<EstateUser>(ws, $"{WorkspaceScim}/Users", "id,userName", cancellationToken).ConfigureAwait(false);
        var wsGroupNames = await Scim<EstateGroup>(ws, $"{WorkspaceScim}/Groups", "id,displayName,externalId,meta", cancellationToken).ConfigureAwait(false);
        var wsSps = await Scim<EstateServicePrincipal>(ws, $"{WorkspaceScim}/ServicePrincipals", "id,applicationId,displayName,externalId,entitlements", cancellationToken).ConfigureAwait(false);

        IReadOnlyList<EstateGroup> accountGroupNames = [];
        IReadOnlyList<EstateServicePrincipal> accountSps = [];
        IReadOnlyList<AssignmentItem>? assignments = null;
        string? accountScim = null;
        if (target.Account is { } a)
        {
            var prefix = $"/api/2.0/accounts/{Uri.EscapeDataString(a.AccountId)}";
            accountScim = $"{prefix}/scim/v2";
            accountGroupNames = await Scim<EstateGroup>(a.Host, $"{accountScim}/Groups", "id,displayName,externalId", cancellationToken).ConfigureAwait(false);
            accountSps = await Scim<EstateServicePrincipal>(a.Host, $"{accountScim}/ServicePrincipals", "id,applicationId,displayName,externalId", cancellationToken).ConfigureAwait(false);
            var list = await client.GetAsync<AssignmentList>(a.Host, $"{prefix}/workspaces/{Uri.EscapeDataString(a.WorkspaceId)}/permissionassignments", false, cancellationToken).ConfigureAwait(false);
            assignments = list!.PermissionAssignments ?? [];
        }

        // Which groups are read in full: the workspace's own (admins always; users never: everyone is in it), the
        // account groups assigned to the workspace (or named), then every group nested in one already read.
        bool Wanted(string? name) => name is not null && (selection.Groups is null || selection.Groups.Contains(name));
        var accountIds = accountGroupNames.Where(g => g.Id is not null).ToDictionary(g => g.Id!, StringComparer.Ordinal);
        var accountNames = accountGroupNames.Select(g => g.DisplayName).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool IsLocal(EstateGroup g) => target.Account is null
            || (g.Meta?.ResourceType is { } type ? type == "WorkspaceGroup" : !accountNames.Contains(g.DisplayName ?? string.Empty));
        var wsIds = wsGroupNames.Where(g => g.Id is not null && IsLocal(g)).ToDictionary(g => g.Id!, StringComparer.Ordinal);
        var assigned = (assignments ?? []).Select(x => x.Principal?.GroupName).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);

        var queue = new Queue<(bool Account, string Id)>();
        foreach (var g in wsIds.Values.Where(g => g.DisplayName == "admins" || (g.DisplayName != "users" && Wanted(g.DisplayName))))
        {
            queue.Enqueue((false, g.Id!));
        }

        foreach (var g in accountIds.Values.Where(g => Wanted(g.DisplayName) && (selection.Groups is not null || assigned.Contains(g.DisplayName!))))
        {
            queue.Enqueue((true, g.Id!));
        }

        var read = new HashSet<(bool, string)>();
        var wsGroups = new List<EstateGroup>();
        var accountGroups = new List<EstateGroup>();
        while (queue.Count > 0)
        {
            // One wave at a time (the groups found so far), read a few at once; each group is read exactly once.
            var wave = new List<(bool Account, string Id)>();
            while (queue.TryDequeue(out var next))
            {
                if (read.Add(next))
                {
                    wave.Add(next);
                }
            }

            var results = await Parallel(wave, next =>
            {
                var host = next.Account ? target.Account!.Host : ws;
                var path = next.Account ? $"{accountScim}/Groups/{Uri.EscapeDataString(next.Id)}" : $"{WorkspaceScim}/Groups/{Uri.EscapeDataString(next.Id)}";
                return client.GetAsync<EstateGroup>(host, path, true, cancellationToken);
            }).ConfigureAwait(false);
            for (var i = 0; i < wave.Count; i++)
            {
                if (results[i] is { } group) // null: deleted between the list and the read
                {
                    (wave[i].Account ? accountGroups : wsGroups).Add(group);
                    Nested(group);
                }
            }
        }

        void Nested(EstateGroup group)
        {
            foreach (var m in group.Members ?? [])
            {
                if (m.Value is not { } id || !(m.Ref?.StartsWith("Groups/", StringComparison.Ordinal) ?? true))
                {
                    continue;
                }

                if (accountIds.ContainsKey(id))
                {
                    queue.Enqueue((true, id));
                }
                else if (wsIds.TryGetValue(id, out var nested) && nested.DisplayName is not ("users" or "admins"))
                {
                    queue.Enqueue((false, id));
                }
            }
        }

        var scopeList = await client.GetAsync<EstateScopeList>(ws, "/api/2.0/secrets/scopes/list", false, cancellationToken).ConfigureAwait(false);
        var selected = (scopeList!.Scopes ?? []).Where(s => s.Name is not null && (selection.Scopes is null || selection.Scopes.Contains(s.Name))).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var scopes = await Parallel(selected, async scope =>
        {
            var q = Uri.EscapeDataString(scope.Name!);
            var acls = await client.GetAsync<AclList>(ws, $"/api/2.0/secrets/acls/list?scope={q}", true, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> keys = [];
            if (!string.Equals(scope.BackendType, "AZURE_KEYVAULT", StringComparison.OrdinalIgnoreCase))
            {
                var secrets = await client.GetAsync<EstateSecretList>(ws, $"/api/2.0/secrets/list?scope={q}", true, cancellationToken).ConfigureAwait(false);
                keys = (secrets?.Secrets ?? []).Select(s => s.Key).OfType<string>().Order(StringComparer.Ordinal).ToList();
            }

            return new EstateScopeRead(scope, acls?.Items ?? [], keys);
        }).ConfigureAwait(false);

        var grants = new List<EstateGrants>();
        foreach (var (type, name) in selection.Securables)
        {
            grants.Add(new EstateGrants(type, name, await Grants(ws, type, name, cancellationToken).ConfigureAwait(false)));
        }

        var jobs = await CountJobs(ws, cancellationToken).ConfigureAwait(false);
        return new Estate(users, wsGroups, accountGroups, wsGroupNames, accountGroupNames, wsSps, accountSps, assignments, scopes, grants, jobs);
    }

    /// <summary>Reads of independent objects, at most <see cref="Concurrency"/> in flight; results in input order.</summary>
    private static async Task<T[]> Parallel<TIn, T>(IReadOnlyList<TIn> items, Func<TIn, Task<T>> read)
    {
        var results = new T[items.Count];
        using var gate = new SemaphoreSlim(Concurrency);
        await Task.WhenAll(items.Select(async (item, i) =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                results[i] = await read(item).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return results;
    }

    private async Task<int> CountJobs(Uri ws, CancellationToken cancellationToken)
    {
        var count = 0;
        string? token = null;
        for (var page = 0; ; page++)
        {
            Guard(page, "GET /api/2.1/jobs/list");
            var query = $"/api/2.1/jobs/list?limit={client.Options.JobsPageSize}" + (token is null ? string.Empty : $"&page_token={Uri.EscapeDataString(token)}");
            var list = await client.GetAsync<JobList>(ws, query, false, cancellationToken).ConfigureAwait(false);
            count += list!.Jobs?.Count ?? 0;
            // next_page_token alone ends the list, as the SDK's iterator does (has_more may be absent).
            if (string.IsNullOrEmpty(list.NextPageToken))
            {
                return count;
            }

            token = list.NextPageToken;
        }
    }

    /// <summary>The Unity Catalog permissions of one securable (null: 404): the audit's read (<see cref="LiveReader.ReadGrantsAsync"/>).</summary>
    private Task<IReadOnlyList<PrivilegeAssignment>?> Grants(Uri ws, string type, string name, CancellationToken cancellationToken) =>
        new LiveReader(client).ReadGrantsAsync(ws, type, name, cancellationToken);

    /// <summary>Every item of a SCIM list with only <paramref name="attributes"/>, one GET per page: the audit's paging (<see cref="LiveReader.ScimListAsync{T}"/>).</summary>
    private Task<IReadOnlyList<T>> Scim<T>(Uri host, string path, string attributes, CancellationToken cancellationToken)
        where T : class =>
        new LiveReader(client).ScimListAsync<T>(host, path, attributes, cancellationToken);

    private static void Guard(int page, string call)
    {
        if (page >= MaxPages)
        {
            throw new AuditException($"{call}: more than {MaxPages} pages; the paging does not end");
        }
    }
}
