using System.Runtime.InteropServices;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

// Acting as: the search from a principal's edges through what each principal acted as can act as, and what a
// target reaches (the Acting as section's summary).
public sealed partial class AccessClosure
{
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
}
