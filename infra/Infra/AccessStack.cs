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
public static partial class AccessStack
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
            .Select(s => s.Secret).OfType<ConfigSecret>()
            .Select(s => s.ConfigKey)
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
    /// outputs, and an empty map for a stack that has none yet [fact: engine-stack-reference]. The cloud backend wants
    /// <c>org/project/stack</c> [fact: cli-project-and-stack]; the language host passes the organization as
    /// PULUMI_ORGANIZATION [fact: dotnet-stack-reference]. Unreadable entries are
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
