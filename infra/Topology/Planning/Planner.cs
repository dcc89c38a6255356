using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>Decides every resource and its stable name from a valid model.</summary>
public static class Planner
{
    public static readonly TimeSpan ExpiringWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// The <c>GroupMember</c> resource name of a principal's membership in a group. Also names the resource an
    /// expired membership had, which the scheduled revocation deletes (plan JSON <c>expired[].resource</c>).
    /// </summary>
    public static string MemberResourceName(string groupKey, PrincipalRef principal) => $"group-{groupKey}-member-{principal.NameFragment}";

    public static ResourcePlan Plan(TopologyModel model)
    {
        static ProviderScope Scope(IdentityLevel level) => level == IdentityLevel.Account ? ProviderScope.Account : ProviderScope.Workspace;

        var jobsByPrincipal = model.Jobs.Values
            .SelectMany(j => j.Permissions.Select(p => p.Principal).Append(j.RunAs).Distinct().Select(p => (p, j.Key)))
            .ToLookup(x => x.p, x => x.Key);

        var webApps = model.WebApps.Values.Select(w => new WebAppPlan(
            w,
            $"webapp-{w.Key}",
            Vocabulary.AppServiceTiers[w.Sku],
            jobsByPrincipal[w.Ref].Order(StringComparer.Ordinal).ToList(),
            Scope(w.Level),
            model.Protect)).ToList();

        var sps = model.ServicePrincipals.Values.Select(s => new ServicePrincipalPlan(
            s,
            $"sp-{s.Key}",
            Scope(s.Level),
            s.OAuthSecret is { } o ? Rotation.At(model.Now, o.RotationDays) : null,
            s.OAuthSecret is { } o2 ? o2.LifetimeDays ?? o2.RotationDays + 7 : null,
            s.Token is { } t ? Rotation.At(model.Now, t.RotationDays) : null,
            model.Protect && s.Source == IdentitySource.Managed)).ToList();

        var groups = model.Groups.Values.Select(g =>
        {
            var name = $"group-{g.Key}";
            var members = g.Members.OrderBy(m => m.Principal)
                .Select(m => new MemberPlan(m, MemberResourceName(g.Key, m.Principal))).ToList();
            return new GroupPlan(g, name, Scope(g.Level), members, model.Protect && g.IsManaged);
        }).ToList();

        var scopes = model.SecretScopes.Values.Select(s =>
        {
            var name = $"scope-{s.Key}";
            return new ScopePlan(
                s,
                name,
                s.Acls.Select(a => new AclPlan(a, $"{name}-acl-{a.Principal.NameFragment}")).ToList(),
                s.Secrets.OrderBy(x => x.Key, StringComparer.Ordinal)
                    .Select(x => new SecretPlan(x, $"{name}-secret-{x.Key}", x.Source == SecretSourceKind.Generate ? $"{name}-password-{x.Key}" : null))
                    .ToList(),
                model.Protect);
        }).ToList();

        CatalogGrantsPlan? grants = null;
        if (model.CatalogGrants.Count > 0)
        {
            const string Name = "catalog-grants";
            var securables = model.CatalogGrants.GroupBy(g => g.On).OrderBy(g => g.Key)
                .Select(bySecurable => new SecurableGrantPlan(
                    bySecurable.Key,
                    bySecurable.GroupBy(g => g.To).OrderBy(g => g.Key)
                        .Select(byPrincipal => new GrantPrincipal(
                            byPrincipal.Key,
                            byPrincipal.SelectMany(g => g.Privileges).Distinct().Order(StringComparer.Ordinal).ToList()))
                        .ToList(),
                    $"{Name}-{bySecurable.Key.NameFragment}"))
                .ToList();
            grants = new CatalogGrantsPlan(Name, securables);
        }

        var jobs = model.Jobs.Values.Select(j => new JobPlan(j, $"job-{j.Key}")).ToList();

        var lookups = new List<PlannedLookup>();
        if (model.ResourceGroup is { Existing: true } rg && webApps.Count > 0)
        {
            lookups.Add(new PlannedLookup(PulumiTypes.GetResourceGroup, rg.Name, ProviderScope.None));
        }

        foreach (var g in groups.Where(g => !g.Creates))
        {
            lookups.Add(new PlannedLookup(PulumiTypes.GetGroup, g.Spec.DisplayName, g.GroupProvider));
        }

        foreach (var s in sps.Where(s => !s.Creates))
        {
            lookups.Add(new PlannedLookup(PulumiTypes.GetServicePrincipal, s.Spec.ApplicationId!, s.SpProvider));
        }

        // Built-in groups used as members without being declared are looked up by name.
        lookups.AddRange(groups
            .SelectMany(g => g.Members.Select(m => m.Membership.Principal))
            .Where(p => p.Kind == PrincipalKind.Group && !model.Groups.ContainsKey(p.Key))
            .Distinct()
            .Order()
            .Select(p => new PlannedLookup(PulumiTypes.GetGroup, p.Key, ProviderScope.Workspace)));

        if (grants?.Securables.Any(s => s.On.Kind == SecurableKind.Metastore) == true)
        {
            // Config names no metastore: grants go to the one assigned to this workspace.
            lookups.Add(new PlannedLookup(PulumiTypes.GetCurrentMetastore, "metastore", ProviderScope.Workspace));
        }

        lookups.AddRange(groups
            .SelectMany(g => g.Members.Where(m => m.Membership.Principal.IsHuman).Select(m => (m.Membership.Principal.Key, g.GroupProvider)))
            .Distinct()
            .OrderBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.GroupProvider)
            .Select(x => new PlannedLookup(PulumiTypes.GetUser, x.Key, x.GroupProvider)));

        var expiring = model.Groups.Values
            .SelectMany(g => g.Members.Where(m => m.Expires is { } e && e - model.Now <= ExpiringWindow)
                .Select(m => new ExpiringMembership(g.Key, m.Principal, m.Expires!.Value, m.Reason, m.Path)))
            .OrderBy(e => e.Expires).ThenBy(e => e.Group, StringComparer.Ordinal).ThenBy(e => e.Principal)
            .ToList();

        return new ResourcePlan(
            webApps.Count > 0 && model.ResourceGroup is { Existing: false } ? "resource-group" : null,
            model.Account is null ? null : "databricks-account",
            sps.Any(s => s.TokenResource is not null) ? "token-usage" : null,
            webApps, sps, groups, scopes, grants, jobs, lookups, expiring, model.Expired);
    }
}
