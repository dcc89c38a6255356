using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live.Adoption;

/// <summary>What to adopt: group and scope names (null: all), and the Unity Catalog securables to read grants on.</summary>
/// <param name="Securables">As (REST securable type, full name): <c>("schema", "main.sales")</c>.</param>
/// <param name="Deep">Also list every schema's tables, volumes and functions and read their grants.</param>
public sealed record EstateSelection(IReadOnlySet<string>? Groups, IReadOnlySet<string>? Scopes, IReadOnlyList<(string Type, string FullName)> Securables, bool Deep = false);

/// <summary>A job as read: <c>jobs/get</c> and its permissions (null: 404).</summary>
public sealed record EstateJob(JobDetail Job, IReadOnlyList<AccessControl>? Acl);

/// <summary>A secret scope as read: its ACLs and (for a Databricks-backed scope) its secret names; never a value.</summary>
public sealed record EstateScopeRead(EstateScope Scope, IReadOnlyList<AclItem> Acls, IReadOnlyList<string> SecretKeys);

/// <summary>The grants on one securable; null assignments: the securable does not exist (404).</summary>
public sealed record EstateGrants(string Type, string FullName, IReadOnlyList<PrivilegeAssignment>? Assignments);

/// <summary>
/// A live estate as adoption reads it. Groups are full reads (members, entitlements) of the selected groups and the
/// groups nested in them; <see cref="WorkspaceGroupNames"/> and <see cref="AccountGroupNames"/> are every group's
/// summary. <see cref="Grants"/> holds every securable read (the metastore, catalogs, schemas found by listing, the named
/// ones, and with <c>--deep</c> tables, volumes and functions); <see cref="GrantsRead"/> says what was and was not read.
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
    IReadOnlyList<EstateJob> Jobs)
{
    /// <summary>The workspace's metastore id; null: no metastore assigned (no metastore grants read).</summary>
    public string? MetastoreId { get; init; }

    /// <summary>One line per kind of securable: how many were read, or why not.</summary>
    public IReadOnlyList<string> GrantsRead { get; init; } = [];
}

/// <summary>
/// Reads an estate for <c>adopt</c>, with GET only (through <see cref="DatabricksClient"/>): one GET per SCIM page,
/// one per group read in full, one ACL list and one secret list per scope, one per securable's grants page, and the
/// jobs list (only counted). Endpoints and shapes follow databricks-sdk-go v0.175.0:
/// <list type="bullet">
/// <item>workspace SCIM lists of groups, service principals and users with <c>attributes=</c>, then each selected group
/// by id, <c>/api/2.0/preview/scim/v2/Groups/{id}</c> [fact: sdk-scim-paths];</item>
/// <item>account groups: the list no longer returns members [fact: sdk-account-groups-no-members], so it is read with
/// <c>attributes=id,displayName,externalId</c> and each selected group by id; account service principals; the
/// workspace's permission assignments [fact: sdk-permission-assignments];</item>
/// <item>secrets: scopes, ACLs and secret names of each selected scope [fact: sdk-secrets-api];</item>
/// <item>grants: the metastore's (current-metastore-assignment [fact: sdk-current-metastore]), every catalog's and every
/// schema's, found through the Unity Catalog lists, and with <c>--deep</c> every table's, volume's and function's
/// [fact: sdk-uc-lists]; each <c>/api/2.1/unity-catalog/permissions/{type}/{name}</c> [fact: sdk-uc-permissions],
/// paged by <c>page_token</c>;</item>
/// <item>jobs: <c>/api/2.2/jobs/list</c>, then each job's <c>jobs/get</c> and permissions (<see cref="LiveReader.ReadAllJobsAsync"/>).</item>
/// </list>
/// </summary>
public sealed class EstateReader(DatabricksClient client)
{
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
            var list = await client.GetAsync<AssignmentList>(a.Host, $"{prefix}/workspaces/{Uri.EscapeDataString(a.WorkspaceId)}/permissionassignments", cancellationToken).ConfigureAwait(false);
            assignments = list.PermissionAssignments ?? [];
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

            var results = await Concurrent.Map(wave, next =>
            {
                var host = next.Account ? target.Account!.Host : ws;
                var path = next.Account ? $"{accountScim}/Groups/{Uri.EscapeDataString(next.Id)}" : $"{WorkspaceScim}/Groups/{Uri.EscapeDataString(next.Id)}";
                return client.GetOrNullAsync<EstateGroup>(host, path, cancellationToken);
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

        var scopeList = await client.GetAsync<EstateScopeList>(ws, "/api/2.0/secrets/scopes/list", cancellationToken).ConfigureAwait(false);
        var selected = (scopeList!.Scopes ?? []).Where(s => s.Name is not null && (selection.Scopes is null || selection.Scopes.Contains(s.Name))).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var scopes = await Concurrent.Map(selected, async scope =>
        {
            var q = Uri.EscapeDataString(scope.Name!);
            var acls = await client.GetOrNullAsync<AclList>(ws, $"/api/2.0/secrets/acls/list?scope={q}", cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> keys = [];
            if (!string.Equals(scope.BackendType, "AZURE_KEYVAULT", StringComparison.OrdinalIgnoreCase))
            {
                var secrets = await client.GetOrNullAsync<EstateSecretList>(ws, $"/api/2.0/secrets/list?scope={q}", cancellationToken).ConfigureAwait(false);
                keys = (secrets?.Secrets ?? []).Select(s => s.Key).OfType<string>().Order(StringComparer.Ordinal).ToList();
            }

            return new EstateScopeRead(scope, acls?.Items ?? [], keys);
        }).ConfigureAwait(false);

        var (grants, grantsRead, metastore) = await ReadGrants(ws, selection, cancellationToken).ConfigureAwait(false);
        var jobs = await new LiveReader(client).ReadAllJobsAsync(ws, cancellationToken).ConfigureAwait(false);
        return new Estate(users, wsGroups, accountGroups, wsGroupNames, accountGroupNames, wsSps, accountSps, assignments, scopes, grants,
            jobs.Select(j => new EstateJob(j.Job, j.Acl)).ToList())
        {
            MetastoreId = metastore,
            GrantsRead = grantsRead,
        };
    }

    /// <summary>
    /// The grants of the metastore, of every catalog and schema (listed), of the named securables, and with
    /// <see cref="EstateSelection.Deep"/> of every table, volume and function; a securable is read once.
    /// </summary>
    private async Task<(List<EstateGrants> Grants, List<string> Read, string? Metastore)> ReadGrants(Uri ws, EstateSelection selection, CancellationToken cancellationToken)
    {
        var reader = new LiveReader(client);
        var read = new List<string>();
        var targets = new List<(string Type, string Name)>();
        var metastore = await reader.ReadMetastoreIdAsync(ws, cancellationToken).ConfigureAwait(false);
        if (metastore is not null)
        {
            targets.Add(("metastore", metastore));
            read.Add("the metastore");
        }
        else
        {
            read.Add("the metastore: not read (no metastore is assigned to the workspace)");
        }

        var catalogs = await reader.UcListAsync(ws, "catalogs", string.Empty, cancellationToken).ConfigureAwait(false);
        var catalogNames = catalogs.Select(c => c.Name).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        targets.AddRange(catalogNames.Select(c => ("catalog", c)));
        var schemaLists = await Concurrent.Map(catalogNames, c => reader.UcListAsync(ws, "schemas", $"catalog_name={Uri.EscapeDataString(c)}", cancellationToken)).ConfigureAwait(false);
        var schemas = schemaLists.SelectMany(l => l).Select(x => x.FullName).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        targets.AddRange(schemas.Select(x => ("schema", x)));
        read.Add($"{catalogNames.Count} catalog(s) and {schemas.Count} schema(s), all");

        if (selection.Deep)
        {
            foreach (var (kind, type) in new[] { ("tables", "table"), ("volumes", "volume"), ("functions", "function") })
            {
                var lists = await Concurrent.Map(schemas, x =>
                {
                    var dot = x.IndexOf('.', StringComparison.Ordinal);
                    return reader.UcListAsync(ws, kind, $"catalog_name={Uri.EscapeDataString(x[..dot])}&schema_name={Uri.EscapeDataString(x[(dot + 1)..])}", cancellationToken);
                }).ConfigureAwait(false);
                var names = lists.SelectMany(l => l).Select(x => x.FullName).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                targets.AddRange(names.Select(n => (type, n)));
                read.Add($"{names.Count} {kind}, all (--deep)");
            }
        }
        else
        {
            var named = selection.Securables.Count(s => s.Type is "table" or "volume" or "function");
            read.Add($"tables, volumes and functions: {(named == 0 ? "not read" : $"only the {named} named in --securables")} (--deep reads them all)");
        }

        targets.AddRange(selection.Securables);
        var distinct = targets.Distinct().ToList();
        var results = await Concurrent.Map(distinct, t => reader.ReadGrantsAsync(ws, t.Type, t.Name, cancellationToken)).ConfigureAwait(false);
        var grants = distinct.Select((t, i) => new EstateGrants(t.Type, t.Name, results[i])).ToList();
        return (grants, read, metastore);
    }

    /// <summary>Every item of a SCIM list with only <paramref name="attributes"/>, one GET per page: the audit's paging (<see cref="LiveReader.ScimListAsync{T}"/>).</summary>
    private Task<IReadOnlyList<T>> Scim<T>(Uri host, string path, string attributes, CancellationToken cancellationToken)
        where T : class =>
        new LiveReader(client).ScimListAsync<T>(host, path, attributes, cancellationToken);
}
