using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// How a principal reaches a group: until when (null: standing), through which direct group, by which config entry;
/// and for time-bound reach, the membership whose expiry ends it (its reason and config path).
/// </summary>
public readonly record struct Reach(DateTimeOffset? Until, string Via, string EdgePath, string? Reason = null, string? UntilPath = null)
{
    /// <summary>Standing beats expiring; a later expiry beats an earlier one.</summary>
    public bool BetterThan(Reach other) =>
        other.Until is { } o && (Until is not { } u || u > o);

    public static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);

    /// <summary>A membership followed by this reach: it lasts until the earlier of the two ends, with that end's reason.</summary>
    public Reach After(Membership first, string via) =>
        first.Expires is { } e && (Until is not { } u || e <= u)
            ? new Reach(e, via, first.Path, first.Reason, first.Path)
            : new Reach(Until, via, first.Path, Reason, UntilPath);

    public static Reach Of(Membership m, string group) => new(m.Expires, group, m.Path, m.Expires is null ? null : m.Reason, m.Expires is null ? null : m.Path);
}

/// <summary>
/// Group membership as a graph: for every principal, each group it belongs to directly or through nesting,
/// with the best (longest-lived) path. Group closures are memoised and computed without recursion; nesting is
/// at most <see cref="MaxNestingDepth"/> deep (deeper config is an error), which bounds every closure.
/// </summary>
public sealed class AccessGraph
{
    /// <summary>Groups nested in groups at most this many levels deep.</summary>
    public const int MaxNestingDepth = 16;

    private readonly TopologyModel _model;
    private readonly Dictionary<PrincipalRef, List<(string Group, Membership Membership)>> _parents = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, Reach>> _groupClosure = new(StringComparer.Ordinal);
    // Per group: an index into _adminReaches, or -1 when it reaches no admin rights (most groups; kept small).
    private readonly Dictionary<string, int> _groupAdmin = new(StringComparer.Ordinal);
    private readonly List<Reach> _adminReaches = [];
    private readonly Stack<(string Key, bool Expanded)> _pending = new();
    private readonly HashSet<string> _entered = new(StringComparer.Ordinal);

    public AccessGraph(TopologyModel model)
    {
        _model = model;
        foreach (var group in model.Groups.Values)
        {
            foreach (var m in group.Members)
            {
                _parents.GetOrAdd(m.Principal).Add((group.Key, m));
            }
        }
    }

    public TopologyModel Model => _model;

    /// <summary>Every principal the topology names, in a stable order.</summary>
    public IReadOnlyList<PrincipalRef> Principals()
    {
        var set = new HashSet<PrincipalRef>(_parents.Keys);
        set.UnionWith(_model.Groups.Values.Select(g => g.Ref));
        set.UnionWith(_model.ServicePrincipals.Values.Select(s => s.Ref));
        set.UnionWith(_model.WebApps.Values.Select(w => w.Ref));
        set.UnionWith(_model.Users.Values.Select(u => u.Ref));
        foreach (var scope in _model.SecretScopes.Values)
        {
            set.UnionWith(scope.Acls.Select(a => a.Principal));
        }

        set.UnionWith(_model.CatalogGrants.Select(g => g.To));
        foreach (var job in _model.Jobs.Values)
        {
            set.Add(job.RunAs);
            set.UnionWith(job.Permissions.Select(p => p.Principal));
        }

        foreach (var warehouse in _model.Warehouses.Values)
        {
            set.UnionWith(warehouse.Permissions.Select(p => p.Principal));
        }

        set.UnionWith(_model.TokenUsage?.CanUse ?? []);
        set.Remove(PrincipalRef.Group(Names.UsersGroup));
        var list = set.ToList();
        list.Sort();
        return list;
    }

    public IReadOnlyDictionary<string, Reach> GroupsOf(PrincipalRef principal)
    {
        if (principal.Kind == PrincipalKind.Group)
        {
            return GroupClosure(principal.Key);
        }

        _parents.TryGetValue(principal, out var direct);
        foreach (var (group, _) in direct ?? [])
        {
            GroupClosure(group);
        }

        return Closure(direct);
    }

    /// <summary>A group's closure, after those of every group it is a member of.</summary>
    private IReadOnlyDictionary<string, Reach> GroupClosure(string key)
    {
        if (!_groupClosure.TryGetValue(key, out var closure))
        {
            Walk(key, _groupClosure, (_, direct) => Closure(direct));
            closure = _groupClosure[key];
        }

        return closure;
    }

    /// <summary>
    /// Works out <paramref name="compute"/> for <paramref name="key"/> and, first, for every group it is a member of that
    /// <paramref name="done"/> does not hold yet (post-order, on an explicit stack: no recursion however deep the input
    /// nests), each once into <paramref name="done"/>. A cycle (only in input that failed validation) leaves a parent
    /// unfinished: <paramref name="compute"/> finds it missing from <paramref name="done"/>.
    /// </summary>
    private void Walk<T>(string key, Dictionary<string, T> done, Func<string, List<(string Group, Membership Membership)>?, T> compute)
    {
        var pending = _pending;
        var entered = _entered;
        entered.Clear();
        pending.Push((key, false));
        while (pending.Count > 0)
        {
            var (group, expanded) = pending.Pop();
            if (done.ContainsKey(group))
            {
                continue;
            }

            _parents.TryGetValue(PrincipalRef.Group(group), out var direct);
            if (!expanded && entered.Add(group))
            {
                pending.Push((group, true));
                foreach (var (parent, _) in direct ?? [])
                {
                    if (!done.ContainsKey(parent) && !entered.Contains(parent))
                    {
                        pending.Push((parent, false));
                    }
                }

                continue;
            }

            done[group] = compute(group, direct);
        }
    }

    private Dictionary<string, Reach> Closure(List<(string Group, Membership Membership)>? direct)
    {
        var result = new Dictionary<string, Reach>(direct?.Count ?? 0, StringComparer.Ordinal);
        foreach (var (group, m) in direct ?? [])
        {
            Offer(result, group, Reach.Of(m, group));
            foreach (var (ancestor, reach) in _groupClosure.GetValueOrDefault(group) ?? Empty)
            {
                Offer(result, ancestor, reach.After(m, group));
            }
        }

        return result;
    }

    private static readonly IReadOnlyDictionary<string, Reach> Empty = new Dictionary<string, Reach>();

    /// <summary>
    /// Whether, and how, a principal is a workspace admin: through the built-in admins group, its own
    /// <c>workspaceAccess: admin</c>, or an account group it belongs to that has it.
    /// </summary>
    /// <remarks>
    /// Worked out from the best admin reach of each group the principal is directly in (memoised per group), so a
    /// check is linear in memberships; the full closure is only built for the access matrix.
    /// </remarks>
    public Reach? AdminReach(PrincipalRef principal)
    {
        Reach? best = OwnAccess(principal) == WorkspaceAccess.Admin ? new Reach(null, string.Empty, $"{PathOf(principal)}.workspaceAccess") : null;
        _parents.TryGetValue(principal, out var direct);
        foreach (var (group, m) in direct ?? [])
        {
            if (GroupAdminReach(group) is { } r && (best is null || r.After(m, r.Via).BetterThan(best.Value)))
            {
                best = r.After(m, r.Via);
            }
        }

        return best;
    }

    /// <summary>
    /// A group's own best admin reach (standing when the group itself grants admin), with <see cref="Reach.Via"/> the
    /// group that grants it; groups it is in first, on an explicit stack.
    /// </summary>
    private Reach? GroupAdminReach(string key)
    {
        if (_groupAdmin.TryGetValue(key, out var known))
        {
            return known < 0 ? null : _adminReaches[known];
        }

        if (!_parents.ContainsKey(PrincipalRef.Group(key)))
        {
            // In no group: admin only if it grants admin itself.
            _model.Groups.TryGetValue(key, out var spec);
            var own = key == Names.AdminsGroup || (spec is not null && GrantsAdmin(spec))
                ? new Reach(null, key, spec?.Path ?? "topology")
                : (Reach?)null;
            _groupAdmin[key] = own is null ? -1 : _adminReaches.Count;
            if (own is not null)
            {
                _adminReaches.Add(own.Value);
            }

            return own;
        }

        Walk(key, _groupAdmin, (group, direct) =>
        {
            Reach? best = null;
            if (group == Names.AdminsGroup || (_model.Groups.TryGetValue(group, out var g) && GrantsAdmin(g)))
            {
                best = new Reach(null, group, _model.Groups.TryGetValue(group, out var spec) ? spec.Path : "topology");
            }

            foreach (var (parent, m) in direct ?? [])
            {
                if (_groupAdmin.GetValueOrDefault(parent, -1) is var i and >= 0 && _adminReaches[i] is var r && (best is null || r.After(m, r.Via).BetterThan(best.Value)))
                {
                    best = r.After(m, r.Via);
                }
            }

            if (best is null)
            {
                return -1;
            }

            _adminReaches.Add(best.Value);
            return _adminReaches.Count - 1;
        });

        return _groupAdmin[key] is var index and >= 0 ? _adminReaches[index] : null;
    }

    /// <summary><see cref="AdminReach(PrincipalRef)"/> with the principal's <see cref="GroupsOf"/> already at hand.</summary>
    internal Reach? AdminReach(PrincipalRef principal, IReadOnlyDictionary<string, Reach> groups)
    {
        Reach? best = null;
        void Consider(Reach r)
        {
            if (best is null || r.BetterThan(best.Value))
            {
                best = r;
            }
        }

        if (OwnAccess(principal) == WorkspaceAccess.Admin)
        {
            Consider(new Reach(null, string.Empty, $"{PathOf(principal)}.workspaceAccess"));
        }

        foreach (var (group, reach) in groups)
        {
            if (group == Names.AdminsGroup
                || (_model.Groups.TryGetValue(group, out var g) && g.HasWorkspaceAssignment && g.WorkspaceAccess == WorkspaceAccess.Admin))
            {
                Consider(reach with { Via = group });
            }
        }

        return best;
    }

    /// <summary>The group a membership of which grants workspace admin rights.</summary>
    public static bool GrantsAdmin(GroupSpec group) =>
        group.Key == Names.AdminsGroup || (group.HasWorkspaceAssignment && group.WorkspaceAccess == WorkspaceAccess.Admin);

    public WorkspaceAccess OwnAccess(PrincipalRef p) => _model.IdentityOf(p) switch
    {
        { HasWorkspaceAssignment: true } identity => identity.WorkspaceAccess,
        null when p.Kind == PrincipalKind.User && _model.Users.TryGetValue(p.Key, out var u) => u.WorkspaceAccess,
        _ => WorkspaceAccess.None,
    };

    public string PathOf(PrincipalRef p) => _model.IdentityOf(p)?.Path
        ?? (p.Kind == PrincipalKind.User && _model.Users.TryGetValue(p.Key, out var u) ? u.Path : "topology");

    private static void Offer(Dictionary<string, Reach> result, string group, Reach reach)
    {
        if (!result.TryGetValue(group, out var current) || reach.BetterThan(current))
        {
            result[group] = reach;
        }
    }
}
