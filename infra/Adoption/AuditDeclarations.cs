using DatabricksAccess.Live;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using LiveSeverity = DatabricksAccess.Live.Severity;

namespace DatabricksAccess.Adoption;

/// <summary>
/// What a valid stack declares at its instant, in the terms of the live comparison (<see cref="Declaration"/>): the
/// bridge from Topology's model to DatabricksAccess.Live, which knows nothing of Topology.
/// </summary>
public static class AuditDeclarations
{
    public static Declaration From(EvaluationResult result)
    {
        var model = result.Model;
        var principals = new Dictionary<string, DeclaredPrincipal>(StringComparer.Ordinal);
        void Add(DeclaredPrincipal p)
        {
            if (!principals.TryGetValue(p.Ref, out var known) || (p.MustExist && !known.MustExist))
            {
                principals[p.Ref] = p;
            }
        }

        foreach (var g in model.Groups.Values)
        {
            Add(new(g.Ref.ToString(), PrincipalType.Group, g.DisplayName, null, g.IsManaged, g.Level == IdentityLevel.Account));
        }

        foreach (var s in model.ServicePrincipals.Values)
        {
            Add(new(s.Ref.ToString(), PrincipalType.ServicePrincipal, s.DisplayName, s.ApplicationId, s.Source == IdentitySource.Managed, s.Level == IdentityLevel.Account,
                AccountRoles: s.AccountRoles.Count > 0 ? s.AccountRoles : null));
        }

        foreach (var w in model.WebApps.Values)
        {
            // The web app's service principal is created by the stack with the site's name as its display name.
            Add(new(w.Ref.ToString(), PrincipalType.ServicePrincipal, w.SiteName, w.ApplicationId, true, w.Level == IdentityLevel.Account));
        }

        var referenced = model.Groups.Values.SelectMany(g => g.Members.Select(m => m.Principal))
            .Concat(model.SecretScopes.Values.SelectMany(s => s.Acls.Select(a => a.Principal)))
            .Concat(model.CatalogGrants.Select(g => g.To))
            .Concat(model.Jobs.Values.SelectMany(j => j.Permissions.Select(p => p.Principal).Append(j.RunAs).Concat(j.Owner is { } o ? [o] : [])))
            .Concat(model.TokenUsage?.CanUse ?? [])
            .Concat(model.Warehouses.Values.SelectMany(w => w.Permissions.Select(p => p.Principal).Concat(w.Owner is { } o ? [o] : [])))
            .Concat(model.ServicePrincipals.Values.SelectMany(s => s.Managers))
            .Concat(model.Users.Values.Select(u => u.Ref))
            .Append(PrincipalRef.Group(Names.AdminsGroup));
        foreach (var p in referenced)
        {
            Add(Referenced(p, mustExist: true));
        }

        foreach (var e in model.Expired)
        {
            Add(Referenced(e.Principal, mustExist: false));
        }

        // Identities the stack makes workspace admins (workspaceAccess: admin) are in admins without a membership
        // resource, as the plan says; the deployer and automation identities are declared there too (Live adds them
        // from DeployerApplicationId and AutomationApplicationIds).
        var implicitAdmins = Planner.AdminsImplicitMembers(model).Select(m => m.Principal).OfType<PrincipalRef>()
            .Select(p => p.ToString())
            .ToList();
        List<string> MembersOf(GroupSpec g) =>
            g.Members.Select(m => m.Principal.ToString()).Concat(g.Key == Names.AdminsGroup ? implicitAdmins : []).Distinct().ToList();

        // What membership of a group grants: the strongest of the group's own effective access (not what every
        // workspace user holds through `users`); workspace ADMIN makes it critical.
        // The full closure (acting as included): membership of a group that can act as a principal grants that one's access too.
        var groupAccess = model.Groups.Values.SelectMany(g => result.Closure!.Of(g.Ref).Select(c => c.Entry))
            .Where(e => e.Via != Names.UsersGroup && e.Kind != AccessKind.Tokens).ToLookup(e => e.Principal);
        // A group whose members a broker grants (members.managedBy): none of them is a finding, the audit lists them.
        var groups = model.Groups.Values.Select(g => new DeclaredGroup(
                g.Ref.ToString(),
                (g.IsManaged || g.Key == Names.AdminsGroup) && !g.MembersDelegated,
                MembersOf(g),
                g.Key == Names.AdminsGroup ? LiveSeverity.Critical : Severities.Max(groupAccess[g.Ref].Select(e => e.Permission)),
                g.MembersManagedBy))
            .ToList();
        if (!model.Groups.ContainsKey(Names.AdminsGroup))
        {
            groups.Add(new DeclaredGroup(Declaration.AdminsGroup, true, implicitAdmins, LiveSeverity.Critical));
        }

        var expired = model.Expired
            .Select(e => new DeclaredExpiredMembership(PrincipalRef.Group(e.Group).ToString(), e.Principal.ToString(), e.Expires))
            .ToList();

        var scopes = model.SecretScopes.Values
            .Select(s => new DeclaredScope(s.Name, s.Acls.Select(a => new DeclaredPermission(a.Principal.ToString(), Vocabulary.Name(a.Permission))).ToList())
            {
                Keys = s.Backend == ScopeBackend.Databricks ? s.Secrets.Select(x => x.Key).Order(StringComparer.Ordinal).ToList() : null,
            })
            .ToList();

        var securables = model.CatalogGrants.GroupBy(g => g.On).OrderBy(g => g.Key)
            .Select(on => new DeclaredSecurable(
                Securable.Prefix(on.Key.Kind),
                on.Key.Name,
                on.GroupBy(g => g.To).OrderBy(g => g.Key)
                    .Select(to => new DeclaredPrivileges(to.Key.ToString(), to.SelectMany(g => g.Privileges).Distinct().Order(StringComparer.Ordinal).ToList()))
                    .ToList()))
            .ToList();

        var jobs = model.Jobs.Values
            .Select(j => new DeclaredJob(j.Name, j.Permissions.Select(p => new DeclaredPermission(p.Principal.ToString(), Vocabulary.Name(p.Level)))
                .Concat(j.Owner is { } o ? [new DeclaredPermission(o.ToString(), "IS_OWNER")] : []).ToList()))
            .ToList();

        List<DeclaredAssignment>? assignments = null;
        if (model.Account is not null)
        {
            assignments = model.Groups.Values.Where(g => g.HasWorkspaceAssignment).Select(g => (g.Ref, g.WorkspaceAccess))
                .Concat(model.ServicePrincipals.Values.Where(s => s.HasWorkspaceAssignment).Select(s => (s.Ref, s.WorkspaceAccess)))
                .Concat(model.WebApps.Values.Where(w => w.HasWorkspaceAssignment).Select(w => (w.Ref, w.WorkspaceAccess)))
                .Concat(model.Users.Values.Select(u => (u.Ref, u.WorkspaceAccess)))
                .Select(x => new DeclaredAssignment(x.Ref.ToString(), Vocabulary.Name(x.WorkspaceAccess)))
                .ToList();
        }

        // Entitlements are audited on what the stack owns: the groups and service principals it creates (and its web
        // apps' principals); existing ones get additive entitlements only, so extra live ones are not the stack's to
        // judge. The built-in users and admins only when the stack manages them (topology.builtinEntitlements).
        var entitlements = model.Groups.Values.Where(g => g.IsManaged && !g.IsBuiltIn).Select(g => new DeclaredEntitlements(g.Ref.ToString(), g.Entitlements))
            .Concat(model.ServicePrincipals.Values.Where(s => s.Source == IdentitySource.Managed).Select(s => new DeclaredEntitlements(s.Ref.ToString(), s.Entitlements)))
            .Concat(model.WebApps.Values.Select(w => new DeclaredEntitlements(w.Ref.ToString(), w.Entitlements)))
            .ToList();
        if (model.BuiltInEntitlements)
        {
            foreach (var key in new[] { Names.UsersGroup, Names.AdminsGroup })
            {
                entitlements.Add(new DeclaredEntitlements(PrincipalRef.Group(key).ToString(), model.Groups.TryGetValue(key, out var g) ? g.Entitlements : []));
            }
        }

        // Token permissions are read only when the stack manages them (topology.tokenUsage).
        return new Declaration(principals.Values.OrderBy(p => p.Ref, StringComparer.Ordinal).ToList(), groups, expired, scopes,
            securables, jobs, assignments, model.TokenUsage?.CanUse.Select(p => p.ToString()).ToList(), model.Deployer?.ApplicationId)
        {
            AutomationApplicationIds = model.Deployer?.Automation ?? [],
            Entitlements = entitlements,
            BuiltinEntitlementsManaged = model.BuiltInEntitlements,
            TokenMaxLifetimeDays = model.TokenPolicy?.MaxLifetimeDays,
            Warehouses = model.Warehouses.Values
                .Select(w => new DeclaredWarehouse(w.Key, w.Id, w.Name, w.Owner?.ToString(),
                    w.Permissions.Select(p => new DeclaredPermission(p.Principal.ToString(), Vocabulary.Name(p.Level))).ToList()))
                .ToList(),
            // The rule sets the plan PUTs whole (one per service principal or web app identity it creates that the
            // deployer acts as or that has managers): every rule in them is declared.
            RuleSets = model.Account is null || result.Plan is not { } plan
                ? []
                : plan.ServicePrincipals.Where(s => s.RuleSetResource is not null).Select(s => new DeclaredRuleSet(s.Spec.Ref.ToString(), s.Spec.Managers.Select(m => m.ToString()).ToList()))
                    .Concat(plan.WebApps.Where(w => w.RuleSetResource is not null).Select(w => new DeclaredRuleSet(w.Spec.Ref.ToString(), [])))
                    .ToList(),
        };
    }

    /// <summary>A principal that is named, not declared: a user, or a built-in group.</summary>
    private static DeclaredPrincipal Referenced(PrincipalRef p, bool mustExist) => p.Kind switch
    {
        PrincipalKind.User => new(p.ToString(), PrincipalType.User, p.Key, null, false, false, mustExist),
        PrincipalKind.Group => new(p.ToString(), PrincipalType.Group, p.Key, null, false, false, mustExist),
        _ => new(p.ToString(), PrincipalType.ServicePrincipal, p.Key, null, false, false, mustExist),
    };
}
