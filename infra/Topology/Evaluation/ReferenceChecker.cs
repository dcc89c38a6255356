using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>Cross references and Databricks' identity rules, checked once every declaration is known.</summary>
internal sealed class ReferenceChecker(TopologyModel model, Diagnostics d, IConfigKeyView? keys)
{
    public void Check()
    {
        CheckMemberships();
        CheckCycles();
        CheckScopes();
        CheckGrants();
        CheckJobs();
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
            d.Error(path, $"{use} {p} is not declared in {where}");
        }

        return ok;
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
            var seen = new Dictionary<PrincipalRef, string>();
            foreach (var m in group.Members)
            {
                if (seen.TryGetValue(m.Principal, out var first))
                {
                    d.Error(m.Path, $"{m.Principal} is already a member of '{group.Key}' at {first}");
                    continue;
                }

                seen[m.Principal] = m.Path;
                if (!Exists(m.Principal, m.Path, "member"))
                {
                    continue;
                }

                if (m.Principal == group.Ref)
                {
                    d.Error(m.Path, $"group '{group.Key}' cannot be a member of itself");
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
    }

    private void CheckCycles()
    {
        // Colour-marking DFS over group-in-group edges; each cycle is reported once, at the edge that closes it.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();
        foreach (var key in model.Groups.Keys)
        {
            Visit(key);
        }

        void Visit(string key)
        {
            if (state.GetValueOrDefault(key) != 0 || !model.Groups.TryGetValue(key, out var group))
            {
                return;
            }

            state[key] = 1;
            stack.Add(key);
            foreach (var m in group.Members)
            {
                if (m.Principal.Kind != PrincipalKind.Group || m.Principal.Key == key)
                {
                    continue;
                }

                var child = m.Principal.Key;
                if (state.GetValueOrDefault(child) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(child)).Append(child);
                    d.Error(m.Path, $"group nesting cycle: {string.Join(" -> ", cycle.Reverse())}");
                }
                else
                {
                    Visit(child);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[key] = 2;
        }
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
                if (secret.Source != SecretSourceKind.Config || keys is null)
                {
                    continue;
                }

                switch (keys.IsSecure(secret.ConfigKey!))
                {
                    case null:
                        d.Error($"{secret.Path}.config", $"config key '{secret.ConfigKey}' is not set; run `pulumi config set --secret {secret.ConfigKey} <value>`");
                        break;
                    case false:
                        d.Error($"{secret.Path}.config", $"config key '{secret.ConfigKey}' holds a secret value in plain text; set it with `pulumi config set --secret {secret.ConfigKey} <value>`");
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
}
