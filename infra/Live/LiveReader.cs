using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

/// <summary>
/// Reads, with GET only, exactly the endpoints the audit uses (paths as the Go SDK v0.175.0 has them, docs/facts.md):
/// SCIM Users, Groups and ServicePrincipals of the workspace and the account, always with <c>attributes=</c> (one GET
/// per page), and GET of each group the stack declares (members, entitlements, roles); every secret scope and its
/// ACLs; each declared job by <c>name=</c> and its permissions; the token permissions and tokens when the stack
/// manages them; the Unity Catalog permissions of each securable it grants on (the metastore's id from the current
/// metastore assignment); with an account, the workspace's permission assignments. The public reads are reused by
/// other commands (adopt).
/// </summary>
public sealed partial class LiveReader(DatabricksClient client)
{
    /// <summary>SCIM attributes of a user list: enough to name a member.</summary>
    public const string UserAttributes = "id,userName";

    /// <summary>SCIM attributes of a group list: ids and names only (members come from GET of each group).</summary>
    public const string GroupAttributes = "id,displayName";

    private const int MaxPages = 100_000;

    public DatabricksClient Client => client;

    public async Task<LiveState> ReadAsync(Declaration declaration, LiveTarget target, CancellationToken cancellationToken)
    {
        var ws = target.Workspace;
        var accountLevel = target.Account is not null;
        var principals = declaration.Principals.ToDictionary(p => p.Ref, StringComparer.Ordinal);
        var workspaceGroups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var accountGroups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in declaration.Principals.Where(p => p.Type == PrincipalType.Group))
        {
            (p.AccountLevel && accountLevel ? accountGroups : workspaceGroups).Add(p.Name);
        }

        foreach (var g in declaration.Groups.Where(g => !principals.ContainsKey(g.Ref)))
        {
            workspaceGroups.Add(g.Ref[(g.Ref.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }

        // Entitlements are per workspace: an account group's are read from the workspace's view of it.
        foreach (var e in declaration.Entitlements)
        {
            if (principals.TryGetValue(e.Principal, out var p))
            {
                if (p.Type == PrincipalType.Group)
                {
                    workspaceGroups.Add(p.Name);
                }
            }
            else if (e.Principal.StartsWith("group:", StringComparison.Ordinal))
            {
                workspaceGroups.Add(e.Principal["group:".Length..]); // users, admins
            }
        }

        var wsApi = ScimApi.Workspace(ws);
        var workspace = new LiveDirectory(
            await ReadUsersAsync(wsApi, cancellationToken).ConfigureAwait(false),
            await ReadGroupsWithMembersAsync(wsApi, g => workspaceGroups.Contains(g.DisplayName!), cancellationToken).ConfigureAwait(false),
            await ReadServicePrincipalsAsync(wsApi, "id,applicationId,displayName,entitlements", cancellationToken).ConfigureAwait(false));

        LiveDirectory? account = null;
        IReadOnlyList<AssignmentItem>? assignments = null;
        if (target.Account is { } a)
        {
            var api = ScimApi.Account(a);
            account = new LiveDirectory(
                await ReadUsersAsync(api, cancellationToken).ConfigureAwait(false),
                await ReadGroupsWithMembersAsync(api, g => accountGroups.Contains(g.DisplayName!), cancellationToken).ConfigureAwait(false),
                await ReadServicePrincipalsAsync(api, "id,applicationId,displayName,roles", cancellationToken).ConfigureAwait(false));
            assignments = await ReadAssignmentsAsync(a, cancellationToken).ConfigureAwait(false);
        }
        else if (target.WorkspaceOnly && declaration.Assignments is not null)
        {
            assignments = await ReadWorkspaceAssignmentsAsync(ws, cancellationToken).ConfigureAwait(false);
        }

        var (scopes, acls) = await ReadScopesWithAclsAsync(ws, cancellationToken).ConfigureAwait(false);

        // The keys of the Databricks-backed scopes the stack creates (names only: the list never carries a value).
        var scopeKeys = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        foreach (var scope in declaration.Scopes.Where(s => s.Keys is not null && scopes.Contains(s.Name)))
        {
            scopeKeys[scope.Name] = await ReadSecretKeysAsync(ws, scope.Name, cancellationToken).ConfigureAwait(false);
        }

        var jobs = new Dictionary<string, IReadOnlyList<LiveJob>>(StringComparer.Ordinal);
        foreach (var job in declaration.Jobs)
        {
            jobs[job.Name] = await ReadJobsNamedAsync(ws, job.Name, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<AccessControl>? tokenAcl = null;
        if (declaration.TokenUsers is not null)
        {
            var acl = await client.GetOrNullAsync<ObjectPermissions>(ws, "/api/2.0/permissions/authorization/tokens", cancellationToken).ConfigureAwait(false);
            tokenAcl = acl?.AccessControlList ?? [];
        }

        IReadOnlyList<TokenInfo>? tokens = null;
        if (declaration.TokenMaxLifetimeDays is not null)
        {
            // One page (the iterator has no next-request function) [fact: sdk-tokens-list].
            var list = await client.GetAsync<TokenInfoList>(ws, "/api/2.0/token-management/tokens", cancellationToken).ConfigureAwait(false);
            tokens = list.TokenInfos ?? [];
        }

        string? metastore = null;
        var grants = new Dictionary<string, IReadOnlyList<PrivilegeAssignment>?>(StringComparer.Ordinal);
        foreach (var securable in declaration.Securables)
        {
            var type = securable.Type;
            var name = securable.FullName;
            if (type == "metastore")
            {
                metastore ??= (await client.GetOrNullAsync<MetastoreAssignment>(ws, "/api/2.1/unity-catalog/current-metastore-assignment", cancellationToken).ConfigureAwait(false))?.MetastoreId;
                if (string.IsNullOrEmpty(metastore))
                {
                    continue;
                }

                name = metastore;
            }

            grants[securable.ToString()] = await ReadGrantsAsync(ws, type, name, cancellationToken).ConfigureAwait(false);
        }

        var warehouses = await ReadWarehousesAsync(ws, declaration.Warehouses, cancellationToken).ConfigureAwait(false);

        string? maxLifetime = null;
        if (declaration.TokenMaxLifetimeDays is not null)
        {
            // workspaceConfImpl.GetStatus (keys=) answering WorkspaceConf [fact: sdk-workspace-conf].
            var conf = await client.GetAsync<WorkspaceConf>(ws, $"/api/2.0/workspace-conf?keys={MaxTokenLifetimeDaysKey}", cancellationToken).ConfigureAwait(false);
            maxLifetime = conf.GetValueOrDefault(MaxTokenLifetimeDaysKey);
        }

        var ruleSets = new Dictionary<string, LiveRuleSet>(StringComparer.Ordinal);
        if (target.Account is { } acct)
        {
            foreach (var rs in declaration.RuleSets)
            {
                if (ApplicationIdOf(principals.GetValueOrDefault(rs.Principal), account ?? workspace, workspace) is { } appId)
                {
                    ruleSets[rs.Principal] = await ReadRuleSetAsync(ws, acct, $"accounts/{acct.AccountId}/servicePrincipals/{appId}/ruleSets/default", cancellationToken).ConfigureAwait(false);
                }
            }
        }

        // Who a job could run as that the stack declares: its users, its service principals (by application id), the
        // deployer and the automation identities. A job the stack does not declare that runs as one of them lets
        // whoever can run or manage it act as that principal.
        var runAs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in declaration.Principals)
        {
            if (p.Type == PrincipalType.User)
            {
                runAs.Add(p.Name.Trim());
            }
            else if (p.Type == PrincipalType.ServicePrincipal && ApplicationIdOf(p, workspace, account) is { } appId)
            {
                runAs.Add(appId);
            }
        }

        runAs.UnionWith(declaration.AutomationApplicationIds);
        if (declaration.DeployerApplicationId is { Length: > 0 } deployer)
        {
            runAs.Add(deployer);
        }

        var declaredJobs = declaration.Jobs.Select(j => j.Name).ToHashSet(StringComparer.Ordinal);
        var undeclared = await ReadJobsRunningAsAsync(ws, j => j.Settings?.Name is not { } n || !declaredJobs.Contains(n), runAs.Contains, cancellationToken).ConfigureAwait(false);

        return new LiveState(workspace, account, assignments, scopes, acls, jobs, tokenAcl, grants)
        {
            MetastoreId = metastore,
            Tokens = tokens,
            ScopeKeys = scopeKeys,
            Warehouses = warehouses,
            MaxTokenLifetimeDays = maxLifetime,
            WorkspaceConfRead = declaration.TokenMaxLifetimeDays is not null,
            RuleSets = ruleSets,
            UndeclaredJobs = undeclared,
        };
    }

    /// <summary>The workspace conf key of the token policy [fact: workspace-conf-patch].</summary>
    public const string MaxTokenLifetimeDaysKey = "maxTokenLifetimeDays";

    /// <summary>
    /// A service principal's application id: the declared one, or the one live principal with its display name in
    /// <paramref name="first"/>, else in <paramref name="second"/>; null when none or several carry the name.
    /// </summary>
    private static string? ApplicationIdOf(DeclaredPrincipal? p, LiveDirectory? first, LiveDirectory? second)
    {
        if (p is null || p.Type != PrincipalType.ServicePrincipal)
        {
            return null;
        }

        if (p.ApplicationId is { Length: > 0 } id)
        {
            return id;
        }

        foreach (var dir in new[] { first, second }.OfType<LiveDirectory>())
        {
            var named = dir.ServicePrincipals.Where(s => s.ApplicationId is not null && string.Equals(s.DisplayName, p.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (named.Count > 0)
            {
                return named.Count == 1 ? named[0].ApplicationId : null;
            }
        }

        return null;
    }
}
