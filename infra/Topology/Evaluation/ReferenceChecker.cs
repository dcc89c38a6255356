using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>Cross references and Databricks' identity rules, checked once every declaration is known.</summary>
internal sealed class ReferenceChecker(TopologyModel model, Diagnostics d, IConfigKeyView? keys)
{
    public void Check()
    {
        CheckMemberships();
        CheckNesting();
        CheckUniqueNames();
        CheckScopes();
        CheckGrants();
        CheckJobs();
        CheckWarehouses();
        CheckManagers();
        CheckTokenPolicy();
    }

    /// <summary>
    /// A token the stack asks for must fit the limit the stack itself sets on the workspace (<c>tokenPolicy</c>): the
    /// token API refuses a lifetime above <c>maxTokenLifetimeDays</c>, so the token's rotation would fail at apply.
    /// On-behalf-of tokens are workspace tokens and are subject; OAuth secrets are account-level service principal
    /// secrets, not workspace tokens, and are not (their own limit is checked where they are bound). Equal is allowed.
    /// </summary>
    private void CheckTokenPolicy()
    {
        if (model.TokenPolicy is not { } policy)
        {
            return;
        }

        foreach (var sp in model.ServicePrincipals.Values)
        {
            if (sp.Token is { } token && token.LifetimeDays > policy.MaxLifetimeDays)
            {
                d.Error(token.LifetimePath,
                    $"token lifetime {token.LifetimeDays} days (rotationDays {token.RotationDays} + overlapDays {token.OverlapDays}) exceeds {policy.Path}.maxLifetimeDays {policy.MaxLifetimeDays}: the workspace would refuse the token the stack asks for; shorten {token.Path} or raise {policy.Path}.maxLifetimeDays");
            }
        }
    }

    private bool Exists(PrincipalRef p, string path, string use)
    {
        if (p.IsAccountUsers)
        {
            // Unity Catalog's all-users principal: a grantee only (OwnershipChecker reports other uses).
            return false;
        }

        var ok = model.Declares(p);
        if (!ok)
        {
            var where = p.Kind switch
            {
                PrincipalKind.Group => "topology.groups",
                PrincipalKind.ServicePrincipal => "topology.servicePrincipals",
                _ => "topology.webApps",
            };
            d.Error(path, $"{use} {p} is not declared in {where}{DidYouMean(p)}");
        }

        return ok;
    }

    /// <summary>"; did you mean 'group:analysts'?" for a principal of the same kind with a near key.</summary>
    private string DidYouMean(PrincipalRef p)
    {
        IEnumerable<string> keys = p.Kind switch
        {
            PrincipalKind.Group => model.Groups.Keys.Concat(model.Groups.ContainsKey(Names.AdminsGroup) ? [] : [Names.AdminsGroup]),
            PrincipalKind.ServicePrincipal => model.ServicePrincipals.Keys,
            PrincipalKind.WebApp => model.WebApps.Keys,
            _ => [],
        };
        return Suggest.Closest(p.Key, keys) is { } k ? $"; did you mean '{new PrincipalRef(p.Kind, k)}'?" : string.Empty;
    }

    private WorkspaceAccess AccessOf(PrincipalRef p) => model.AccessOf(p);

    private void RequireWorkspacePresence(PrincipalRef p, string path, string what)
    {
        if (AccessOf(p) == WorkspaceAccess.None)
        {
            d.Error(path, $"{what} for {p} could never take effect: it has workspaceAccess: none in this workspace");
        }
    }

    private void CheckMemberships()
    {
        foreach (var group in model.Groups.Values)
        {
            var seen = group.Members.Count > 1 ? new Dictionary<PrincipalRef, string>(group.Members.Count) : null;
            foreach (var m in group.Members)
            {
                if (seen is not null && !seen.TryAdd(m.Principal, m.Path))
                {
                    d.Error(m.Path, $"{m.Principal} is already a member of '{group.Key}' at {seen[m.Principal]}");
                    continue;
                }

                if (group.Key == Names.UsersGroup)
                {
                    // Databricks maintains the users system group itself (and its API cannot remove such members again).
                    d.Error(m.Path, $"adds {m.Principal} to the built-in users group, which Databricks maintains itself: every workspace identity is already in it");
                    continue;
                }

                if (!Exists(m.Principal, m.Path, "member"))
                {
                    continue;
                }

                if (m.Principal == group.Ref)
                {
                    d.Error(m.Path, $"group '{group.Key}' cannot be a member of itself");
                }
                else if (m.Principal == PrincipalRef.Group(Names.UsersGroup))
                {
                    // Databricks maintains the users system group itself; nesting it would hand this group's access
                    // to every identity of the workspace without a grant to 'users' that a reviewer would see.
                    d.Error(m.Path, $"the built-in users group (every identity of the workspace) cannot be a member of '{group.Key}'; grant the access to group:users directly if everyone should have it");
                }

                if (group.Level == IdentityLevel.Account && m.Principal.Kind != PrincipalKind.User
                    && model.LevelOf(m.Principal) == IdentityLevel.Workspace)
                {
                    d.Error(m.Path, $"workspace-local {m.Principal} cannot be a member of account group '{group.Key}'");
                }
            }
        }

        foreach (var e in model.Expired)
        {
            Exists(e.Principal, e.Path, "member");
        }

        // Not members yet, but they will be without another review: their references must hold now.
        foreach (var p in model.Pending)
        {
            if (Exists(p.Principal, p.Path, "member") && model.Groups.TryGetValue(p.Group, out var group))
            {
                if (p.Principal == group.Ref)
                {
                    d.Error(p.Path, $"group '{group.Key}' cannot be a member of itself");
                }
                else if (group.Key == Names.UsersGroup || p.Principal == PrincipalRef.Group(Names.UsersGroup))
                {
                    d.Error(p.Path, "the built-in users group neither takes members nor can be one");
                }
                else if (group.Members.Any(m => m.Principal == p.Principal))
                {
                    d.Error(p.Path, $"{p.Principal} is already a member of '{group.Key}'");
                }
            }
        }
    }

    /// <summary>
    /// Group-in-group edges, by an iterative depth-first search (no recursion, however deep the input): each
    /// cycle is reported once, at the edge that closes it, and a chain deeper than
    /// <see cref="AccessGraph.MaxNestingDepth"/> at the edge where it first gets too deep.
    /// </summary>
    private void CheckNesting()
    {
        // Only group-in-group edges matter: collected once, so a group with no group members costs nothing more.
        var children = new Dictionary<string, List<(Membership M, GroupSpec Child)>>(StringComparer.Ordinal);
        foreach (var group in model.Groups.Values)
        {
            foreach (var m in group.Members)
            {
                if (ChildGroup(group, m) is { } child)
                {
                    children.GetOrAdd(group.Key).Add((m, child));
                }
            }
        }

        const int OnStack = 1, Done = 2;
        var state = new Dictionary<string, (int State, int Height, int Position)>(StringComparer.Ordinal);
        var stack = new List<string>();
        var frames = new Stack<(GroupSpec Group, int Next)>();
        foreach (var root in model.Groups.Values)
        {
            if (!children.ContainsKey(root.Key) || state.ContainsKey(root.Key))
            {
                continue;
            }

            Enter(root);
            while (frames.Count > 0)
            {
                var (group, next) = frames.Pop();
                var edges = children[group.Key];
                if (next == edges.Count)
                {
                    Leave(group, edges);
                    continue;
                }

                frames.Push((group, next + 1));
                var (m, child) = edges[next];
                if (!children.ContainsKey(child.Key))
                {
                    continue; // holds no group: height 0, never on a cycle
                }

                switch (state.GetValueOrDefault(child.Key).State)
                {
                    case OnStack:
                        // From the closing edge back round to it: child, the group that holds it, ... child.
                        var position = state[child.Key].Position;
                        var length = stack.Count - position + 1;
                        var cycle = new List<string> { child.Key };
                        for (var i = stack.Count - 1; i >= position && cycle.Count < 12; i--)
                        {
                            cycle.Add(stack[i]);
                        }

                        d.Error(m.Path, $"group nesting cycle: {Chain(cycle, length)}");
                        break;
                    case 0:
                        Enter(child);
                        break;
                }
            }
        }

        void Enter(GroupSpec group)
        {
            state[group.Key] = (OnStack, 0, stack.Count);
            stack.Add(group.Key);
            frames.Push((group, 0));
        }

        void Leave(GroupSpec group, List<(Membership M, GroupSpec Child)> edges)
        {
            var h = 0;
            Membership? deepest = null;
            foreach (var (m, child) in edges)
            {
                // A child still on the stack closes a cycle (reported); it adds no height.
                var ch = state.TryGetValue(child.Key, out var c) ? (c.State == Done ? c.Height : -1) : 0;
                if (ch >= 0 && ch + 1 > h)
                {
                    (h, deepest) = (ch + 1, m);
                }
            }

            state[group.Key] = (Done, h, 0);
            stack.RemoveAt(stack.Count - 1);
            if (h == AccessGraph.MaxNestingDepth + 1)
            {
                d.Error(deepest!.Path, $"group nesting deeper than {AccessGraph.MaxNestingDepth} levels ({Chain([group.Key, deepest.Principal.Key], h + 1)}); flatten the chain");
            }
        }

        GroupSpec? ChildGroup(GroupSpec group, Membership m) =>
            m.Principal.Kind == PrincipalKind.Group && m.Principal.Key != group.Key && model.Groups.TryGetValue(m.Principal.Key, out var child) ? child : null;

        static string Chain(IReadOnlyList<string> keys, int length) =>
            string.Join(" -> ", keys) + (length > keys.Count ? " -> ..." : string.Empty);
    }

    /// <summary>
    /// Names Databricks and Azure hold unique: a secret scope's name (case-insensitive), a group's display name, a web
    /// app's site name. (Job names may repeat; jobs are told apart by config key everywhere.)
    /// </summary>
    private void CheckUniqueNames()
    {
        void Unique<T>(IEnumerable<T> items, Func<T, string> name, Func<T, string> path, StringComparer comparer, string what)
        {
            var seen = new Dictionary<string, string>(comparer);
            foreach (var item in items)
            {
                if (!seen.TryAdd(name(item), path(item)))
                {
                    d.Error(path(item), $"{what} '{name(item)}' is already used at {seen[name(item)]}; {what}s must be unique");
                }
            }
        }

        Unique(model.SecretScopes.Values, s => s.Name, s => $"{s.Path}.name", StringComparer.OrdinalIgnoreCase, "secret scope name");
        Unique(model.Groups.Values, g => g.DisplayName, g => $"{g.Path}.displayName", StringComparer.Ordinal, "group display name");
        Unique(model.WebApps.Values, w => w.SiteName, w => $"{w.Path}.name", StringComparer.OrdinalIgnoreCase, "web app name");
    }

    private void CheckScopes()
    {
        foreach (var scope in model.SecretScopes.Values)
        {
            foreach (var acl in scope.Acls)
            {
                if (!Exists(acl.Principal, acl.Path, "ACL principal"))
                {
                    continue;
                }

                RequireWorkspacePresence(acl.Principal, acl.Path, "a secret ACL");
                if (acl.Principal == PrincipalRef.Group(Names.AdminsGroup))
                {
                    d.Warning(acl.Path, "workspace admins hold MANAGE on every scope already; this ACL changes nothing");
                }
            }

            foreach (var secret in scope.Secrets)
            {
                if (secret is not ConfigSecret { ConfigKey: var configKey } || keys is null)
                {
                    continue;
                }

                switch (keys.IsSecure(configKey))
                {
                    case null:
                        d.Error($"{secret.Path}.config", $"config key '{configKey}' is not set; run `pulumi config set --secret {configKey} <value>`");
                        break;
                    case false:
                        d.Error($"{secret.Path}.config", $"config key '{configKey}' holds a secret value in plain text; set it with `pulumi config set --secret {configKey} <value>`");
                        break;
                }
            }
        }

        foreach (var sp in model.ServicePrincipals.Values.Where(s => s.Token is not null))
        {
            RequireWorkspacePresence(sp.Ref, $"{sp.Path}.token", "an on-behalf-of token");
        }
    }

    private void CheckGrants()
    {
        foreach (var grant in model.CatalogGrants)
        {
            var path = $"{grant.Path}.to";
            if (grant.To.IsAccountUsers || !Exists(grant.To, path, "grantee"))
            {
                continue;
            }

            if (grant.To.Kind == PrincipalKind.Group && grant.To.Key != Names.UsersGroup
                && model.LevelOf(grant.To) == IdentityLevel.Workspace)
            {
                d.Error(path, $"Unity Catalog cannot grant to workspace-local group '{grant.To.Key}'; make it an account group (level: account)");
            }
        }
    }

    private void CheckJobs()
    {
        foreach (var job in model.Jobs.Values)
        {
            var runAsPath = $"{job.Path}.runAs";
            if (Exists(job.RunAs, runAsPath, "runAs"))
            {
                RequireWorkspacePresence(job.RunAs, runAsPath, "running a job");
            }

            if (job.Owner is { } owner && Exists(owner, $"{job.Path}.owner", "job owner"))
            {
                RequireWorkspacePresence(owner, $"{job.Path}.owner", "a job owner");
            }

            foreach (var (list, name) in new[] { (job.CanView, "canView"), (job.CanManageRun, "canManageRun"), (job.CanManage, "canManage") })
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var path = $"{job.Path}.{name}[{i}]";
                    if (Exists(list[i], path, "job permission principal"))
                    {
                        RequireWorkspacePresence(list[i], path, "a job permission");
                    }
                }
            }
        }
    }

    private void CheckWarehouses()
    {
        foreach (var warehouse in model.Warehouses.Values)
        {
            if (warehouse.Owner is { } owner && Exists(owner, $"{warehouse.Path}.owner", "warehouse owner"))
            {
                RequireWorkspacePresence(owner, $"{warehouse.Path}.owner", "a warehouse owner");
            }

            foreach (var (list, name) in new[] { (warehouse.CanUse, "canUse"), (warehouse.CanManage, "canManage") })
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var path = $"{warehouse.Path}.{name}[{i}]";
                    if (list[i].IsAccountUsers)
                    {
                        d.Error(path, $"{list[i]} is a Unity Catalog grantee only; warehouse permissions know the workspace group users");
                    }
                    else if (Exists(list[i], path, "warehouse permission principal"))
                    {
                        RequireWorkspacePresence(list[i], path, "a warehouse permission");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Managers of a service principal are named in its account rule set: users by email, groups by display name
    /// (account groups only), service principals by application id. A service principal the stack looks up needs its
    /// applicationId in config; one the stack creates (the managed principal itself included, as Apono's broker
    /// manages itself) is named by the application id its creation returns, the same output its own rule set's name
    /// is built from.
    /// </summary>
    private void CheckManagers()
    {
        foreach (var sp in model.ServicePrincipals.Values)
        {
            if (sp.Managers.Count > 0 && model.Account is null)
            {
                d.Error($"{sp.Path}.managers", "a service principal's rule set is an account object: managers need databricks-access:account");
            }

            for (var i = 0; i < sp.Managers.Count; i++)
            {
                var p = sp.Managers[i];
                var path = sp.ManagerPaths[i];
                if (p.IsAccountUsers || !Exists(p, path, "manager"))
                {
                    continue;
                }

                if (p.Kind == PrincipalKind.Group && model.LevelOf(p) != IdentityLevel.Account)
                {
                    d.Error(path, $"{p} is a workspace-local group; account rule sets name account groups only");
                }
                else if (p.Kind == PrincipalKind.ServicePrincipal && model.ServicePrincipals[p.Key] is { ApplicationId: null } named && !model.Owns(named.Ref))
                {
                    d.Error(path, $"{p} has no applicationId in config: a rule set names a service principal by its application id");
                }
                else if (p.Kind == PrincipalKind.WebApp)
                {
                    d.Error(path, $"{p} is a web app identity; name a user, an account group or a service principal with an applicationId");
                }
            }
        }
    }
}
