using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

// The closure's questions: the plan's matrix, everyone a principal can act as, everything one principal holds in the end
// (`access --principal`) and everyone with access to one object (`access --object`), with the indexes an
// object query narrows to.
public sealed partial class AccessClosure
{
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
}
