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

/// <summary>
/// The program: evaluates the stack's topology (exactly as the offline <c>check</c> does) and materializes its
/// <see cref="ResourcePlan"/>. Every name, type, provider scope and protect flag comes from the plan.
/// </summary>
public static class AccessStack
{
    public const string DatabricksAuthorizationTokens = "tokens";

    /// <summary>The workspace conf key of the longest lifetime a new token may have (<c>topology.tokenPolicy</c>).</summary>
    public const string MaxTokenLifetimeDaysKey = "maxTokenLifetimeDays";

    /// <summary>Evaluate, then build: what <c>Program</c> runs, and what the tests run.</summary>
    public static async Task<IDictionary<string, object?>> Run(StackConfigInput input, TimeProvider clock, Func<string, Output<string>> secretConfig,
        StackSettings settings, BuildOptions? options = null)
    {
        // One reading of the clock per run: the evaluation and the recorded instant are the same.
        var instant = clock.GetUtcNow();
        var outputs = await Build(Check(input, EvaluationInstant.At(instant), options?.RevocationRun == true), secretConfig, settings, options);
        outputs[DeploymentRecord.OutputName] = Output.Create(DeploymentRecord.Value(options?.OwnCommit ?? DeploymentRecord.OwnCommit(), instant));
        return outputs;
    }

    /// <summary>
    /// Evaluates the topology. Warnings are logged; errors and policy violations fail the run with the same text the
    /// offline <c>check</c> prints, one per line, before any resource is registered. In a revocation run
    /// (<see cref="BuildOptions.RevocationRun"/>) policy violations are logged as warnings and the plan is built;
    /// errors still fail the run.
    /// </summary>
    public static EvaluationResult Check(StackConfigInput input, TimeProvider clock, bool revocationRun = false)
    {
        var result = TopologyEvaluator.Evaluate(input, clock);
        foreach (var warning in result.Diagnostics.Where(d => d.Severity == Severity.Warning))
        {
            Log.Warn(warning.ToString());
        }

        if (revocationRun && result.Plan is not null && !result.Diagnostics.Any(d => d.Severity == Severity.Error))
        {
            foreach (var violation in result.Diagnostics.Where(d => d.Severity == Severity.Violation))
            {
                Log.Warn($"revocation run, not blocking: {violation}");
            }

            return result;
        }

        if (result.ExitCode != 0 || result.Plan is null)
        {
            throw new RunException(string.Join('\n', result.Errors.Select(d => d.ToString())));
        }

        return result;
    }

    /// <summary>
    /// Registers the plan's resources; returns the stack outputs. Users are looked up first: a declared user who is
    /// not found is reported (a warning and the <c>unresolvedPrincipals</c> output) and what is declared for them is
    /// left out, so one departed user never blocks every other change. Expired memberships are not declared at all,
    /// so revoking them never depends on a lookup.
    /// </summary>
    public static async Task<IDictionary<string, object?>> Build(EvaluationResult result, Func<string, Output<string>> secretConfig,
        StackSettings settings, BuildOptions? options = null)
    {
        var planned = result.Plan ?? throw new ArgumentException("an invalid topology has no plan", nameof(result));
        options ??= new BuildOptions();

        // Secret config first: a missing key fails the run before anything is registered.
        var secretValues = planned.Scopes.SelectMany(s => s.Secrets)
            .Where(s => s.Secret.Source == SecretSourceKind.Config)
            .Select(s => s.Secret.ConfigKey!)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(k => k, k => Output.CreateSecret(secretConfig(k)), StringComparer.Ordinal);

        // The credential slots continue the last deployment's schedule, so a rotation-policy change replaces no
        // credential (read only once the config is valid and its secrets are there: nothing is registered otherwise).
        var (schedule, handover, imported, recordedCommit) = await ReadPreviousDeploymentAsync();
        if (options.RevocationRun)
        {
            // Read inside this update, under the stack's lock: a deploy that finished after the job chose its commit is seen here.
            DeploymentRecord.CheckRevocationRun(recordedCommit, options.OwnCommit ?? DeploymentRecord.OwnCommit());
        }

        var model = result.Model with
        {
            CredentialSchedule = schedule,
            EntitlementsHandover = handover,
            ImportedResources = imported,
            ImportIds = ImportedResources.Pending(result.Model.ImportIds, imported),
        };
        var plan = schedule.Credentials.Count == 0 && result.Model.CredentialSchedule.Credentials.Count == 0 && handover == EntitlementsHandover.Unknown
            && model.ImportIds.Count == result.Model.ImportIds.Count
            ? planned
            : Planner.Plan(model);

        var providers = new ProviderSet(null) { ImportIds = plan.ImportIds };
        if (plan.AccountProviderResource is { } providerName)
        {
            var bootstrap = new PlannedChildren(plan.StackResources.Where(r => r.Name == providerName), null,
                ProviderSet.WorkspaceOnly, options.ResourceTransformations);
            var provider = bootstrap.Create(providerName, o => new Dbx.Provider(providerName, AccountProviderArgs(result.Model, settings), o));
            bootstrap.Complete();
            providers = new ProviderSet(provider) { ImportIds = plan.ImportIds };
        }

        var users = await UserDirectory.LookUpAsync(plan.UserLookups, providers);
        var missing = users.Where(kv => kv.Value is null).Select(kv => kv.Key).ToHashSet();
        var (missingIdentities, missingApplicationIds) = await IdentityDirectory.LookUpAsync(plan, providers);
        if (missing.Count > 0 || missingIdentities.Count > 0)
        {
            plan = Planner.Plan(model, missing, missingIdentities);
            foreach (var u in plan.Unresolved)
            {
                var what = u.Kind switch
                {
                    PrincipalKind.User => $"user {u.Email}",
                    PrincipalKind.Group => $"group '{u.Email}' ({u.Principal})",
                    _ => $"service principal {u.Email} ({u.Principal})",
                };
                Log.Warn($"{what} was not found ({u.Scope.ToString().ToLowerInvariant()} level): skipped what is declared for it at {string.Join(", ", u.Paths)}");
            }
        }

        foreach (var id in missingApplicationIds.Order(StringComparer.Ordinal))
        {
            Log.Warn($"automation identity {id} was not found (workspace level): it is left out of the admins group's declared members");
        }

        var ids = users.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);
        return new StackBuilder(model, plan, settings, options, providers, ids, secretValues, missingApplicationIds).Build();
    }

    /// <summary>The name of the program's read of its own stack's outputs (<c>pulumi:pulumi:StackReference</c>).</summary>
    public const string PreviousDeployment = "previous-deployment";

    /// <summary>
    /// The credential schedule the last deployment recorded (its <see cref="CredentialSchedule.OutputName"/> output),
    /// read from this very stack. The engine answers a stack reference with the latest checkpoint's root-stack
    /// outputs, and an empty map for a stack that has none yet (pulumi/pulumi v3.258.0 pkg/resource/deploy/builtins.go
    /// readStackReference :370, pkg/backend/backend.go GetStackOutputs :399, pkg/resource/stack/deployment.go
    /// DeserializeStackOutputs :519). The cloud backend wants <c>org/project/stack</c> (pkg/backend/httpstate/backend.go
    /// :2841); the language host passes the organization as PULUMI_ORGANIZATION (pulumi-dotnet
    /// pulumi-language-dotnet/main.go:900, read in sdk/Pulumi/Deployment/Deployment.cs:126). Unreadable entries are
    /// warnings: those credentials fall back to the fixed grid, which the migration guard then checks.
    /// </summary>
    public static async Task<(CredentialSchedule Schedule, EntitlementsHandover Handover, IReadOnlySet<string> Imported, string? Commit)> ReadPreviousDeploymentAsync()
    {
        var self = $"{Deployment.Instance.OrganizationName}/{Deployment.Instance.ProjectName}/{Deployment.Instance.StackName}";
        var previous = new StackReference(PreviousDeployment, new StackReferenceArgs { Name = self });
        var problems = new List<string>();
        var recorded = await previous.GetValueAsync(CredentialSchedule.OutputName);
        var schedule = CredentialSchedule.FromOutputValue(recorded, problems);
        foreach (var problem in problems)
        {
            Log.Warn($"the last deployment's {problem}: that credential follows the fixed grid of rotation instants");
        }

        var read = new Dictionary<string, object?>(StringComparer.Ordinal) { [CredentialSchedule.OutputName] = recorded };
        foreach (var key in new[] { "servicePrincipalApplicationIds", "secretScopes", EntitlementsHandover.OutputName })
        {
            read[key] = await previous.GetValueAsync(key);
        }

        var handover = EntitlementsHandover.FromOutputs(key => read.GetValueOrDefault(key));

        // The resources the last deployment imported: their import ids are retired (ImportedResources).
        problems.Clear();
        var imported = ImportedResources.FromOutputValue(await previous.GetValueAsync(ImportedResources.OutputName), problems);
        foreach (var problem in problems)
        {
            Log.Warn($"the last deployment's {problem}");
        }

        // The commit the stack records (DeploymentRecord): only a deploy moves it.
        var commit = DeploymentRecord.CommitFromOutput(await previous.GetValueAsync(DeploymentRecord.OutputName));
        return (schedule, handover, imported, commit);
    }

    private static Dbx.ProviderArgs AccountProviderArgs(TopologyModel model, StackSettings settings)
    {
        var account = model.Account ?? throw new InvalidOperationException("an account provider is planned without databricks-access:account");
        var auth = settings.Auth;
        var args = new Dbx.ProviderArgs { Host = account.Host, AccountId = account.Id };
        if (auth.AuthType is { } authType)
        {
            args.AuthType = authType;
        }

        if (auth.AzureTenantId is { } tenant)
        {
            args.AzureTenantId = tenant;
        }

        if (auth.AzureClientId is { } client)
        {
            args.AzureClientId = client;
        }

        if (auth.AzureUseMsi is { } msi)
        {
            args.AzureUseMsi = msi;
        }

        if (auth.AzureEnvironment is { } environment)
        {
            args.AzureEnvironment = environment;
        }

        return args;
    }

    private sealed class StackBuilder(TopologyModel model, ResourcePlan plan, StackSettings settings, BuildOptions options,
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
                    // Workspace conf values are strings (terraform-provider-databricks v1.128.0 workspace/resource_workspace_conf.go:41).
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

                foreach (var user in plan.UserAssignments)
                {
                    // The account user's direct workspace assignment (topology.users): its principal id is the account
                    // user's id (mws/resource_mws_permission_assignment.go Create: WorkspaceAssignment.Update of principal_id).
                    var userId = MemberId(user.Spec.Ref, ProviderScope.Account);
                    stack.Create(user.ResourceName, o => new Dbx.MwsPermissionAssignment(user.ResourceName,
                        Identity.Assignment(model.Account, userId, user.Spec.WorkspaceAccess), o));
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

        /// <summary>A job, token or other permission entry for any kind of principal.</summary>
        public Dbx.Inputs.PermissionsAccessControlArgs AccessControl(PrincipalRef principal, string level)
        {
            var control = new Dbx.Inputs.PermissionsAccessControlArgs { PermissionLevel = level };
            var who = AccessName(principal);
            switch (principal.Kind)
            {
                case PrincipalKind.User:
                    control.UserName = who;
                    break;
                case PrincipalKind.Group:
                    control.GroupName = who;
                    break;
                default:
                    control.ServicePrincipalName = who;
                    break;
            }

            return control;
        }

        public Output<string> MemberId(PrincipalRef principal, ProviderScope scope) => principal.Kind switch
        {
            PrincipalKind.User => userIds.TryGetValue(new UserLookup(principal.Key, scope), out var id)
                ? Output.Create(id)
                : throw new InvalidOperationException($"{principal} was not looked up at {scope} level"),
            PrincipalKind.Group when _groups.TryGetValue(principal.Key, out var g) => g.GroupId,
            PrincipalKind.Group when Names.IsBuiltInGroup(principal.Key) => BuiltInGroupId(principal.Key),
            PrincipalKind.ServicePrincipal when _sps.TryGetValue(principal.Key, out var s) => s.ServicePrincipalId,
            PrincipalKind.WebApp when _webApps.TryGetValue(principal.Key, out var w) => w.ServicePrincipalId,
            _ => throw Unknown(principal),
        };

        public Output<string> AccessName(PrincipalRef principal) => principal.Kind switch
        {
            PrincipalKind.User => Output.Create(principal.Key),
            PrincipalKind.Group when _groups.TryGetValue(principal.Key, out var g) => g.AccessName,
            PrincipalKind.Group when Names.IsBuiltInGroup(principal.Key) => Output.Create(principal.Key),
            PrincipalKind.ServicePrincipal when _sps.TryGetValue(principal.Key, out var s) => s.AccessName,
            PrincipalKind.WebApp when _webApps.TryGetValue(principal.Key, out var w) => w.AccessName,
            _ => throw Unknown(principal),
        };

        public IReadOnlyList<Resource> Gates(PrincipalRef principal) => principal.Kind switch
        {
            PrincipalKind.Group when _groups.TryGetValue(principal.Key, out var g) => g.Gates,
            PrincipalKind.ServicePrincipal when _sps.TryGetValue(principal.Key, out var s) => s.Gates,
            PrincipalKind.WebApp when _webApps.TryGetValue(principal.Key, out var w) => w.Gates,
            _ => [],
        };

        /// <summary>The SCIM id of a member the stack puts into a group without a membership resource.</summary>
        private Output<string> ImplicitMemberId(ImplicitMember member)
        {
            if (member.Principal is { } p)
            {
                return MemberId(p, ProviderScope.Workspace);
            }

            var applicationId = member.ApplicationId ?? throw new InvalidOperationException($"implicit member without principal or application id ({member.Why})");
            return Dbx.GetServicePrincipal.Invoke(new Dbx.GetServicePrincipalInvokeArgs { ApplicationId = applicationId }).Apply(sp => sp.Id);
        }

        private static InvalidOperationException Unknown(PrincipalRef principal) =>
            new($"{principal} is not built (yet): groups are built members first, after service principals and web apps");

        /// <summary>The built-in workspace groups may be referred to without being declared; looked up once.</summary>
        private Output<string> BuiltInGroupId(string key)
        {
            if (!_builtInGroups.TryGetValue(key, out var id))
            {
                id = Dbx.GetGroup.Invoke(new Dbx.GetGroupInvokeArgs { DisplayName = key }).Apply(g => g.Id);
                _builtInGroups[key] = id;
            }

            return id;
        }

        private (Input<string>? Name, Input<string>? Location) ResourceGroup(PlannedChildren stack)
        {
            if (plan.ResourceGroupResource is { } rgName)
            {
                var spec = model.ResourceGroup ?? throw new InvalidOperationException("a resource group is planned without topology.resourceGroup");
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

        private Dictionary<string, object?> Outputs(IReadOnlyList<SecretScopeAccess> scopes, IReadOnlyDictionary<string, NotebookJob> jobs)
        {
            var expiring = plan.ExpiringSoon
                .Select(e => ImmutableDictionary<string, object?>.Empty
                    .Add("group", e.Group)
                    .Add("principal", e.Principal.ToString())
                    .Add("expires", Instants.Format(e.Expires))
                    .Add("reason", e.Reason))
                .ToImmutableArray();
            var unmanaged = MapOf(plan.Groups.Where(g => g.ReportsUnmanagedMembers).Select(g => (g.Spec.Key, _groups[g.Spec.Key].UnmanagedMembers)))
                .Apply(map => map.Where(kv => kv.Value.Length > 0).ToImmutableDictionary(StringComparer.Ordinal));

            return new Dictionary<string, object?>
            {
                ["webAppUrls"] = MapOf(_webApps.Select(kv => (kv.Key, kv.Value.Url))),
                ["webAppIdentityClientIds"] = MapOf(_webApps.Select(kv => (kv.Key, kv.Value.IdentityClientId))),
                ["servicePrincipalApplicationIds"] = MapOf(_sps.Select(kv => (kv.Key, kv.Value.ApplicationId))),
                ["secretScopes"] = Output.All(scopes.Select(s => s.ScopeName)),
                ["jobIds"] = MapOf(jobs.Select(kv => (kv.Key, kv.Value.JobId))),
                ["expiringMemberships"] = Output.Create(expiring),
                ["unmanagedMembers"] = unmanaged,
                // OAuth secrets with no store: consumers read the current one here (a secret output; `check` warns).
                ["oauthSecrets"] = Output.CreateSecret(MapOf(plan.ServicePrincipals.Where(s => s.OAuthSecret is { Spec.Store: null })
                    .Select(s => (s.Spec.Key, _sps[s.Spec.Key].OAuthSecret)))),
                // The slots as this run leaves them: the next run continues from here (ReadPreviousDeploymentAsync).
                [CredentialSchedule.OutputName] = Output.Create(CredentialSchedule.FromPlan(plan).ToOutputValue()),
                // The resources the state holds through an import id: the next run passes none for them (ImportedResources).
                // One imported by this run counts once its id resolved, i.e. once its import is in the state.
                [ImportedResources.OutputName] = Output.All(_providers.Imported.Select(e => e.Id.Apply(_ => e.Name)))
                    .Apply(now => ImportedResources.Record(model.ImportedResources, now, plan.AllResources.Select(r => r.Resource.Name).ToHashSet(StringComparer.Ordinal))),
                // The principals that carry their own entitlements: their old Entitlements resources are registered
                // retained on delete by this run (or were before, or never existed), so the next run leaves them out.
                [EntitlementsHandover.OutputName] = Output.Create(RetiredEntitlements().ToImmutableArray()),
                ["unresolvedPrincipals"] = Output.Create(plan.Unresolved
                    .Select(u => ImmutableDictionary<string, object?>.Empty
                        .Add("principal", u.Principal)
                        .Add("level", u.Scope.ToString().ToLowerInvariant())
                        .Add("skipped", u.Paths.ToImmutableArray()))
                    .ToImmutableArray()),
            };
        }

        private List<string> RetiredEntitlements()
        {
            var carrying = plan.Groups.Where(g => g.CarriesEntitlements && g.Spec.Entitlements.Count > 0).Select(g => $"{g.Name}-entitlements")
                .Concat(plan.ServicePrincipals.Where(s => s.CarriesEntitlements && s.Spec.Entitlements.Count > 0).Select(s => $"{s.Name}-entitlements"))
                .Concat(plan.WebApps.Where(w => w.CarriesEntitlements && w.Spec.Entitlements.Count > 0).Select(w => $"{w.Name}-entitlements"));
            return carrying.Order(StringComparer.Ordinal).ToList();
        }

        private static Output<ImmutableDictionary<string, T>> MapOf<T>(IEnumerable<(string Key, Output<T> Value)> entries)
        {
            var list = entries.ToList();
            return Output.All(list.Select(e => e.Value))
                .Apply(values => list.Select((e, i) => KeyValuePair.Create(e.Key, values[i])).ToImmutableDictionary(StringComparer.Ordinal));
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

    /// <summary>An output resolved later, exactly once; failed instead when building stops first.</summary>
    private sealed class Deferred<T>
    {
        private readonly DeferredOutput<T> _deferred = new();
        private bool _settled;

        public Output<T> Output => _deferred.Output;

        public void Resolve(Output<T> value)
        {
            _settled = true;
            _deferred.Resolve(value);
        }

        public void Fail(Exception ex)
        {
            if (!_settled)
            {
                _settled = true;
                _deferred.Resolve(Pulumi.Output.Create(Task.FromException<T>(
                    new InvalidOperationException("not built: the program stopped before this value existed", ex))));
            }
        }
    }
}
