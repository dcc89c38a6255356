using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// The rules that keep an apply on a shared, live workspace to what this stack owns: Databricks' identity rules that
/// only fail at apply time, opt-ins for workspace-wide (authoritative) resources, and what the deployer needs.
/// </summary>
internal sealed class OwnershipChecker(TopologyModel model, Diagnostics d)
{
    public void Check()
    {
        CheckAccountUsers();
        CheckNesting();
        CheckEntitlements();
        CheckGrants();
        CheckTokenUsage();
        CheckDeployer();
        CheckCredentialStores();
    }

    /// <summary>An OAuth secret with no store is only in the stack's state: consumers must read the stack output.</summary>
    private void CheckCredentialStores()
    {
        foreach (var sp in model.ServicePrincipals.Values)
        {
            if (sp.OAuthSecret is { Store: null } o)
            {
                d.Warning(o.Path, $"no store: consumers must read the current OAuth secret of sp:{sp.Key} from the secret stack output oauthSecrets.{sp.Key} (pulumi stack output --show-secrets); set store: <scope>/<key> to deliver it where they read");
            }
        }
    }

    /// <summary><c>account users</c> is Unity Catalog's principal: anything but a grant to it fails in the workspace.</summary>
    private void CheckAccountUsers()
    {
        const string Message = "'account users' is Unity Catalog's all-users principal: it can only receive catalogGrants";
        foreach (var group in model.Groups.Values)
        {
            foreach (var m in group.Members.Where(m => m.Principal.IsAccountUsers))
            {
                d.Error(m.Path, Message);
            }
        }

        foreach (var scope in model.SecretScopes.Values)
        {
            foreach (var acl in scope.Acls.Where(a => a.Principal.IsAccountUsers))
            {
                d.Error(acl.Path, Message);
            }
        }

        foreach (var job in model.Jobs.Values)
        {
            if (job.RunAs.IsAccountUsers || job.Permissions.Any(p => p.Principal.IsAccountUsers))
            {
                d.Error(job.Path, Message);
            }
        }

        if (model.TokenUsage is { } usage)
        {
            for (var i = 0; i < usage.Declared.Count; i++)
            {
                if (usage.Declared[i].IsAccountUsers)
                {
                    d.Error($"{usage.Path}.canUse[{i}]", Message);
                }
            }
        }
    }

    /// <summary>Workspace SCIM cannot hold account groups as members of workspace-local groups.</summary>
    private void CheckNesting()
    {
        foreach (var group in model.Groups.Values.Where(g => g.Level == IdentityLevel.Workspace))
        {
            foreach (var m in group.Members.Where(m => m.Principal.Kind == PrincipalKind.Group
                         && model.Groups.TryGetValue(m.Principal.Key, out var inner) && inner.Level == IdentityLevel.Account))
            {
                d.Error(m.Path, $"account group '{m.Principal.Key}' cannot be a member of workspace-local group '{group.Key}': workspace SCIM cannot hold account groups; make '{group.Key}' an account group");
            }
        }
    }

    private void CheckEntitlements()
    {
        void Check(PrincipalRef p, IReadOnlyList<string> entitlements, string path)
        {
            if (entitlements.Count > 0 && model.AccessOf(p) == WorkspaceAccess.None)
            {
                d.Error($"{path}.entitlements", $"{p} has workspaceAccess: none, so it is not in the workspace: entitlements could never take effect");
            }
        }

        foreach (var g in model.Groups.Values)
        {
            Check(g.Ref, g.Entitlements, g.Path);
            if (g.IsBuiltIn && g.Entitlements.Count > 0 && !model.BuiltInEntitlements)
            {
                d.Error($"{g.Path}.entitlements",
                    $"entitlements of the built-in '{g.Key}' group are authoritative over the whole workspace (they replace what every identity gets through it, and a delete strips them); opt in with topology.builtinEntitlements: true");
            }
        }

        foreach (var s in model.ServicePrincipals.Values)
        {
            Check(s.Ref, s.Entitlements, s.Path);
        }

        foreach (var w in model.WebApps.Values)
        {
            Check(w.Ref, w.Entitlements, w.Path);
        }
    }

    private void CheckGrants()
    {
        foreach (var grant in model.CatalogGrants.Where(g => g.To == PrincipalRef.Group(Names.UsersGroup)))
        {
            d.Error($"{grant.Path}.to", "Unity Catalog does not know the workspace-local 'users' group; grant to 'group:account users' (everyone in the account) instead");
        }
    }

    private void CheckTokenUsage()
    {
        if (model.TokenUsage is { } usage)
        {
            for (var i = 0; i < usage.Declared.Count; i++)
            {
                var p = usage.Declared[i];
                var path = $"{usage.Path}.canUse[{i}]";
                var declared = model.Declares(p);
                if (!declared && !p.IsAccountUsers)
                {
                    d.Error(path, $"{p} is not declared in this topology");
                }
                else if (model.AccessOf(p) == WorkspaceAccess.None)
                {
                    d.Error(path, $"token use for {p} could never take effect: it has workspaceAccess: none in this workspace");
                }
            }

            return;
        }

        foreach (var sp in model.ServicePrincipals.Values.Where(s => s.Token is not null))
        {
            d.Warning($"{sp.Path}.token",
                $"sp:{sp.Key} needs CAN_USE in the workspace's token permissions, which this stack does not manage (they are workspace-wide and authoritative); grant it there, or opt in with topology.tokenUsage");
        }
    }

    private void CheckDeployer()
    {
        if (model.Deployer is null)
        {
            if (!model.DeployerActsAsAny())
            {
                return; // nothing here depends on who deploys
            }

            d.Warning("deployer",
                "databricks-access:deployer is not set: the stack cannot grant the CI identity roles/servicePrincipal.user on the service principals that run jobs or hold tokens, nor count it among the admins it declares; set { applicationId }");
            return;
        }

        foreach (var (p, path) in model.ServicePrincipalsNeedingUserRole())
        {
            if (!model.Owns(p))
            {
                d.Warning(path, $"{p} is not created by this stack, so its rule set is not managed here: the deployer needs roles/servicePrincipal.user on it already");
            }
            else if (model.Account is null)
            {
                d.Warning(path, $"the deployer needs roles/servicePrincipal.user on {p}; the stack grants it only with databricks-access:account set (rule sets are account objects)");
            }
        }
    }
}
