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
public sealed partial class AccessClosure
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

    /// <summary>One principal's entries by key; <see cref="Only"/>: the object an <c>access --object</c> query asks about.</summary>
    private sealed class Table : Dictionary<(AccessKind, string, string), Row>
    {
        public AccessObject? Only { get; init; }

        /// <summary>Whether entries of this kind on this resource (config key; a catalog entry's securable) belong in the table.</summary>
        public bool Wants(AccessKind kind, string key) => Only is null || Only.Matches(kind, key);
    }

    private readonly record struct Source(PrincipalRef Holder, string? Via, DateTimeOffset? Until, string? Reason, IReadOnlyList<PathStep> Prefix);

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
