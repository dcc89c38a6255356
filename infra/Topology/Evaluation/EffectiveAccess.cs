using System.Runtime.InteropServices;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

public enum AccessKind
{
    Workspace,
    Group,
    Entitlement,
    SecretScope,
    Job,
    Catalog,

    /// <summary>The principal can act as another (<see cref="AccessEntry.Resource"/>), and so holds that one's access too.</summary>
    ActAs,
    Warehouse,

    /// <summary>
    /// Token use (<c>CAN_USE</c>, admins <c>CAN_MANAGE</c>) on the workspace's <c>tokens</c> permission, shown only when
    /// the stack declares it (<c>topology.tokenUsage</c>): otherwise who may use tokens is not the stack's to say.
    /// </summary>
    Tokens,
}

/// <summary>
/// One thing a principal can do in the end, and why: <see cref="Via"/> is null for a direct grant, otherwise
/// the group it comes through (or <c>admins</c> for what workspace admins hold everywhere). Time-bound access
/// carries the <see cref="Reason"/> of the membership whose expiry ends it. <see cref="Resource"/> is the name
/// Databricks shows; <see cref="ResourceKey"/> the stable config key where that differs (jobs, secret scopes).
/// </summary>
public sealed record AccessEntry(
    PrincipalRef Principal,
    AccessKind Kind,
    string Resource,
    string Permission,
    string? Via,
    DateTimeOffset? Until,
    string? Reason = null,
    string? ResourceKey = null)
{
    /// <summary>What one entry is about, by config key (two jobs may share a name); permissions of one key compete and the strongest wins.</summary>
    public (PrincipalRef, AccessKind, string, string) Key =>
        Kind is AccessKind.Catalog or AccessKind.Entitlement ? (Principal, Kind, ResourceKey ?? Resource, Permission) : (Principal, Kind, ResourceKey ?? Resource, string.Empty);

    /// <summary>The resource as a reviewer reads it: its name, and its config key when that is different.</summary>
    public string ResourceLabel => ResourceKey is null || ResourceKey == Resource ? Resource : $"{Resource} ({ResourceKey})";
}

/// <summary>The effective access of every principal: MANAGE &gt; WRITE &gt; READ, strongest wins, admins manage everything.</summary>
public static class EffectiveAccess
{
    /// <summary>The resource name of token use entries: the workspace's <c>tokens</c> permission object.</summary>
    public const string TokensResource = "tokens";

    public static IReadOnlyList<AccessEntry> Compute(AccessGraph graph) => Enumerate(graph).ToList();

    /// <summary>
    /// The same entries in the same order, computed one principal at a time as they are read: a plan streams the
    /// matrix of a large estate instead of holding all of it.
    /// </summary>
    public static IEnumerable<AccessEntry> Enumerate(AccessGraph graph)
    {
        var model = graph.Model;
        var entries = new List<AccessEntry>();
        var aclsByPrincipal = new Dictionary<PrincipalRef, List<(SecretScopeSpec Scope, SecretAclSpec Acl)>>();
        foreach (var scope in model.SecretScopes.Values)
        {
            foreach (var acl in scope.Acls)
            {
                Add(aclsByPrincipal, acl.Principal, (scope, acl));
            }
        }

        var jobsByPrincipal = new Dictionary<PrincipalRef, List<(JobSpec Job, JobPermission Level)>>();
        foreach (var job in model.Jobs.Values)
        {
            foreach (var (p, level) in job.Permissions)
            {
                Add(jobsByPrincipal, p, (job, level));
            }
        }

        var warehousesByPrincipal = new Dictionary<PrincipalRef, List<(WarehouseSpec Warehouse, WarehousePermission Level)>>();
        foreach (var warehouse in model.Warehouses.Values)
        {
            foreach (var (p, level) in warehouse.Permissions)
            {
                Add(warehousesByPrincipal, p, (warehouse, level));
            }
        }

        // The securable's text is the same for every principal the grant reaches: render it once.
        var grantsByPrincipal = new Dictionary<PrincipalRef, List<(CatalogGrantSpec Grant, string On)>>();
        foreach (var grant in model.CatalogGrants)
        {
            Add(grantsByPrincipal, grant.To, (grant, grant.On.ToString()));
        }

        // The declared token users (tokenUsage.canUse, service principals holding a token among them).
        var tokenUsers = model.TokenUsage is { } usage ? usage.CanUse.ToHashSet() : [];

        var everyone = PrincipalRef.Group(Names.UsersGroup);
        var accountUsers = PrincipalRef.Group(Names.AccountUsersGroup);

        var actingAs = new ActingAs(model);

        // Full effective access (admin rights included) of the principals someone can act as, each computed once.
        var targets = new Dictionary<PrincipalRef, List<AccessEntry>>();
        var targetEdges = new Dictionary<PrincipalRef, List<(ActAsEdge Edge, AccessEntry Through)>>();

        // One principal at a time, so its entries are keyed without it (AccessEntry.Key less the principal); the
        // table is reused across principals and an entry is only allocated when it wins.
        var best = new Dictionary<(AccessKind, string, string), (AccessEntry Entry, int Strength)>();
        foreach (var principal in graph.Principals())
        {
            best.Clear();
            entries.Clear();
            var groups = graph.GroupsOf(principal);
            OwnAccess(principal, groups, best);

            // Acting as: from what the principal holds itself (not from admin rights, which reach everything anyway).
            if (actingAs.Any)
            {
                ActAs(principal, best);
            }

            AdminAccess(principal, groups, best);

            // (Kind, resource key, Permission) is unique within one principal's entries, so an unstable sort orders
            // them exactly as a stable one would.
            foreach (var (entry, _) in best.Values)
            {
                entries.Add(entry);
            }

            entries.Sort(EntryOrder.Instance);
            foreach (var entry in entries)
            {
                yield return entry;
            }
        }

        // Resources are keyed by config key (two jobs may share a display name); the name is what is shown.
        static void Offer(Dictionary<(AccessKind, string, string), (AccessEntry Entry, int Strength)> table, PrincipalRef principal,
            AccessKind kind, string resource, string? resourceKey, string permission, int strength, string? via, DateTimeOffset? until, string? reason)
        {
            var key = (kind, resourceKey ?? resource, kind is AccessKind.Catalog or AccessKind.Entitlement ? permission : string.Empty);
            ref var current = ref CollectionsMarshal.GetValueRefOrAddDefault(table, key, out var exists);
            if (!exists || Stronger(strength, until, via, current.Strength, current.Entry))
            {
                current = (new AccessEntry(principal, kind, resource, permission, via, until, until is null ? null : reason, resourceKey), strength);
            }
        }

        void OwnAccess(PrincipalRef principal, IReadOnlyDictionary<string, Reach> groups, Dictionary<(AccessKind, string, string), (AccessEntry Entry, int Strength)> table)
        {
            var sources = new List<(PrincipalRef Source, string? Via, DateTimeOffset? Until, string? Reason)> { (principal, null, null, null) };
            foreach (var (group, reach) in groups)
            {
                sources.Add((PrincipalRef.Group(group), reach.Via == group ? group : $"{group} (through {reach.Via})", reach.Until, reach.Reason));
                Offer(table, principal, AccessKind.Group, group, null, "MEMBER", 1, reach.Via == group ? null : reach.Via, reach.Until, reach.Reason);
            }

            if (principal.Kind != PrincipalKind.Group || model.Groups.ContainsKey(principal.Key))
            {
                // Everyone in the workspace is in the built-in users group, and (for Unity Catalog) in account users.
                sources.Add((everyone, Names.UsersGroup, null, null));
                sources.Add((accountUsers, Names.AccountUsersGroup, null, null));
            }

            foreach (var (source, via, until, reason) in sources)
            {
                var own = graph.OwnAccess(source);
                if (own != WorkspaceAccess.None)
                {
                    Offer(table, principal, AccessKind.Workspace, "workspace", null, Vocabulary.Name(own), (int)own, via, until, reason);
                }

                foreach (var entitlement in EntitlementsOf(model, source))
                {
                    Offer(table, principal, AccessKind.Entitlement, "workspace", null, entitlement, 1, via, until, reason);
                }

                foreach (var (scope, acl) in aclsByPrincipal.GetValueOrDefault(source) ?? [])
                {
                    Offer(table, principal, AccessKind.SecretScope, scope.Name, scope.Key, Vocabulary.Name(acl.Permission), (int)acl.Permission, via, until, reason);
                }

                foreach (var (job, level) in jobsByPrincipal.GetValueOrDefault(source) ?? [])
                {
                    Offer(table, principal, AccessKind.Job, job.Name, job.Key, Vocabulary.Name(level), (int)level, via, until, reason);
                }

                foreach (var (warehouse, level) in warehousesByPrincipal.GetValueOrDefault(source) ?? [])
                {
                    Offer(table, principal, AccessKind.Warehouse, warehouse.Label, warehouse.Key, Vocabulary.Name(level), (int)level, via, until, reason);
                }

                if (tokenUsers.Contains(source))
                {
                    Offer(table, principal, AccessKind.Tokens, TokensResource, null, "CAN_USE", 1, via, until, reason);
                }

                foreach (var (grant, on) in grantsByPrincipal.GetValueOrDefault(source) ?? [])
                {
                    foreach (var privilege in grant.Privileges)
                    {
                        Offer(table, principal, AccessKind.Catalog, on, null, privilege, 1, via, until, reason);
                    }
                }
            }
        }

        void AdminAccess(PrincipalRef principal, IReadOnlyDictionary<string, Reach> groups, Dictionary<(AccessKind, string, string), (AccessEntry Entry, int Strength)> table)
        {
            if (graph.AdminReach(principal, groups) is { } admin)
            {
                var via = admin.Via.Length == 0 ? null : admin.Via;
                Offer(table, principal, AccessKind.Workspace, "workspace", null, "ADMIN", (int)WorkspaceAccess.Admin, via, admin.Until, admin.Reason);
                foreach (var scope in model.SecretScopes.Values)
                {
                    Offer(table, principal, AccessKind.SecretScope, scope.Name, scope.Key, "MANAGE", (int)SecretPermission.Manage, via ?? Names.AdminsGroup, admin.Until, admin.Reason);
                }

                foreach (var job in model.Jobs.Values)
                {
                    Offer(table, principal, AccessKind.Job, job.Name, job.Key, "CAN_MANAGE", (int)JobPermission.CanManage, via ?? Names.AdminsGroup, admin.Until, admin.Reason);
                }

                foreach (var warehouse in model.Warehouses.Values)
                {
                    Offer(table, principal, AccessKind.Warehouse, warehouse.Label, warehouse.Key, "CAN_MANAGE", (int)WarehousePermission.CanManage, via ?? Names.AdminsGroup, admin.Until, admin.Reason);
                }

                if (model.TokenUsage is not null)
                {
                    // The provider keeps admins at CAN_MANAGE on the tokens permission whatever the config lists
                    // (terraform-provider-databricks v1.128.0 permissions/permission_definitions.go "tokens":
                    // update.AddAdmin, permissions/update/customizers.go AddAdmin).
                    Offer(table, principal, AccessKind.Tokens, TokensResource, null, "CAN_MANAGE", 2, via ?? Names.AdminsGroup, admin.Until, admin.Reason);
                }
            }
        }

        // Everything a principal can act as, breadth first (acting as A that can act as B is acting as B), each
        // with its path and the earliest end along it; and the access of each of them.
        void ActAs(PrincipalRef principal, Dictionary<(AccessKind, string, string), (AccessEntry Entry, int Strength)> table)
        {
            var queue = new Queue<(ActAsEdge Edge, DateTimeOffset? Until, string? Reason, string Chain)>();
            foreach (var (edge, through) in actingAs.From(principal, table.Values.Select(v => v.Entry).ToList()))
            {
                queue.Enqueue((edge, through.Until, through.Reason, edge.How));
            }

            var seen = new HashSet<PrincipalRef> { principal };
            while (queue.Count > 0)
            {
                var (edge, until, reason, chain) = queue.Dequeue();
                if (!seen.Add(edge.Target))
                {
                    continue;
                }

                Offer(table, principal, AccessKind.ActAs, edge.Target.ToString(), null, "ACT_AS", 1, chain, until, reason);
                foreach (var e in TargetAccess(edge.Target))
                {
                    if (e.Kind == AccessKind.ActAs)
                    {
                        continue;
                    }

                    var (u, r) = e.Until is { } eu && (until is not { } pu || eu < pu) ? (e.Until, e.Reason) : (until, reason);
                    Offer(table, principal, e.Kind, e.Resource, e.ResourceKey, e.Permission, Strength(e), $"acting as {edge.Target}", u, r);
                }

                foreach (var (next, through) in TargetEdges(edge.Target))
                {
                    var (u, r) = through.Until is { } tu && (until is not { } pu || tu < pu) ? (through.Until, through.Reason) : (until, reason);
                    queue.Enqueue((next, u, r, $"{chain}; as {edge.Target}: {next.How}"));
                }
            }
        }

        // What a target can act as depends only on its own access: found once per target, not once per principal reaching it.
        List<(ActAsEdge Edge, AccessEntry Through)> TargetEdges(PrincipalRef target)
        {
            if (!targetEdges.TryGetValue(target, out var edges))
            {
                targetEdges[target] = edges = actingAs.From(target, TargetAccess(target)).ToList();
            }

            return edges;
        }

        List<AccessEntry> TargetAccess(PrincipalRef target)
        {
            if (!targets.TryGetValue(target, out var list))
            {
                var table = new Dictionary<(AccessKind, string, string), (AccessEntry Entry, int Strength)>();
                var groups = graph.GroupsOf(target);
                OwnAccess(target, groups, table);
                AdminAccess(target, groups, table);
                targets[target] = list = table.Values.Select(v => v.Entry).ToList();
            }

            return list;
        }
    }

    /// <summary>An entry's strength as <see cref="Stronger"/> compares it: the permission's rank where permissions rank.</summary>
    private static int Strength(AccessEntry e) => e.Kind switch
    {
        AccessKind.Workspace => e.Permission == "ADMIN" ? (int)WorkspaceAccess.Admin : (int)WorkspaceAccess.User,
        AccessKind.SecretScope => (int)Vocabulary.SecretPermissions[e.Permission],
        AccessKind.Job => e.Permission switch { "CAN_MANAGE" => 3, "CAN_MANAGE_RUN" => 2, _ => 1 },
        AccessKind.Tokens => e.Permission == "CAN_MANAGE" ? 2 : 1,
        _ => 1,
    };

    /// <summary>By kind, then resource (config key), then permission (ordinal).</summary>
    private sealed class EntryOrder : IComparer<AccessEntry>
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

    private static IReadOnlyList<string> EntitlementsOf(TopologyModel model, PrincipalRef p) => p.Kind switch
    {
        PrincipalKind.Group when model.Groups.TryGetValue(p.Key, out var g) => g.Entitlements,
        PrincipalKind.ServicePrincipal when model.ServicePrincipals.TryGetValue(p.Key, out var s) => s.Entitlements,
        PrincipalKind.WebApp when model.WebApps.TryGetValue(p.Key, out var w) => w.Entitlements,
        _ => [],
    };

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
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }
}
