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

    /// <summary>
    /// <see cref="ResourcePlan.BlastRadius"/> without planning everything else, for <c>check</c>: only what can be in the
    /// blast radius is planned (looked-up and built-in identities' settings without members or credentials, account
    /// roles, secret ACLs, catalog grants, token usage, the token policy and warehouse permissions), so a check of a
    /// large estate needs no full plan. Tests hold it equal to the full plan's.
    /// </summary>
    public static IReadOnlyList<(string Component, PlannedResource Resource)> BlastRadius(TopologyModel model) =>
        Plan(model with
        {
            WebApps = new Dictionary<string, WebAppSpec>(),
            ServicePrincipals = new SortedDictionary<string, ServicePrincipalSpec>(
                model.ServicePrincipals.Values.Where(s => s.Source != IdentitySource.Managed || s.AccountRoles.Count > 0)
                    .ToDictionary(s => s.Key, s => s with { OAuthSecret = null, Token = null }), StringComparer.Ordinal),
            Groups = new SortedDictionary<string, GroupSpec>(
                model.Groups.Values.Where(g => !g.IsManaged).ToDictionary(g => g.Key, g => g with { Members = [] }), StringComparer.Ordinal),
            SecretScopes = model.SecretScopes.ToDictionary(kv => kv.Key, kv => kv.Value with { Secrets = [] }),
            Jobs = new SortedDictionary<string, JobSpec>(StringComparer.Ordinal),
        }, null, owner: model).BlastRadius.ToList();

    /// <summary>
    /// The plan of <paramref name="model"/>. <paramref name="unresolved"/> are the user lookups that found nobody: what
    /// is declared for those users (memberships, ACLs, grants, job permissions) is left out and reported instead, so
    /// one departed user never blocks every other change.
    /// </summary>
    /// <param name="missingIdentities">Looked-up groups and service principals (existing, Entra) that were not found:
    /// they are left out with everything that refers to them, and reported like users.</param>
    public static ResourcePlan Plan(TopologyModel model, IReadOnlySet<UserLookup>? unresolved = null, IReadOnlySet<PrincipalRef>? missingIdentities = null) =>
        Plan(model, unresolved, model, missingIdentities);

    /// <param name="owner">The model that decides which principals the stack creates (the whole one, when planning a part).</param>
    private static ResourcePlan Plan(TopologyModel model, IReadOnlySet<UserLookup>? unresolved, TopologyModel owner,
        IReadOnlySet<PrincipalRef>? missingIdentities = null) =>
        new PlanRun(model, owner, unresolved ?? new HashSet<UserLookup>(), missingIdentities ?? new HashSet<PrincipalRef>()).Plan();

    private static ProviderScope ScopeOf(IdentityLevel level) => level == IdentityLevel.Account ? ProviderScope.Account : ProviderScope.Workspace;

    /// <summary>
    /// One planning of one model, one method per section of the plan. Each section leaves out what is declared for a
    /// principal the lookups did not find (<see cref="Found"/>), and records it for <see cref="ResourcePlan.Unresolved"/>;
    /// the sections run in a fixed order, which is the order of each unresolved principal's paths.
    /// </summary>
    private sealed class PlanRun(TopologyModel model, TopologyModel owner, IReadOnlySet<UserLookup> missing, IReadOnlySet<PrincipalRef> missingIds)
    {
        private readonly Dictionary<UserLookup, List<string>> _skipped = [];
        private readonly Dictionary<PrincipalRef, (ProviderScope Scope, List<string> Paths)> _skippedIds = [];
        private List<ServicePrincipalSpec> _missingSps = [];
        private TopologyModel _model = model;

        public ResourcePlan Plan()
        {
            // What the unresolved report names a missing identity by: taken before those identities are left out.
            var displayNames = _model.Groups.Values.ToDictionary(g => g.Ref, g => g.DisplayName);
            var applicationIds = _model.ServicePrincipals.Values.ToDictionary(s => s.Ref, s => s.ApplicationId);
            _model = WithoutMissingIdentities(_model);
            var ruleSets = RuleSetOwners(_model);
            _model = _model with { Jobs = JobsWithFoundPermissions() };

            var webApps = WebApps(ruleSets);
            var sps = ServicePrincipals(ruleSets);
            var groups = Groups();
            var scopes = Scopes();
            var grants = CatalogGrants();
            var jobs = _model.Jobs.Values.Select(j => new JobPlan(j, $"job-{j.Key}")).ToList();
            var warehouses = Warehouses();
            var userLookups = UserLookupsOf(_model);
            var lookups = Lookups(webApps, sps, groups, grants, warehouses, userLookups);
            var timeBound = TimeBound();
            var expiring = timeBound.Where(e => e.Expires - _model.Now <= ExpiringWindow).ToList();

            // Direct assignments of account users: the account user's id is its principal id (a user not found is skipped).
            var userAssignments = _model.Users.Values.Where(u => Found(u.Ref, ProviderScope.Account, $"{u.Path}.workspaceAccess"))
                .Select(u => new UserAssignmentPlan(u, UserAssignmentPlan.NameOf(u.Ref))).ToList();
            var tokenUsers = _model.TokenUsage?.CanUse.Where(p => Found(p, ProviderScope.Workspace, $"{_model.TokenUsage.Path}.canUse")).ToList() ?? [];
            return new ResourcePlan(
                webApps.Count > 0 && _model.ResourceGroup is { Existing: false } ? "resource-group" : null,
                _model.Account is null ? null : "databricks-account",
                _model.TokenUsage is null ? null : "token-usage",
                webApps, sps, groups, scopes, grants, jobs, lookups, expiring, _model.Expired)
            {
                TimeBound = timeBound,
                UserLookups = userLookups,
                Unresolved = _skipped.OrderBy(kv => kv.Key.Email, StringComparer.Ordinal).ThenBy(kv => kv.Key.Scope)
                    .Select(kv => new UnresolvedPrincipal(kv.Key.Email, kv.Key.Scope, kv.Value))
                    .Concat(_skippedIds.OrderBy(kv => kv.Key)
                        .Select(kv => new UnresolvedPrincipal(
                            kv.Key.Kind == PrincipalKind.Group ? displayNames[kv.Key] : applicationIds[kv.Key] ?? kv.Key.Key,
                            kv.Value.Scope, kv.Value.Paths)
                        { Ref = kv.Key }))
                    .ToList(),
                TokenUsers = tokenUsers,
                TokenPolicyResource = _model.TokenPolicy is null ? null : "token-policy",
                TokenMaxLifetimeDays = _model.TokenPolicy?.MaxLifetimeDays,
                Warehouses = warehouses,
                UserAssignments = userAssignments,
                ImportIds = _model.ImportIds,
            };
        }

        private void SkipIdentity(PrincipalRef p, ProviderScope scope, string path)
        {
            if (!_skippedIds.TryGetValue(p, out var entry))
            {
                _skippedIds[p] = entry = (scope, []);
            }

            entry.Paths.Add(path);
        }

        /// <summary>Whether the principal was found (or needs no lookup); if not, <paramref name="path"/> is recorded as skipped.</summary>
        private bool Found(PrincipalRef p, ProviderScope scope, string path)
        {
            if (missingIds.Contains(p))
            {
                SkipIdentity(p, scope, path);
                return false;
            }

            if (p.Kind != PrincipalKind.User || !missing.Contains(new UserLookup(p.Key, scope)))
            {
                return true;
            }

            var key = new UserLookup(p.Key, scope);
            _skipped.GetOrAdd(key).Add(path);
            return false;
        }

        /// <summary>A looked-up identity that was not found is left out first, so nothing below plans anything for it.</summary>
        private TopologyModel WithoutMissingIdentities(TopologyModel model)
        {
            var missingGroups = model.Groups.Values.Where(g => !g.IsManaged && missingIds.Contains(g.Ref)).ToList();
            _missingSps = model.ServicePrincipals.Values.Where(s => s.Source != IdentitySource.Managed && missingIds.Contains(s.Ref)).ToList();
            missingGroups.ForEach(g => SkipIdentity(g.Ref, ScopeOf(g.Level), g.Path));
            _missingSps.ForEach(s => SkipIdentity(s.Ref, ScopeOf(s.Level), s.Path));
            if (missingGroups.Count + _missingSps.Count == 0)
            {
                return model;
            }

            return model with
            {
                Groups = new SortedDictionary<string, GroupSpec>(
                    model.Groups.Values.Except(missingGroups).ToDictionary(g => g.Key, g => g), StringComparer.Ordinal),
                ServicePrincipals = new SortedDictionary<string, ServicePrincipalSpec>(
                    model.ServicePrincipals.Values.Except(_missingSps).ToDictionary(s => s.Key, s =>
                    {
                        var kept = s.Managers.Zip(s.ManagerPaths).Where(m => !missingIds.Contains(m.First) || Found(m.First, ScopeOf(s.Level), m.Second)).ToList();
                        return s with { Managers = kept.Select(m => m.First).ToList(), ManagerPaths = kept.Select(m => m.Second).ToList() };
                    }), StringComparer.Ordinal),
                Jobs = new SortedDictionary<string, JobSpec>(
                    model.Jobs.Values.Where(j => Found(j.RunAs, ProviderScope.Workspace, $"{j.Path}.runAs")).ToDictionary(j => j.Key, j => j),
                    StringComparer.Ordinal),
            };
        }

        private SortedDictionary<string, JobSpec> JobsWithFoundPermissions() =>
            new(_model.Jobs.ToDictionary(kv => kv.Key, kv => kv.Value with
            {
                CanView = kv.Value.CanView.Where(p => Found(p, ProviderScope.Workspace, $"{kv.Value.Path}.canView")).ToList(),
                CanManageRun = kv.Value.CanManageRun.Where(p => Found(p, ProviderScope.Workspace, $"{kv.Value.Path}.canManageRun")).ToList(),
                CanManage = kv.Value.CanManage.Where(p => Found(p, ProviderScope.Workspace, $"{kv.Value.Path}.canManage")).ToList(),
            }),
            StringComparer.Ordinal);

        private List<WebAppPlan> WebApps(HashSet<PrincipalRef> ruleSets)
        {
            var model = _model;
            var jobsByPrincipal = model.Jobs.Values
                .SelectMany(j => j.Permissions.Select(p => p.Principal).Append(j.RunAs).Distinct().Select(p => (p, j.Key)))
                .ToLookup(x => x.p, x => x.Key);

            return model.WebApps.Values.Select(w => new WebAppPlan(
                w,
                $"webapp-{w.Key}",
                Vocabulary.AppServiceTiers[w.Sku],
                jobsByPrincipal[w.Ref].Order(StringComparer.Ordinal).ToList(),
                ScopeOf(w.Level),
                model.Protect)
            {
                RuleSetResource = ruleSets.Contains(w.Ref) ? $"webapp-{w.Key}-rule-set" : null,
                RetiringEntitlementsResource = Retiring(model, w.Level == IdentityLevel.Workspace && w.Entitlements.Count > 0, $"webapp-{w.Key}-entitlements"),
            }).ToList();
        }

        private List<ServicePrincipalPlan> ServicePrincipals(HashSet<PrincipalRef> ruleSets)
        {
            var model = _model;
            return model.ServicePrincipals.Values.Select(s => new ServicePrincipalPlan(
                s,
                $"sp-{s.Key}",
                ScopeOf(s.Level),
                s.Credentials.Select(c => CredentialRotation.Plan(
                    s.Ref,
                    c,
                    $"sp-{s.Key}-{c.KindName}",
                    c.Store is { } store ? $"scope-{store.Scope}-secret-{store.Key.ToLowerInvariant()}" : null,
                    model.Now,
                    c.Kind == CredentialKind.OAuthSecret ? ScopeOf(s.Level) : ProviderScope.Workspace,
                    model.CredentialSchedule.Find($"sp-{s.Key}-{c.KindName}"))).ToList(),
                model.Protect && s.Source == IdentitySource.Managed)
            {
                RuleSetResource = ruleSets.Contains(s.Ref) || (s.Managers.Count > 0 && model.Account is not null) ? $"sp-{s.Key}-rule-set" : null,
                RetiringEntitlementsResource = Retiring(model, s.Source == IdentitySource.Managed && s.Level == IdentityLevel.Workspace && s.Entitlements.Count > 0,
                    $"sp-{s.Key}-entitlements"),
            }).ToList();
        }

        private List<GroupPlan> Groups() => _model.Groups.Values.Select(g =>
        {
            var name = $"group-{g.Key}";
            var members = g.MembersDelegated ? [] : g.Members.Where(m => Found(m.Principal, ScopeOf(g.Level), m.Path)).OrderBy(m => m.Principal)
                .Select(m => new MemberPlan(m, MemberResourceName(g.Key, m.Principal))).ToList();
            return new GroupPlan(g, name, ScopeOf(g.Level), members, _model.Protect && g.IsManaged)
            {
                ImplicitMembers = g.Key == Names.AdminsGroup ? AdminsImplicitMembers(_model) : [],
                RetiringEntitlementsResource = Retiring(_model, g.IsManaged && g.Level == IdentityLevel.Workspace && g.Entitlements.Count > 0, $"{name}-entitlements"),
            };
        }).ToList();

        private List<ScopePlan> Scopes() => _model.SecretScopes.Values.Select(s =>
        {
            var name = $"scope-{s.Key}";
            return new ScopePlan(
                s,
                name,
                s.Acls.Where(a => Found(a.Principal, ProviderScope.Workspace, a.Path))
                    .Select(a => new AclPlan(a, $"{name}-acl-{a.Principal.NameFragment}", !owner.Owns(a.Principal))).ToList(),
                s.Secrets.Where(x => x is not ExistingSecret)
                    .Where(x => x.CredentialOwner is not { } credentialOwner || _missingSps.Find(m => m.Key == credentialOwner) is not { } gone
                        || Found(gone.Ref, ScopeOf(gone.Level), x.Path))
                    .OrderBy(x => x.Key, StringComparer.Ordinal)
                    .Select(x => new SecretPlan(x, $"{name}-secret-{x.Key}", x is GeneratedSecret ? $"{name}-password-{x.Key}" : null))
                    .ToList(),
                _model.Protect);
        }).ToList();

        private CatalogGrantsPlan? CatalogGrants()
        {
            if (_model.CatalogGrants.Count == 0)
            {
                return null;
            }

            const string Name = "catalog-grants";
            var securables = _model.CatalogGrants.Where(g => Found(g.To, ProviderScope.Workspace, $"{g.Path}.to"))
                .GroupBy(g => g.On).OrderBy(g => g.Key)
                .Select(bySecurable => new SecurableGrantPlan(
                    bySecurable.Key,
                    bySecurable.GroupBy(g => g.To).OrderBy(g => g.Key)
                        .Select(byPrincipal => new GrantPrincipal(
                            byPrincipal.Key,
                            byPrincipal.SelectMany(g => g.Privileges).Distinct().Order(StringComparer.Ordinal).ToList(),
                            !owner.Owns(byPrincipal.Key)))
                        .ToList(),
                    $"{Name}-{bySecurable.Key.NameFragment}",
                    _model.AuthoritativeGrants.Contains(bySecurable.Key)))
                .ToList();
            return securables.Count == 0 ? null : new CatalogGrantsPlan(Name, securables);
        }

        private List<WarehousePlan> Warehouses() => _model.Warehouses.Values
            .Select(w => w with
            {
                CanUse = w.CanUse.Where(p => Found(p, ProviderScope.Workspace, $"{w.Path}.canUse")).ToList(),
                CanManage = w.CanManage.Where(p => Found(p, ProviderScope.Workspace, $"{w.Path}.canManage")).ToList(),
            })
            .Select(w => new WarehousePlan(w, $"warehouse-{w.Key}-permissions")).ToList();

        private List<PlannedLookup> Lookups(List<WebAppPlan> webApps, List<ServicePrincipalPlan> sps, List<GroupPlan> groups, CatalogGrantsPlan? grants,
            List<WarehousePlan> warehouses, IReadOnlyList<UserLookup> userLookups)
        {
            var model = _model;
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

            // Looked-up groups and service principals are first proven to exist with one unfiltered list per kind and
            // provider scope (empty, not an error, for no match): the program leaves out what needs one not found.
            lookups.AddRange(groups.Where(g => !g.Creates).Select(g => g.GroupProvider).Distinct().Order()
                .Select(scope => new PlannedLookup(scope == ProviderScope.Account ? PulumiTypes.GetAccountIamGroupsV2 : PulumiTypes.GetWorkspaceIamGroupsV2, "*", scope)));
            lookups.AddRange(sps.Where(s => !s.Creates).Select(s => s.SpProvider)
                .Concat(groups.SelectMany(g => g.ImplicitMembers).Any(m => m.ApplicationId is not null) ? [ProviderScope.Workspace] : [])
                .Distinct().Order()
                .Select(scope => new PlannedLookup(PulumiTypes.GetServicePrincipals, "*", scope)));

            // Built-in groups used as members without being declared are looked up by name.
            lookups.AddRange(groups
                .SelectMany(g => g.Members.Select(m => m.Membership.Principal))
                .Where(p => p.Kind == PrincipalKind.Group && !model.Groups.ContainsKey(p.Key))
                .Distinct()
                .Order()
                .Select(p => new PlannedLookup(PulumiTypes.GetGroup, p.Key, ProviderScope.Workspace)));

            lookups.AddRange(warehouses.Where(w => w.Spec.Id is null)
                .Select(w => new PlannedLookup(PulumiTypes.GetSqlWarehouse, w.Spec.Name!, ProviderScope.Workspace)));

            if (grants?.Securables.Any(s => s.On.Kind == SecurableKind.Metastore) == true)
            {
                // Config names no metastore: grants go to the one assigned to this workspace.
                lookups.Add(new PlannedLookup(PulumiTypes.GetCurrentMetastore, "metastore", ProviderScope.Workspace));
            }

            // Every user named anywhere is looked up first (getUsers answers an empty list for nobody, where getUser
            // fails the run): the program leaves out what is declared for a user not found.
            lookups.AddRange(userLookups.Select(u => new PlannedLookup(PulumiTypes.GetUsers, u.Email, u.Scope)));
            lookups.AddRange(groups.SelectMany(g => g.ImplicitMembers).Select(m => m.ApplicationId).OfType<string>().Distinct(StringComparer.Ordinal)
                .Select(id => new PlannedLookup(PulumiTypes.GetServicePrincipal, id, ProviderScope.Workspace)));
            return lookups;
        }

        private List<ExpiringMembership> TimeBound() => _model.Groups.Values
            .SelectMany(g => g.Members.Where(m => m.Expires is not null)
                .Select(m => new ExpiringMembership(g.Key, m.Principal, m.Expires!.Value, m.Reason, m.Path) { Starts = m.Starts }))
            .OrderBy(e => e.Expires).ThenBy(e => e.Group, StringComparer.Ordinal).ThenBy(e => e.Principal)
            .ToList();
    }

    /// <summary>The old Entitlements resource of a principal that now carries its entitlements, while it must still be registered.</summary>
    private static string? Retiring(TopologyModel model, bool carries, string resource) =>
        carries && model.EntitlementsHandover.Retiring(resource) ? resource : null;

    /// <summary>Users named in memberships (by the group's provider) and in ACLs, grants and job permissions (workspace).</summary>
    public static IReadOnlyList<UserLookup> UserLookupsOf(TopologyModel model)
    {
        var set = new HashSet<UserLookup>();
        foreach (var g in model.Groups.Values)
        {
            set.UnionWith(g.Members.Where(m => m.Principal.IsHuman).Select(m => new UserLookup(m.Principal.Key, ScopeOf(g.Level))));
        }

        var workspaceUsers = model.SecretScopes.Values.SelectMany(s => s.Acls.Select(a => a.Principal))
            .Concat(model.CatalogGrants.Select(g => g.To))
            .Concat(model.Jobs.Values.SelectMany(j => j.Permissions.Select(p => p.Principal)))
            .Concat(model.TokenUsage?.CanUse ?? [])
            .Concat(model.Warehouses.Values.SelectMany(w => w.Permissions.Select(p => p.Principal)))
            .Where(p => p.IsHuman);
        set.UnionWith(workspaceUsers.Select(p => new UserLookup(p.Key, ProviderScope.Workspace)));

        // A directly assigned user: its account id is the assignment's principal; an admin one is also an implicit
        // member of admins (AdminsImplicitMembers), named there by its workspace id.
        set.UnionWith(model.Users.Values.Select(u => new UserLookup(u.Email, ProviderScope.Account)));
        set.UnionWith(model.Users.Values.Where(u => u.WorkspaceAccess == WorkspaceAccess.Admin).Select(u => new UserLookup(u.Email, ProviderScope.Workspace)));
        return set.OrderBy(u => u.Email, StringComparer.Ordinal).ThenBy(u => u.Scope).ToList();
    }

    /// <summary>
    /// Owned service principals (and web app identities) the deployer must act as, when the stack can grant it: the
    /// deployer is known and an account is configured (rule sets are account objects).
    /// </summary>
    private static HashSet<PrincipalRef> RuleSetOwners(TopologyModel model) =>
        model.Deployer is null || model.Account is null
            ? []
            : model.ServicePrincipalsNeedingUserRole().Select(x => x.Principal).Where(model.Owns).ToHashSet();

    /// <summary>Who is in <c>admins</c> because the stack says so, without a membership resource.</summary>
    public static List<ImplicitMember> AdminsImplicitMembers(TopologyModel model)
    {
        var list = new List<ImplicitMember>();
        list.AddRange(model.Identities.Where(i => i.HasWorkspaceAssignment && i.WorkspaceAccess == WorkspaceAccess.Admin)
            .Select(i => new ImplicitMember(i.Ref, null, "workspaceAccess: admin")));
        list.AddRange(model.Users.Values.Where(u => u.WorkspaceAccess == WorkspaceAccess.Admin)
            .Select(u => new ImplicitMember(u.Ref, null, "workspaceAccess: admin")));
        if (model.Deployer is { } deployer)
        {
            list.AddRange(deployer.AdminApplicationIds.Select(id => new ImplicitMember(null, id, id == deployer.ApplicationId ? "deployer" : "automation identity")));
        }

        return list;
    }
}
