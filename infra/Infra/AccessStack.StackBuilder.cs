using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;
using Resources = Pulumi.AzureNative.Resources;

namespace DatabricksAccess.Infra;

public static partial class AccessStack
{
    private sealed partial class StackBuilder(TopologyModel model, ResourcePlan plan, StackSettings settings, BuildOptions options,
        ProviderSet providers, IReadOnlyDictionary<UserLookup, string> userIds, IReadOnlyDictionary<string, Output<string>> secretValues,
        IReadOnlySet<string> missingApplicationIds)
        : IPrincipalResolver
    {
        private readonly Dictionary<string, DatabricksServicePrincipal> _sps = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ManagedIdentityWebApp> _webApps = new(StringComparer.Ordinal);
        private readonly Dictionary<string, GroupAccess> _groups = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Output<string>> _builtInGroups = new(StringComparer.Ordinal);
        private readonly ProviderSet _providers = providers;

        public Dictionary<string, object?> Build()
        {
            var stack = new PlannedChildren(plan.StackResources.Where(r => r.Name != plan.AccountProviderResource), null,
                _providers, options.ResourceTransformations);
            var (resourceGroupName, location) = ResourceGroup(stack);

            // Two construction cycles that are no dependency cycles, broken with deferred outputs (they keep
            // unknown-ness, secretness and dependencies, so previews and mocks see what `up` sees):
            //  - an on-behalf-of token needs the `tokens` permission, which names the service principals' ids;
            //  - a web app's settings carry the ids of its jobs, and those jobs run as the web app's principal.
            // Each is resolved as soon as its source exists; should building fail first, they are failed rather than
            // left pending, so the run ends with the error instead of waiting for outputs that never come.
            var tokenGate = plan.TokenUsageResource is null ? null : new Deferred<Resource>();
            var jobIds = plan.WebApps.ToDictionary(w => w.Spec.Key, _ => new Deferred<ImmutableArray<string>>(), StringComparer.Ordinal);
            //  - a service principal's rule set may name a principal the stack creates (itself included) by the
            //    application id that principal's creation returns.
            var createdApplicationIds = plan.ServicePrincipals.Where(s => s.Creates && s.Spec.ApplicationId is null)
                .ToDictionary(s => s.Spec.Key, _ => new Deferred<string>(), StringComparer.Ordinal);
            RuleSetManager Manager(PrincipalRef m) =>
                m.Kind == PrincipalKind.ServicePrincipal && createdApplicationIds.TryGetValue(m.Key, out var created)
                    ? RuleSetManager.OfCreated(created.Output)
                    : new RuleSetManager(Identity.RuleSetPrincipal(model, m));
            try
            {
                foreach (var sp in plan.ServicePrincipals)
                {
                    _sps[sp.Spec.Key] = new DatabricksServicePrincipal(sp.Name, new DatabricksServicePrincipalArgs
                    {
                        Plan = sp,
                        Providers = _providers,
                        Account = model.Account,
                        Deployer = model.Deployer,
                        TokenPermission = tokenGate?.Output,
                        Managers = sp.Spec.Managers.Select(Manager).ToList(),
                    }, ComponentOptions());
                    if (createdApplicationIds.TryGetValue(sp.Spec.Key, out var appId))
                    {
                        appId.Resolve(_sps[sp.Spec.Key].ApplicationId);
                    }
                }

                foreach (var app in plan.WebApps)
                {
                    _webApps[app.Spec.Key] = new ManagedIdentityWebApp(app.Name, new ManagedIdentityWebAppArgs
                    {
                        Plan = app,
                        Providers = _providers,
                        ResourceGroupName = resourceGroupName ?? throw new InvalidOperationException("web apps need topology.resourceGroup"),
                        Location = location,
                        DatabricksHost = settings.DatabricksHost,
                        Account = model.Account,
                        Deployer = model.Deployer,
                        JobIds = jobIds[app.Spec.Key].Output,
                    }, ComponentOptions());
                }

                foreach (var group in InDependencyOrder(plan.Groups))
                {
                    _groups[group.Spec.Key] = new GroupAccess(group.Name, new GroupAccessArgs
                    {
                        Plan = group,
                        Providers = _providers,
                        Principals = this,
                        Account = model.Account,
                        ImplicitMemberIds = group.ImplicitMembers
                            .Where(m => m.ApplicationId is not { } appId || !missingApplicationIds.Contains(appId))
                            // A directly assigned admin user not yet in the workspace (before its first assignment) has no workspace id to name.
                            .Where(m => m.Principal is not { Kind: PrincipalKind.User } u || userIds.ContainsKey(new UserLookup(u.Key, ProviderScope.Workspace)))
                            .Select(ImplicitMemberId).ToList(),
                    }, ComponentOptions());
                }

                if (plan.TokenUsageResource is { } tokenUsage)
                {
                    // Named principals may be groups, so this comes after them. Authoritative for the whole workspace: planned only when the stack opted in (topology.tokenUsage).
                    var permissions = new Dbx.PermissionsArgs { Authorization = DatabricksAuthorizationTokens };
                    foreach (var principal in plan.TokenUsers)
                    {
                        permissions.AccessControls.Add(AccessControl(principal, "CAN_USE"));
                    }

                    var usage = stack.Create(tokenUsage, plan.TokenUsers.SelectMany(Gates), o => new Dbx.Permissions(tokenUsage, permissions, o));
                    tokenGate!.Resolve(Output.Create<Resource>(usage));
                }

                var credentials = new Dictionary<(string, CredentialKind), Output<string?>>();
                foreach (var (key, sp) in _sps)
                {
                    credentials[(key, CredentialKind.OAuthSecret)] = sp.OAuthSecret;
                    credentials[(key, CredentialKind.Token)] = sp.TokenValue;
                }

                var scopes = plan.Scopes.Select(scope => new SecretScopeAccess(scope.Name, new SecretScopeAccessArgs
                {
                    Plan = scope,
                    Providers = _providers,
                    Principals = this,
                    SecretConfig = secretValues,
                    Credentials = credentials,
                    ApplicationIds = _sps.ToDictionary(kv => kv.Key, kv => kv.Value.ApplicationId, StringComparer.Ordinal),
                }, ComponentOptions())).ToList();

                if (plan.TokenPolicyResource is { } tokenPolicy)
                {
                    // Workspace conf values are strings [fact: workspace-conf-patch].
                    var days = plan.TokenMaxLifetimeDays!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    stack.Create(tokenPolicy, o => new Dbx.WorkspaceConf(tokenPolicy, new Dbx.WorkspaceConfArgs
                    {
                        CustomConfig = { [MaxTokenLifetimeDaysKey] = days },
                    }, o));
                }

                foreach (var warehouse in plan.Warehouses)
                {
                    // Authoritative for the warehouse's whole ACL: planned only for warehouses the stack declares.
                    var args = new Dbx.PermissionsArgs
                    {
                        SqlEndpointId = warehouse.Spec.Id is { } id
                            ? Output.Create(id)
                            : Dbx.GetSqlWarehouse.Invoke(new Dbx.GetSqlWarehouseInvokeArgs { Name = warehouse.Spec.Name! }, stack.Invoke(ProviderScope.Workspace)).Apply(w => w.Id),
                    };
                    foreach (var (principal, level) in warehouse.Spec.Permissions)
                    {
                        args.AccessControls.Add(AccessControl(principal, Vocabulary.Name(level)));
                    }

                    // The owner the plan declares, as IS_OWNER: the provider adds the caller as IS_OWNER to a list without one.
                    args.AccessControls.Add(AccessControl(warehouse.Spec.Owner ?? throw new InvalidOperationException($"{warehouse.Spec.Path}: no owner"), "IS_OWNER"));

                    stack.Create(warehouse.PermissionsResource, o => new Dbx.Permissions(warehouse.PermissionsResource, args, o));
                }

                // Direct assignments are planned only with an account; planned without one, stack.Complete reports them.
                if (model.Account is { } account)
                {
                    foreach (var user in plan.UserAssignments)
                    {
                        // The account user's direct workspace assignment (topology.users): its principal id is the account
                        // user's id (Create: WorkspaceAssignment.Update of principal_id [fact: mws-assignment-put]).
                        var userId = MemberId(user.Spec.Ref, ProviderScope.Account);
                        stack.Create(user.ResourceName, o => new Dbx.MwsPermissionAssignment(user.ResourceName,
                            Identity.Assignment(account, userId, user.Spec.WorkspaceAccess), o));
                    }
                }

                if (plan.Grants is { } grants)
                {
                    _ = new CatalogGrants(grants.Name, new CatalogGrantsArgs { Plan = grants, Providers = _providers, Principals = this }, ComponentOptions());
                }

                var jobs = new Dictionary<string, NotebookJob>(StringComparer.Ordinal);
                foreach (var job in plan.Jobs)
                {
                    jobs[job.Spec.Key] = new NotebookJob(job.Name, new NotebookJobArgs { Plan = job, Providers = _providers, Principals = this }, ComponentOptions());
                }

                foreach (var app in plan.WebApps)
                {
                    jobIds[app.Spec.Key].Resolve(Output.All(app.TriggeredJobs.Select(k => jobs[k].JobId)));
                }

                stack.Complete();
                return Outputs(scopes, jobs);
            }
            catch (Exception ex)
            {
                tokenGate?.Fail(ex);
                foreach (var appId in createdApplicationIds.Values)
                {
                    appId.Fail(ex);
                }

                foreach (var pending in jobIds.Values)
                {
                    pending.Fail(ex);
                }

                throw;
            }
        }

        private (Input<string>? Name, Input<string>? Location) ResourceGroup(PlannedChildren stack)
        {
            // Planned only with topology.resourceGroup; planned without it, stack.Complete reports it.
            if (plan.ResourceGroupResource is { } rgName && model.ResourceGroup is { } spec)
            {
                var rgArgs = new Resources.ResourceGroupArgs { ResourceGroupName = spec.Name };
                if (spec.Location is { } l)
                {
                    rgArgs.Location = l;
                }

                var rg = stack.Create(rgName, o => new Resources.ResourceGroup(rgName, rgArgs, o));
                return (rg.Name, rg.Location);
            }

            if (plan.WebApps.Count > 0 && model.ResourceGroup is { Existing: true } existing)
            {
                var found = Resources.GetResourceGroup.Invoke(new Resources.GetResourceGroupInvokeArgs { ResourceGroupName = existing.Name });
                return (found.Apply(r => r.Name), existing.Location is { } l ? l : found.Apply(r => r.Location));
            }

            return (null, null);
        }

        private ComponentResourceOptions ComponentOptions()
        {
            var o = new ComponentResourceOptions();
            o.ResourceTransformations.AddRange(options.ResourceTransformations);
            return o;
        }

        /// <summary>Groups that are members of other groups come first (Topology rejects membership cycles).</summary>
        private static List<GroupPlan> InDependencyOrder(IReadOnlyList<GroupPlan> groups)
        {
            var byKey = groups.ToDictionary(g => g.Spec.Key, StringComparer.Ordinal);
            var done = new HashSet<string>(StringComparer.Ordinal);
            var visiting = new HashSet<string>(StringComparer.Ordinal);
            var order = new List<GroupPlan>();

            void Visit(GroupPlan group)
            {
                if (done.Contains(group.Spec.Key))
                {
                    return;
                }

                if (!visiting.Add(group.Spec.Key))
                {
                    throw new InvalidOperationException($"group membership cycle through '{group.Spec.Key}'");
                }

                // Members first; for admins also the groups it holds implicitly (their ids feed its unmanaged members).
                var inners = group.Members.Select(m => m.Membership.Principal)
                    .Concat(group.ImplicitMembers.Select(m => m.Principal).OfType<PrincipalRef>())
                    .Where(p => p.Kind == PrincipalKind.Group);
                foreach (var p in inners)
                {
                    if (byKey.TryGetValue(p.Key, out var inner))
                    {
                        Visit(inner);
                    }
                }

                visiting.Remove(group.Spec.Key);
                done.Add(group.Spec.Key);
                order.Add(group);
            }

            foreach (var g in groups)
            {
                Visit(g);
            }

            return order;
        }
    }
}
