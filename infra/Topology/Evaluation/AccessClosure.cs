using System.Runtime.InteropServices;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// One step of the path by which a principal holds an access. <see cref="Kind"/>: <c>member</c> (a principal in a
/// group), <c>nested</c> (a group in a group), <c>everyone</c> (every identity is in <c>users</c> and <c>account
/// users</c>), <c>acts-as</c> (reading a stored credential or running a job that runs as the target), <c>grant</c>
/// (the entry that grants it), <c>admin</c> (what workspace admins hold everywhere), <c>inherits</c> (a Unity Catalog
/// privilege on a catalog or schema applies inside it). <see cref="Via"/> names the config entry or the permission.
/// </summary>
public sealed record PathStep(string Kind, string From, string To, string Via);

/// <summary>One access of the full closure with its complete path.</summary>
public sealed record ClosureEntry(AccessEntry Entry, IReadOnlyList<PathStep> Path)
{
    public string Object => AccessObject.NameOf(Entry);
}

/// <summary>A principal another can act as: the chain in review language, the earliest end along it and its reason, the path.</summary>
/// <param name="EdgePath">The config entry that opens the first hop (the ACL or the job).</param>
public sealed record ActingAsReach(PrincipalRef Target, string Chain, DateTimeOffset? Until, string? Reason, IReadOnlyList<PathStep> Path, string EdgePath);

/// <summary>
/// Effective access as one closure: what each principal holds directly, through its groups (nested), as workspace
/// admin, and by acting as others (reading a scope that stores their token or OAuth secret, running a job that runs
/// as them), transitively, each reached principal by its longest-lived path. <see cref="Matrix"/> is the plan's
/// matrix (own access plus one ACT_AS row per reached principal); <see cref="Of(PrincipalRef, Func{AccessEntry, bool}?)"/> and <see cref="Who"/> answer the
/// full question with paths (the <c>access</c> verb).
/// </summary>
public sealed class AccessClosure
{
    private static readonly IReadOnlyList<PathStep> NoSteps = [];
    private static readonly PrincipalRef Everyone = PrincipalRef.Group(Names.UsersGroup);
    private static readonly PrincipalRef AccountUsers = PrincipalRef.Group(Names.AccountUsersGroup);

    private readonly AccessGraph _graph;
    private readonly TopologyModel _model;
    private readonly bool _paths;
    private readonly ActingAs _actingAs;
    private readonly Holdings _holdings = new();
    private (AccessObject? Object, Holdings Holdings) _holdingsOn = (null, new());
    private readonly HashSet<PrincipalRef> _tokenUsers = [];
    private readonly Dictionary<PrincipalRef, Target> _targets = [];
    private readonly Dictionary<string, string> _chains = new(StringComparer.Ordinal);
    private (AccessObject? Object, Dictionary<PrincipalRef, List<Row>> Rows, HashSet<PrincipalRef>? Holders) _rowsOn = (null, [], null);
    private readonly Dictionary<PrincipalRef, (Reach? Admin, IReadOnlyList<(string Kind, int Count)> Counts, string Text)> _summaries = [];

    /// <param name="paths">Build each entry's path (the <c>access</c> verb); the plan's matrix does without. Token use
    /// is part of the closure only then (the matrix leaves it to the token section).</param>
    public AccessClosure(AccessGraph graph, bool paths = true)
    {
        _graph = graph;
        _model = graph.Model;
        _paths = paths;
        _actingAs = new ActingAs(_model);
        foreach (var scope in _model.SecretScopes.Values)
        {
            foreach (var acl in scope.Acls)
            {
                Add(_holdings.Acls, acl.Principal, (scope, acl));
            }
        }

        foreach (var job in _model.Jobs.Values)
        {
            foreach (var (p, level) in job.Permissions)
            {
                Add(_holdings.Jobs, p, (job, level));
            }
        }

        foreach (var warehouse in _model.Warehouses.Values)
        {
            foreach (var (p, level) in warehouse.Permissions)
            {
                Add(_holdings.Warehouses, p, (warehouse, level));
            }
        }

        foreach (var grant in _model.CatalogGrants)
        {
            Add(_holdings.Grants, grant.To, (grant, grant.On.ToString()));
        }

        if (_model.TokenUsage is { } usage)
        {
            _tokenUsers.UnionWith(usage.CanUse);
        }
    }

    public AccessGraph Graph => _graph;

    private readonly record struct Row(AccessEntry Entry, int Strength, Origin? Origin);

    private sealed record Origin(IReadOnlyList<PathStep> Prefix, PathStep? Last)
    {
        public IReadOnlyList<PathStep> Path => Last is null ? Prefix : [.. Prefix, Last];
    }

    /// <summary>An acting-as edge found in one principal's access, with the end of the access it rests on.</summary>
    private sealed record Hop(PrincipalRef Target, string How, string EdgePath, DateTimeOffset? Until, string? Reason, IReadOnlyList<PathStep> Path);

    private sealed record Target(List<Row> Rows, List<Hop> Edges);

    /// <summary>The model's direct grants by holder: ACLs, job and warehouse permissions, catalog grants.</summary>
    private sealed class Holdings
    {
        public Dictionary<PrincipalRef, List<(SecretScopeSpec Scope, SecretAclSpec Acl)>> Acls { get; } = [];

        public Dictionary<PrincipalRef, List<(JobSpec Job, JobPermission Level)>> Jobs { get; } = [];

        public Dictionary<PrincipalRef, List<(WarehouseSpec Warehouse, WarehousePermission Level)>> Warehouses { get; } = [];

        // The securable's text is the same for every principal the grant reaches: rendered once.
        public Dictionary<PrincipalRef, List<(CatalogGrantSpec Grant, string On)>> Grants { get; } = [];
    }

    /// <summary>
    /// The direct grants an <c>access --object</c> query can use, in the same order: those on the object, and those that
    /// open a way to act as another (an ACL on a scope that stores a credential, CAN_MANAGE_RUN or more on a job). The
    /// rest offers nothing to a table that takes only the object's entries; every candidate would walk past them.
    /// </summary>
    private Holdings HoldingsOn(AccessObject only)
    {
        if (_holdingsOn.Object == only)
        {
            return _holdingsOn.Holdings;
        }

        var kept = new Holdings();
        Keep(_holdings.Acls, kept.Acls, x => only.Matches(AccessKind.SecretScope, x.Scope.Key) || _actingAs.StoredIn(x.Scope.Key).Count > 0);
        Keep(_holdings.Jobs, kept.Jobs, x => only.Matches(AccessKind.Job, x.Job.Key) || x.Level >= JobPermission.CanManageRun);
        Keep(_holdings.Warehouses, kept.Warehouses, x => only.Matches(AccessKind.Warehouse, x.Warehouse.Key));
        Keep(_holdings.Grants, kept.Grants, x => only.Matches(AccessKind.Catalog, x.On));
        _holdingsOn = (only, kept);
        return kept;

        static void Keep<T>(Dictionary<PrincipalRef, List<T>> all, Dictionary<PrincipalRef, List<T>> kept, Func<T, bool> wanted)
        {
            foreach (var (holder, list) in all)
            {
                var some = list.Where(wanted).ToList();
                if (some.Count > 0)
                {
                    kept[holder] = some;
                }
            }
        }
    }

    /// <summary>One principal's entries by key; <see cref="Only"/>: the object an <c>access --object</c> query asks about.</summary>
    private sealed class Table : Dictionary<(AccessKind, string, string), Row>
    {
        public AccessObject? Only { get; init; }

        /// <summary>Whether entries of this kind on this resource (config key; a catalog entry's securable) belong in the table.</summary>
        public bool Wants(AccessKind kind, string key) => Only is null || Only.Matches(kind, key);
    }

    private readonly record struct Source(PrincipalRef Holder, string? Via, DateTimeOffset? Until, string? Reason, IReadOnlyList<PathStep> Prefix);

    /// <summary>The plan's matrix: per principal (stable order) its own access and one ACT_AS row per principal it can act as.</summary>
    public IEnumerable<AccessEntry> Matrix()
    {
        var table = new Table();
        var hops = new List<Hop>();
        var entries = new List<AccessEntry>();
        foreach (var principal in _graph.Principals())
        {
            // Clear costs the table's capacity, which an admin's rows (every scope, job, warehouse) make large: a
            // table cleared after each of tens of thousands of principals made the matrix quadratic in the estate.
            if (table.Count > 256)
            {
                table = new Table();
            }
            else
            {
                table.Clear();
            }

            hops.Clear();
            entries.Clear();
            var groups = _graph.GroupsOf(principal);
            Own(principal, groups, table, _actingAs.Any ? hops : null);
            foreach (var reach in Reach(principal, hops))
            {
                Offer(table, principal, AccessKind.ActAs, reach.Target.ToString(), null, "ACT_AS", 1, reach.Chain, reach.Until, reach.Reason, null);
            }

            Admin(principal, groups, table, null);
            foreach (var row in table.Values)
            {
                entries.Add(row.Entry);
            }

            // (Kind, resource key, Permission) is unique within one principal's entries, so an unstable sort orders
            // them exactly as a stable one would.
            entries.Sort(EntryOrder.Instance);
            foreach (var entry in entries)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Everyone <paramref name="principal"/> can act as, each by its longest-lived path (standing first).</summary>
    public IReadOnlyList<ActingAsReach> ActingAs(PrincipalRef principal)
    {
        if (!_actingAs.Any)
        {
            return [];
        }

        var hops = new List<Hop>();
        Own(principal, _graph.GroupsOf(principal), new Table(), hops);
        return Reach(principal, hops).Select(w => w.ToReach()).ToList();
    }

    /// <summary>
    /// Everything <paramref name="principal"/> holds in the end, with paths: its own access, admin rights, and the
    /// access of each principal it can act as (copied with the earliest end along the path). <paramref name="filter"/>
    /// keeps only the entries it accepts (what acting as reaches is still found from everything held).
    /// </summary>
    public IReadOnlyList<ClosureEntry> Of(PrincipalRef principal, Func<AccessEntry, bool>? filter = null) => Of(principal, new Table(), filter);

    /// <summary>
    /// <see cref="Of(PrincipalRef, Func{AccessEntry, bool}?)"/> for the entries on one object only: the same entries
    /// (the strongest of each key competes only with its own key), without working out the paths of the others.
    /// </summary>
    public IReadOnlyList<ClosureEntry> Of(PrincipalRef principal, AccessObject only) => Of(principal, new Table { Only = only }, only.Matches);

    private List<ClosureEntry> Of(PrincipalRef principal, Table table, Func<AccessEntry, bool>? filter)
    {
        var groups = _graph.GroupsOf(principal);
        var hops = new List<Hop>();
        Own(principal, groups, table, _actingAs.Any ? hops : null);

        // Its own admin rights before what acting as copies: at equal strength and end, its own path is the one shown.
        Admin(principal, groups, table, null);
        var actAs = table.Wants(AccessKind.ActAs, string.Empty);

        // Asked for one object (no ACT_AS rows): only the ways to the targets that hold something on it are used, and
        // the search may stop once those are settled (each is settled exactly as by the whole search).
        var holders = table.Only is { } asked && !actAs ? HoldersOn(asked) : null;
        foreach (var reach in Reach(principal, hops, holders))
        {
            if (actAs)
            {
                Offer(table, principal, AccessKind.ActAs, reach.Target.ToString(), null, "ACT_AS", 1, reach.Chain, reach.Until, reach.Reason,
                    _paths ? new Origin(reach.Path, null) : null);
            }

            string? how = null;
            foreach (var row in table.Only is { } only ? RowsOn(reach.Target, only) : TargetOf(reach.Target).Rows)
            {
                var e = row.Entry;
                if (e.Kind == AccessKind.ActAs || (filter is not null && !filter(e)))
                {
                    continue;
                }

                var (u, r) = Earlier(reach.Until, reach.Reason, e.Until, e.Reason);
                Offer(table, principal, e.Kind, e.Resource, e.ResourceKey, e.Permission, row.Strength, how ??= $"acting as {reach.Target}", u, r,
                    _paths ? new Origin([.. reach.Path, .. row.Origin?.Path ?? NoSteps], null) : null);
            }
        }

        var list = table.Values.Where(v => filter is null || filter(v.Entry)).ToList();
        list.Sort((x, y) => EntryOrder.Instance.Compare(x.Entry, y.Entry));
        return list.Select(v => new ClosureEntry(v.Entry, v.Origin?.Path ?? NoSteps)).ToList();
    }

    private void RowsFor(AccessObject only)
    {
        if (_rowsOn.Object != only)
        {
            _rowsOn = (only, [], null);
        }
    }

    /// <summary>The principals one can act as that hold something on <paramref name="only"/> themselves.</summary>
    private HashSet<PrincipalRef> HoldersOn(AccessObject only)
    {
        RowsFor(only);
        return _rowsOn.Holders ??= _actingAs.Targets().Where(t => RowsOn(t, only).Count > 0).ToHashSet();
    }

    /// <summary>A target's own rows on one object: <see cref="Who"/> copies them into every candidate that can act as it.</summary>
    private List<Row> RowsOn(PrincipalRef target, AccessObject only)
    {
        RowsFor(only);

        if (!_rowsOn.Rows.TryGetValue(target, out var rows))
        {
            _rowsOn.Rows[target] = rows = TargetOf(target).Rows.Where(r => only.Matches(r.Entry)).ToList();
        }

        return rows;
    }

    /// <summary>Every principal with access to <paramref name="obj"/>, with its permission and complete path; principals in stable order.</summary>
    public IReadOnlyList<ClosureEntry> Who(AccessObject obj)
    {
        var candidates = Candidates(obj);
        var result = new List<ClosureEntry>();
        var principals = _graph.Principals();
        if (_model.TokenUsage is { } usage && usage.CanUse.Except(principals).Any())
        {
            // Token use may name principals nothing else does.
            principals = principals.Union(usage.CanUse).Where(p => p != Everyone).Order().ToList();
        }

        foreach (var principal in principals)
        {
            if (candidates is not null && !candidates.Contains(principal))
            {
                continue;
            }

            foreach (var e in Of(principal, obj))
            {
                result.Add(obj.Inherited(e));
            }
        }

        return result;
    }

    /// <summary>
    /// The principals that may reach <paramref name="obj"/> (a superset): its direct holders and the admin holders,
    /// then, repeatedly, the members of every group in the set and whoever holds a way to act as a principal in it.
    /// Null: everyone (the set holds <c>users</c> or <c>account users</c>).
    /// </summary>
    private HashSet<PrincipalRef>? Candidates(AccessObject obj)
    {
        var seeds = new List<PrincipalRef>();
        foreach (var scope in _model.SecretScopes.Values)
        {
            seeds.AddRange(scope.Acls.Where(a => obj.Matches(Probe(AccessKind.SecretScope, scope.Name, scope.Key))).Select(a => a.Principal));
        }

        foreach (var job in _model.Jobs.Values.Where(j => obj.Matches(Probe(AccessKind.Job, j.Name, j.Key))))
        {
            seeds.AddRange(job.Permissions.Select(p => p.Principal));
        }

        foreach (var w in _model.Warehouses.Values.Where(w => obj.Matches(Probe(AccessKind.Warehouse, w.Label, w.Key))))
        {
            seeds.AddRange(w.Permissions.Select(p => p.Principal));
        }

        seeds.AddRange(_model.CatalogGrants.Where(g => obj.Matches(Probe(AccessKind.Catalog, g.On.ToString(), null))).Select(g => g.To));
        if (obj.Matches(Probe(AccessKind.Workspace, "workspace", null)))
        {
            seeds.AddRange(_model.Groups.Values.Where(g => g.HasWorkspaceAssignment || g.Entitlements.Count > 0).Select(g => g.Ref));
            seeds.AddRange(_model.ServicePrincipals.Values.Where(s => s.HasWorkspaceAssignment || s.Entitlements.Count > 0).Select(s => s.Ref));
            seeds.AddRange(_model.WebApps.Values.Where(w => w.HasWorkspaceAssignment || w.Entitlements.Count > 0).Select(w => w.Ref));
            seeds.AddRange(_model.Users.Values.Select(u => u.Ref));
        }

        seeds.AddRange(_tokenUsers.Where(_ => obj.Matches(Probe(AccessKind.Tokens, "tokens", null))));

        // Workspace admins: MANAGE on every scope, job and warehouse, ADMIN on the workspace, CAN_MANAGE on tokens; and
        // through them, acting as anyone whose credential is stored or whom a job runs as.
        var admins = new List<PrincipalRef> { PrincipalRef.Group(Names.AdminsGroup) };
        admins.AddRange(_model.Groups.Values.Where(AccessGraph.GrantsAdmin).Select(g => g.Ref));
        admins.AddRange(_model.ServicePrincipals.Values.Where(s => s.HasWorkspaceAssignment && s.WorkspaceAccess == WorkspaceAccess.Admin).Select(s => s.Ref));
        admins.AddRange(_model.WebApps.Values.Where(w => w.HasWorkspaceAssignment && w.WorkspaceAccess == WorkspaceAccess.Admin).Select(w => w.Ref));
        admins.AddRange(_model.Users.Values.Where(u => u.WorkspaceAccess == WorkspaceAccess.Admin).Select(u => u.Ref));
        if (!obj.IsCatalog)
        {
            seeds.AddRange(admins);
        }

        var members = new Dictionary<PrincipalRef, List<PrincipalRef>>();
        foreach (var g in _model.Groups.Values)
        {
            foreach (var m in g.Members)
            {
                Add(members, g.Ref, m.Principal);
            }
        }

        var actors = new Dictionary<PrincipalRef, List<PrincipalRef>>();
        foreach (var scopeKey in _actingAs.StoringScopes)
        {
            var scope = _model.SecretScopes[scopeKey];
            foreach (var (owner, _) in _actingAs.StoredIn(scopeKey))
            {
                foreach (var acl in scope.Acls)
                {
                    Add(actors, owner, acl.Principal);
                }

                foreach (var a in admins)
                {
                    Add(actors, owner, a);
                }
            }
        }

        foreach (var job in _model.Jobs.Values)
        {
            foreach (var (p, level) in job.Permissions.Where(x => x.Level >= JobPermission.CanManageRun))
            {
                Add(actors, job.RunAs, p);
            }

            foreach (var a in admins)
            {
                Add(actors, job.RunAs, a);
            }
        }

        var set = new HashSet<PrincipalRef>();
        var queue = new Queue<PrincipalRef>();
        foreach (var s in seeds)
        {
            if (set.Add(s))
            {
                queue.Enqueue(s);
            }
        }

        while (queue.Count > 0)
        {
            var p = queue.Dequeue();
            if (p == Everyone || p == AccountUsers)
            {
                return null;
            }

            foreach (var next in (members.GetValueOrDefault(p) ?? []).Concat(actors.GetValueOrDefault(p) ?? []))
            {
                if (set.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return set;
    }

    private static AccessEntry Probe(AccessKind kind, string resource, string? key) => new(default, kind, resource, string.Empty, null, null, null, key);

    /// <summary>Own access: the principal itself, every group it is in (nested), and everyone's groups.</summary>
    /// <remarks>
    /// The matrix builds no path (<c>_paths</c> false): a path step's text is only written for the <c>access</c> verb.
    /// A table asked for one object (<see cref="Table.Only"/>) takes only that object's entries; acting-as edges are
    /// still found from everything held.
    /// </remarks>
    private void Own(PrincipalRef principal, IReadOnlyDictionary<string, Reach> groups, Table table, List<Hop>? hops)
    {
        var sources = new List<Source>(groups.Count + 3) { new(principal, null, null, null, NoSteps) };
        var wantsGroups = table.Wants(AccessKind.Group, string.Empty);
        foreach (var (group, reach) in groups)
        {
            var prefix = _paths ? Chain(principal, groups, group) : NoSteps;
            sources.Add(new(PrincipalRef.Group(group), reach.Via == group ? group : $"{group} (through {reach.Via})", reach.Until, reach.Reason, prefix));
            if (wantsGroups)
            {
                Offer(table, principal, AccessKind.Group, group, null, "MEMBER", 1, reach.Via == group ? null : reach.Via, reach.Until, reach.Reason,
                    _paths ? new Origin(prefix, null) : null);
            }
        }

        if (principal.Kind != PrincipalKind.Group || _model.Groups.ContainsKey(principal.Key))
        {
            // Everyone in the workspace is in the built-in users group, and (for Unity Catalog) in account users.
            sources.Add(new(Everyone, Names.UsersGroup, null, null,
                _paths ? [new PathStep("everyone", principal.ToString(), Everyone.ToString(), "every workspace identity is in users")] : NoSteps));
            sources.Add(new(AccountUsers, Names.AccountUsersGroup, null, null,
                _paths ? [new PathStep("everyone", principal.ToString(), AccountUsers.ToString(), "every account identity is in account users")] : NoSteps));
        }

        var holdings = table.Only is { } only ? HoldingsOn(only) : _holdings;
        var wantsWorkspace = table.Wants(AccessKind.Workspace, "workspace");
        var wantsEntitlements = table.Wants(AccessKind.Entitlement, "workspace");
        foreach (var (source, via, until, reason, prefix) in sources)
        {
            var holder = _paths ? source.ToString() : string.Empty;
            var own = wantsWorkspace ? _graph.OwnAccess(source) : WorkspaceAccess.None;
            if (own != WorkspaceAccess.None)
            {
                Offer(table, principal, AccessKind.Workspace, "workspace", null, Vocabulary.Name(own), (int)own, via, until, reason,
                    _paths ? Step(prefix, "grant", holder, "workspace", $"workspaceAccess: {Vocabulary.Name(own).ToLowerInvariant()} ({_graph.PathOf(source)}.workspaceAccess)") : null);
            }

            foreach (var entitlement in wantsEntitlements ? EntitlementsOf(source) : [])
            {
                Offer(table, principal, AccessKind.Entitlement, "workspace", null, entitlement, 1, via, until, reason,
                    _paths ? Step(prefix, "grant", holder, "workspace", $"entitlement {entitlement} ({_graph.PathOf(source)}.entitlements)") : null);
            }

            string? through = null;
            foreach (var (scope, acl) in holdings.Acls.GetValueOrDefault(source) ?? [])
            {
                var permission = Vocabulary.Name(acl.Permission);
                if (table.Wants(AccessKind.SecretScope, scope.Key))
                {
                    Offer(table, principal, AccessKind.SecretScope, scope.Name, scope.Key, permission, (int)acl.Permission, via, until, reason,
                        _paths ? Step(prefix, "grant", holder, $"scope:{scope.Name}", $"{permission} ({acl.Path})") : null);
                }

                // READ is the weakest secret permission: every ACL reads.
                foreach (var (owner, kind) in hops is null ? [] : _actingAs.StoredIn(scope.Key))
                {
                    if (owner != principal)
                    {
                        through ??= via is null ? string.Empty : $" through {via}";
                        hops!.Add(new Hop(owner, $"{permission} on scope {scope.Name}{through}, which stores its {Evaluation.ActingAs.CredentialName(kind)}", acl.Path, until, reason,
                            _paths ? [.. prefix, new PathStep("acts-as", principal.ToString(), owner.ToString(), $"{permission} on scope {scope.Name}, which stores its {Evaluation.ActingAs.CredentialName(kind)} ({acl.Path})")] : NoSteps));
                    }
                }
            }

            foreach (var (job, level) in holdings.Jobs.GetValueOrDefault(source) ?? [])
            {
                var permission = Vocabulary.Name(level);
                if (table.Wants(AccessKind.Job, job.Key))
                {
                    Offer(table, principal, AccessKind.Job, job.Name, job.Key, permission, (int)level, via, until, reason,
                        _paths ? Step(prefix, "grant", holder, $"job:{job.Key}", $"{permission} ({job.Path})") : null);
                }

                if (hops is not null && level >= JobPermission.CanManageRun && job.RunAs != principal)
                {
                    through ??= via is null ? string.Empty : $" through {via}";
                    hops.Add(new Hop(job.RunAs, $"{permission} on job {job.Name}{through}, which runs as it", job.Path, until, reason,
                        _paths ? [.. prefix, new PathStep("acts-as", principal.ToString(), job.RunAs.ToString(), $"{permission} on job {job.Name}, which runs as it ({job.Path})")] : NoSteps));
                }
            }

            foreach (var (warehouse, level) in holdings.Warehouses.GetValueOrDefault(source) ?? [])
            {
                if (table.Wants(AccessKind.Warehouse, warehouse.Key))
                {
                    var permission = Vocabulary.Name(level);
                    Offer(table, principal, AccessKind.Warehouse, warehouse.Label, warehouse.Key, permission, (int)level, via, until, reason,
                        _paths ? Step(prefix, "grant", holder, $"warehouse:{warehouse.Key}", $"{permission} ({warehouse.Path})") : null);
                }
            }

            foreach (var (grant, on) in holdings.Grants.GetValueOrDefault(source) ?? [])
            {
                if (!table.Wants(AccessKind.Catalog, on))
                {
                    continue;
                }

                foreach (var privilege in grant.Privileges)
                {
                    Offer(table, principal, AccessKind.Catalog, on, null, privilege, 1, via, until, reason,
                        _paths ? Step(prefix, "grant", holder, on, $"{privilege} ({grant.Path})") : null);
                }
            }

            if (_tokenUsers.Contains(source) && table.Wants(AccessKind.Tokens, "tokens"))
            {
                Offer(table, principal, AccessKind.Tokens, "tokens", null, "CAN_USE", 1, via, until, reason,
                    _paths ? Step(prefix, "grant", holder, "tokens", $"CAN_USE ({_model.TokenUsage!.Path}.canUse)") : null);
            }
        }
    }

    /// <summary>What workspace admins hold everywhere; for a principal acted as, also the acting-as edges that opens.</summary>
    private void Admin(PrincipalRef principal, IReadOnlyDictionary<string, Reach> groups, Table table, List<Hop>? hops)
    {
        if (_graph.AdminReach(principal, groups) is not { } admin)
        {
            return;
        }

        var via = admin.Via.Length == 0 ? null : admin.Via;
        var prefix = _paths && via is not null && groups.ContainsKey(via) ? Chain(principal, groups, via) : NoSteps;
        var holder = via is null ? principal.ToString() : PrincipalRef.Group(via).ToString();
        var everywhere = via ?? Names.AdminsGroup;
        if (table.Wants(AccessKind.Workspace, "workspace"))
        {
            Offer(table, principal, AccessKind.Workspace, "workspace", null, "ADMIN", (int)WorkspaceAccess.Admin, via, admin.Until, admin.Reason,
                _paths ? Step(prefix, "grant", holder, "workspace", via is null ? $"workspaceAccess: admin ({admin.EdgePath})" : $"ADMIN: a workspace admin group ({admin.EdgePath})") : null);
        }

        foreach (var scope in _model.SecretScopes.Values)
        {
            if (table.Wants(AccessKind.SecretScope, scope.Key))
            {
                Offer(table, principal, AccessKind.SecretScope, scope.Name, scope.Key, "MANAGE", (int)SecretPermission.Manage, everywhere, admin.Until, admin.Reason,
                    _paths ? Step(prefix, "admin", holder, $"scope:{scope.Name}", "workspace admins MANAGE every scope") : null);
            }

            foreach (var (owner, kind) in hops is null ? [] : _actingAs.StoredIn(scope.Key))
            {
                if (owner != principal)
                {
                    hops!.Add(new Hop(owner, $"MANAGE on scope {scope.Name} through {everywhere}, which stores its {Evaluation.ActingAs.CredentialName(kind)}", scope.Path, admin.Until, admin.Reason,
                        _paths ? [.. prefix, new PathStep("acts-as", principal.ToString(), owner.ToString(), $"MANAGE on scope {scope.Name} as workspace admin, which stores its {Evaluation.ActingAs.CredentialName(kind)}")] : NoSteps));
                }
            }
        }

        foreach (var job in _model.Jobs.Values)
        {
            if (table.Wants(AccessKind.Job, job.Key))
            {
                Offer(table, principal, AccessKind.Job, job.Name, job.Key, "CAN_MANAGE", (int)JobPermission.CanManage, everywhere, admin.Until, admin.Reason,
                    _paths ? Step(prefix, "admin", holder, $"job:{job.Key}", "workspace admins CAN_MANAGE every job") : null);
            }

            if (hops is not null && job.RunAs != principal)
            {
                hops.Add(new Hop(job.RunAs, $"CAN_MANAGE on job {job.Name} through {everywhere}, which runs as it", job.Path, admin.Until, admin.Reason,
                    _paths ? [.. prefix, new PathStep("acts-as", principal.ToString(), job.RunAs.ToString(), $"CAN_MANAGE on job {job.Name} as workspace admin, which runs as it ({job.Path})")] : NoSteps));
            }
        }

        foreach (var warehouse in _model.Warehouses.Values)
        {
            if (table.Wants(AccessKind.Warehouse, warehouse.Key))
            {
                Offer(table, principal, AccessKind.Warehouse, warehouse.Label, warehouse.Key, "CAN_MANAGE", (int)WarehousePermission.CanManage, everywhere, admin.Until, admin.Reason,
                    _paths ? Step(prefix, "admin", holder, $"warehouse:{warehouse.Key}", "workspace admins CAN_MANAGE every warehouse") : null);
            }
        }

        if ((_paths || _model.TokenUsage is not null) && table.Wants(AccessKind.Tokens, "tokens"))
        {
            Offer(table, principal, AccessKind.Tokens, "tokens", null, "CAN_MANAGE", 2, everywhere, admin.Until, admin.Reason,
                _paths ? Step(prefix, "admin", holder, "tokens", "workspace admins CAN_MANAGE all tokens") : null);
        }
    }

    /// <summary>
    /// Everyone reached from <paramref name="hops"/> and, transitively, from what each reached principal holds: each by
    /// its longest-lived path (standing first, then the latest end; ties in the order found).
    /// </summary>
    /// <param name="wanted">When given, the search stops once every one of these it can reach is settled.</param>
    private List<Way> Reach(PrincipalRef principal, List<Hop> hops, HashSet<PrincipalRef>? wanted = null)
    {
        var result = new List<Way>();
        var left = wanted is null ? int.MaxValue : wanted.Count - (wanted.Contains(principal) ? 1 : 0);
        if (hops.Count == 0 || left == 0)
        {
            return result;
        }

        // A queued way is its last hop and the settled way it continues (null: the principal's own hop). The first
        // way queued for a target with a given end beats every later one with the same end or an earlier one (ties go
        // in the order found), so only a way that ends later than every way queued for its target is queued at all.
        var queue = new PriorityQueue<(Way? From, Hop Hop, DateTimeOffset? Until, string? Reason), (long, long)>();
        var queued = new Dictionary<PrincipalRef, long>();
        long order = 0;
        void Push(Way? from, Hop hop, DateTimeOffset? until, string? reason)
        {
            var end = until is { } u ? -u.UtcTicks : long.MinValue;
            ref var best = ref CollectionsMarshal.GetValueRefOrAddDefault(queued, hop.Target, out var seen);
            if (seen && best <= end)
            {
                return;
            }

            best = end;
            queue.Enqueue((from, hop, until, reason), (end, order++));
        }

        foreach (var h in hops)
        {
            if (h.Target != principal)
            {
                Push(null, h, h.Until, h.Reason);
            }
        }

        var settled = new HashSet<PrincipalRef> { principal };
        while (queue.TryDequeue(out var item, out _))
        {
            if (!settled.Add(item.Hop.Target))
            {
                continue;
            }

            var way = new Way(this, item.From, item.Hop, item.Until, item.Reason);
            result.Add(way);
            if (wanted is not null && wanted.Contains(way.Target) && --left == 0)
            {
                break;
            }

            foreach (var next in TargetOf(way.Target).Edges)
            {
                if (settled.Contains(next.Target))
                {
                    continue;
                }

                var (u, r) = Earlier(way.Until, way.Reason, next.Until, next.Reason);
                Push(way, next, u, r);
            }
        }

        return result;
    }

    /// <summary>
    /// A settled way to act as a target: the settled way it continues (null: the principal's own hop) and its last hop.
    /// Its chain and path are written out when first asked for: <c>access --object</c> needs the path only to a target
    /// that holds something on the object, and never the chain.
    /// </summary>
    private sealed class Way(AccessClosure closure, Way? from, Hop hop, DateTimeOffset? until, string? reason)
    {
        private string? _chain;
        private IReadOnlyList<PathStep>? _path;

        public PrincipalRef Target => hop.Target;

        public DateTimeOffset? Until => until;

        public string? Reason => reason;

        public string Chain => _chain ??= closure.Intern(from is null ? hop.How : $"{from.Chain}; as {from.Target}: {hop.How}");

        public IReadOnlyList<PathStep> Path => _path ??= from is null ? hop.Path : closure._paths ? [.. from.Path, .. hop.Path] : NoSteps;

        public string EdgePath => from is null ? hop.EdgePath : from.EdgePath;

        public ActingAsReach ToReach() => new(Target, Chain, Until, Reason, Path, EdgePath);
    }

    /// <summary>
    /// One string per distinct acting-as chain: many principals reach a target the same way, and the plan keeps every
    /// ACT_AS row for the Acting as section after the matrix.
    /// </summary>
    private string Intern(string chain)
    {
        if (_chains.TryGetValue(chain, out var known))
        {
            return known;
        }

        _chains.Add(chain, chain);
        return chain;
    }

    /// <summary>What a principal acted as holds and whom it can act as: found once per target, not once per principal reaching it.</summary>
    private Target TargetOf(PrincipalRef target)
    {
        if (!_targets.TryGetValue(target, out var t))
        {
            var table = new Table();
            var hops = new List<Hop>();
            var groups = _graph.GroupsOf(target);
            Own(target, groups, table, hops);
            Admin(target, groups, table, hops);
            _targets[target] = t = new Target(table.Values.ToList(), hops);
        }

        return t;
    }

    /// <summary>A principal acted as, summarised for the Acting as section: whether it is admin-level, and its own access by kind of object.</summary>
    /// <remarks>Worked out once per target: the plan asks for it on every acting-as row that names the target.</remarks>
    public (Reach? Admin, IReadOnlyList<(string Kind, int Count)> Counts) Summary(PrincipalRef target)
    {
        if (_summaries.TryGetValue(target, out var known))
        {
            return (known.Admin, known.Counts);
        }

        var rows = TargetOf(target).Rows;
        var counts = rows.Where(r => r.Entry.Kind is not (AccessKind.ActAs or AccessKind.Group or AccessKind.Workspace or AccessKind.Tokens))
            .GroupBy(r => r.Entry.Kind)
            .OrderBy(g => g.Key)
            .Select(g => (Kind: KindLabel(g.Key), Count: g.Count()))
            .ToList();
        var admin = _graph.AdminReach(target, _graph.GroupsOf(target));
        var level = admin is { } a
            ? $"admin-level ({(a.Via.Length == 0 ? "its workspaceAccess: admin" : $"through {a.Via}")}{(a.Until is { } u ? $", until {Instants.Format(u)}" : string.Empty)})"
            : "not admin-level";
        var what = counts.Count == 0 ? "no privileges of its own" : string.Join(", ", counts.Select(c => $"{c.Count} {c.Kind}"));
        _summaries[target] = (admin, counts, $"{level}; {what}");
        return (admin, counts);
    }

    /// <summary>"admin-level (through admins); 3 secret scopes, 2 jobs" or "not admin-level; 1 entitlements".</summary>
    public string Reaches(PrincipalRef target)
    {
        Summary(target);
        return _summaries[target].Text;
    }

    public static string KindLabel(AccessKind kind) => kind switch
    {
        AccessKind.SecretScope => "secret scopes",
        AccessKind.Job => "jobs",
        AccessKind.Catalog => "catalog privileges",
        AccessKind.Entitlement => "entitlements",
        AccessKind.Warehouse => "warehouses",
        AccessKind.Group => "groups",
        AccessKind.Tokens => "tokens",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The groups from a principal to one of its groups, each step a membership (by its config entry): the path the
    /// group closure kept (longest-lived).
    /// </summary>
    private List<PathStep> Chain(PrincipalRef principal, IReadOnlyDictionary<string, Reach> groups, string group)
    {
        var steps = new List<PathStep>(2);
        var current = principal;
        var reach = groups[group];
        for (var i = 0; i <= AccessGraph.MaxNestingDepth + 1; i++)
        {
            var next = PrincipalRef.Group(reach.Via);
            steps.Add(new PathStep(current.Kind == PrincipalKind.Group ? "nested" : "member", current.ToString(), next.ToString(), reach.EdgePath));
            if (reach.Via == group || !_graph.GroupsOf(next).TryGetValue(group, out reach))
            {
                break;
            }

            current = next;
        }

        return steps;
    }

    private static Origin Step(IReadOnlyList<PathStep> prefix, string kind, string from, string to, string via) =>
        new(prefix, new PathStep(kind, from, to, via));

    private static (DateTimeOffset? Until, string? Reason) Earlier(DateTimeOffset? a, string? aReason, DateTimeOffset? b, string? bReason) =>
        b is { } tb && (a is not { } ta || tb < ta) ? (b, bReason) : (a, aReason);

    // Resources are keyed by config key (two jobs may share a display name); the name is what is shown.
    private static void Offer(Table table, PrincipalRef principal, AccessKind kind, string resource, string? resourceKey, string permission, int strength,
        string? via, DateTimeOffset? until, string? reason, Origin? origin)
    {
        var key = (kind, resourceKey ?? resource, kind is AccessKind.Catalog or AccessKind.Entitlement ? permission : string.Empty);
        ref var current = ref CollectionsMarshal.GetValueRefOrAddDefault(table, key, out var exists);
        if (!exists || Stronger(strength, until, via, current.Strength, current.Entry))
        {
            current = new Row(new AccessEntry(principal, kind, resource, permission, via, until, until is null ? null : reason, resourceKey), strength, origin);
        }
    }

    /// <summary>Higher permission wins; at equal strength standing beats expiring, later beats earlier, direct beats inherited.</summary>
    private static bool Stronger(int strength, DateTimeOffset? until, string? via, int currentStrength, AccessEntry current)
    {
        if (strength != currentStrength)
        {
            return strength > currentStrength;
        }

        if (until != current.Until)
        {
            return until is null || (current.Until is not null && until > current.Until);
        }

        return via is null && current.Via is not null;
    }

    private IReadOnlyList<string> EntitlementsOf(PrincipalRef p) => p.Kind switch
    {
        PrincipalKind.Group when _model.Groups.TryGetValue(p.Key, out var g) => g.Entitlements,
        PrincipalKind.ServicePrincipal when _model.ServicePrincipals.TryGetValue(p.Key, out var s) => s.Entitlements,
        PrincipalKind.WebApp when _model.WebApps.TryGetValue(p.Key, out var w) => w.Entitlements,
        _ => [],
    };

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value)
        where TKey : notnull
    {
        map.GetOrAdd(key).Add(value);
    }

    /// <summary>By kind, then resource (config key), then permission (ordinal).</summary>
    internal sealed class EntryOrder : IComparer<AccessEntry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(AccessEntry? x, AccessEntry? y)
        {
            // As ints: Enum.CompareTo(object) would box both sides on every comparison.
            var c = ((int)x!.Kind).CompareTo((int)y!.Kind);
            if (c != 0)
            {
                return c;
            }

            c = string.CompareOrdinal(x.ResourceKey ?? x.Resource, y.ResourceKey ?? y.Resource);
            return c != 0 ? c : string.CompareOrdinal(x.Permission, y.Permission);
        }
    }
}
