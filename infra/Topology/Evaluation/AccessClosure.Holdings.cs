using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

// What one principal holds of its own: directly, through its groups, everyone's groups, and as workspace admin; with the
// acting-as edges that opens and, for `access`, the path to each entry.
public sealed partial class AccessClosure
{
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

    private IReadOnlyList<string> EntitlementsOf(PrincipalRef p) => _model.IdentityOf(p)?.Entitlements ?? [];
}
