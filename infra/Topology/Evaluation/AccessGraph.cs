using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>How a principal reaches a group: until when (null: standing), through which direct group, by which config entry.</summary>
public readonly record struct Reach(DateTimeOffset? Until, string Via, string EdgePath)
{
    /// <summary>Standing beats expiring; a later expiry beats an earlier one.</summary>
    public bool BetterThan(Reach other) =>
        other.Until is { } o && (Until is not { } u || u > o);

    public static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);
}

/// <summary>
/// Group membership as a graph: for every principal, each group it belongs to directly or through nesting,
/// with the best (longest-lived) path. Group closures are memoised, so the cost is linear in memberships
/// times nesting depth.
/// </summary>
public sealed class AccessGraph
{
    private readonly TopologyModel _model;
    private readonly Dictionary<PrincipalRef, List<(string Group, Membership Membership)>> _parents = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, Reach>> _groupClosure = new(StringComparer.Ordinal);

    public AccessGraph(TopologyModel model)
    {
        _model = model;
        foreach (var group in model.Groups.Values)
        {
            foreach (var m in group.Members)
            {
                if (!_parents.TryGetValue(m.Principal, out var list))
                {
                    _parents[m.Principal] = list = [];
                }

                list.Add((group.Key, m));
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

        set.Remove(PrincipalRef.Group(Names.UsersGroup));
        var list = set.ToList();
        list.Sort();
        return list;
    }

    public IReadOnlyDictionary<string, Reach> GroupsOf(PrincipalRef principal)
    {
        if (principal.Kind == PrincipalKind.Group && _groupClosure.TryGetValue(principal.Key, out var cached))
        {
            return cached;
        }

        _parents.TryGetValue(principal, out var direct);
        var result = new Dictionary<string, Reach>(direct?.Count ?? 0, StringComparer.Ordinal);
        if (principal.Kind == PrincipalKind.Group)
        {
            // Placeholder while computing guards against cycles in invalid input.
            _groupClosure[principal.Key] = result;
        }

        if (direct is not null)
        {
            foreach (var (group, m) in direct)
            {
                Offer(result, group, new Reach(m.Expires, group, m.Path));
                foreach (var (ancestor, reach) in GroupsOf(PrincipalRef.Group(group)))
                {
                    Offer(result, ancestor, new Reach(Reach.Min(m.Expires, reach.Until), group, m.Path));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Whether, and how, a principal is a workspace admin: through the built-in admins group, its own
    /// <c>workspaceAccess: admin</c>, or an account group it belongs to that has it.
    /// </summary>
    public Reach? AdminReach(PrincipalRef principal) => AdminReach(principal, GroupsOf(principal));

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

    public WorkspaceAccess OwnAccess(PrincipalRef p) => p.Kind switch
    {
        PrincipalKind.Group when _model.Groups.TryGetValue(p.Key, out var g) && g.HasWorkspaceAssignment => g.WorkspaceAccess,
        PrincipalKind.ServicePrincipal when _model.ServicePrincipals.TryGetValue(p.Key, out var s) && s.HasWorkspaceAssignment => s.WorkspaceAccess,
        PrincipalKind.WebApp when _model.WebApps.TryGetValue(p.Key, out var w) && w.HasWorkspaceAssignment => w.WorkspaceAccess,
        _ => WorkspaceAccess.None,
    };

    public string PathOf(PrincipalRef p) => p.Kind switch
    {
        PrincipalKind.Group when _model.Groups.TryGetValue(p.Key, out var g) => g.Path,
        PrincipalKind.ServicePrincipal when _model.ServicePrincipals.TryGetValue(p.Key, out var s) => s.Path,
        PrincipalKind.WebApp when _model.WebApps.TryGetValue(p.Key, out var w) => w.Path,
        _ => "topology",
    };

    private static void Offer(Dictionary<string, Reach> result, string group, Reach reach)
    {
        if (!result.TryGetValue(group, out var current) || reach.BetterThan(current))
        {
            result[group] = reach;
        }
    }
}
