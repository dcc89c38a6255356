using System.Collections.Immutable;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using Pulumi;
using Pulumi.Testing;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>The options a resource was constructed with, as a transformation observed them.</summary>
public sealed record ObservedResource(Resource Resource, ResourceArgs Args, ResourceOptions Options)
{
    public string Type => Resource.GetResourceType();

    public string Name => Resource.GetResourceName();

    public ProviderResource? Provider => (Options as CustomResourceOptions)?.Provider;
}

/// <summary>One program run under the mocks: what the plan says, and what the program registered.</summary>
public sealed class StackRun
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Before the on-call membership (2026-11-23T08:00Z) expires, within prod's 12-hour admin limit.</summary>
    public static readonly DateTimeOffset BeforeOnCallExpiry = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    /// <summary>What the engine is told for an id not known yet (a preview of a resource to be created).</summary>
    public const string UnknownId = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

    public const string DatabricksHost = "https://adb-0000000000000000.0.azuredatabricks.net";
    public const string TenantId = "11111111-2222-3333-4444-555555555555";

    public static readonly StackSettings Settings = new(DatabricksHost, new DatabricksAuthSettings(AzureTenantId: TenantId));

    private StackRun(string stack, EvaluationResult expected, AccessMocks mocks, ImmutableArray<Resource> resources,
        IDictionary<string, object?> outputs, IReadOnlyList<ObservedResource> observed)
    {
        StackName = stack;
        Expected = expected;
        Mocks = mocks;
        Resources = resources;
        Outputs = outputs;
        Observed = observed;
    }

    public string StackName { get; }

    /// <summary>The offline evaluation of the same input at the same instant.</summary>
    public EvaluationResult Expected { get; }

    public ResourcePlan Plan => Expected.Plan!;

    public AccessMocks Mocks { get; }

    public ImmutableArray<Resource> Resources { get; }

    public IDictionary<string, object?> Outputs { get; }

    public IReadOnlyList<ObservedResource> Observed { get; }

    /// <summary>The config value the tests hand the program for a secret key (deliberately not marked secret).</summary>
    public static string ConfigValue(string key) => $"config-value:{key}";

    public static StackFile Load(string stack, Func<string, string>? edit = null)
    {
        var path = Path.Combine(Repo.Root, $"Pulumi.{stack}.yaml");
        var text = File.ReadAllText(path);
        if (edit is null)
        {
            return StackFile.Load(path);
        }

        // An edit that changes nothing would compare the fixture with itself (issue 33): edits go through FixtureEdit.Edit.
        var edited = edit(text);
        Assert.True(!string.Equals(edited, text, StringComparison.Ordinal), $"the edit of Pulumi.{stack}.yaml changed nothing");
        return StackFile.Parse(edited, path);
    }

    public static Task<StackRun> RunAsync(string stack, DateTimeOffset? now = null, AccessMocks? mocks = null, bool preview = false) =>
        RunAsync(stack, Load(stack), now ?? Now, mocks ?? new AccessMocks(), key => Output.Create(ConfigValue(key)), preview);

    public static async Task<StackRun> RunAsync(string stack, StackFile file, DateTimeOffset now, IMocks mocks,
        Func<string, Output<string>> secretConfig, bool preview = false, bool revocationRun = false)
    {
        var schedule = mocks is AccessMocks { PreviousOutputs: var previous } && previous.TryGetValue(CredentialSchedule.OutputName, out var recorded)
            ? CredentialSchedule.FromOutputValue(recorded, [])
            : null;
        var imported = mocks is AccessMocks { PreviousOutputs: var last } && last.TryGetValue(ImportedResources.OutputName, out var record)
            ? ImportedResources.FromOutputValue(record, [])
            : null;
        // What the program reads back from its last deployment (AccessStack.ReadPreviousDeploymentAsync), so the offline
        // evaluation plans what the program registers.
        var handover = mocks is AccessMocks { PreviousOutputs: var recordedOutputs } ? EntitlementsHandover.FromOutputs(key => recordedOutputs.GetValueOrDefault(key)) : null;
        var expected = TopologyEvaluator.Evaluate(file.ToInput() with { CredentialSchedule = schedule, EntitlementsHandover = handover, ImportedResources = imported }, now);
        if (mocks is AccessMocks access && expected.Model is { } declared)
        {
            access.SelfStack = stack;
            // The directory holds what the config looks up (less what a test marks missing), plus one stranger each.
            access.LiveGroupNames = [.. declared.Groups.Values.Select(g => g.DisplayName), "someone-elses-group"];
            access.LiveApplicationIds = [.. declared.ServicePrincipals.Values.Select(s => s.ApplicationId).OfType<string>(),
                .. declared.Deployer?.AdminApplicationIds ?? [], "00000000-0000-0000-0000-00000000abcd"];
        }

        var observed = new List<ObservedResource>();
        var options = new BuildOptions { RevocationRun = revocationRun };
        options.ResourceTransformations.Add(args =>
        {
            lock (observed)
            {
                observed.Add(new ObservedResource(args.Resource, args.Args, args.Options));
            }

            return null;
        });

        var (resources, outputs) = await Deployment.TestAsync(
            mocks,
            new TestOptions { IsPreview = preview, StackName = stack, ProjectName = StackFile.DefaultProject },
            () => AccessStack.Run(file.ToInput(), new FakeTimeProvider(now), secretConfig, Settings, options));
        return await new StackRun(stack, expected, mocks as AccessMocks ?? new AccessMocks(), resources, outputs, observed).ResolveAsync();
    }

    public ObservedResource ObservedNamed(string name) =>
        Observed.SingleOrDefault(o => o.Name == name) ?? throw new Xunit.Sdk.XunitException($"'{name}' was not constructed");

    public T Component<T>(string name)
        where T : ComponentResource =>
        Resources.OfType<T>().SingleOrDefault(c => c.GetResourceName() == name)
        ?? throw new Xunit.Sdk.XunitException($"no {typeof(T).Name} '{name}'");

    public Task<T> OutputAsync<T>(string key) =>
        Outputs.TryGetValue(key, out var value) && value is Output<T> output
            ? OutputUtilities.GetValueAsync(output)
            : throw new Xunit.Sdk.XunitException($"stack output '{key}' is missing or not an Output<{typeof(T).Name}>");

    /// <summary>
    /// The provider reference every account-level resource must carry: the account provider's URN and id (null when
    /// the plan has no account provider).
    /// </summary>
    public string? AccountProviderRef { get; private set; }

    private async Task<StackRun> ResolveAsync()
    {
        if (Resources.OfType<Pulumi.Databricks.Provider>().SingleOrDefault() is { } provider)
        {
            var urn = await OutputUtilities.GetValueAsync(provider.Urn);
            var id = await OutputUtilities.GetIsKnownAsync(provider.Id) ? await OutputUtilities.GetValueAsync(provider.Id) : UnknownId;
            Assert.Contains($"{PulumiTypes.DatabricksProvider}::{Plan.AccountProviderResource}", urn, StringComparison.Ordinal);
            AccountProviderRef = $"{urn}::{id}";
        }

        return this;
    }
}

internal static class Repo
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Pulumi.yaml above {AppContext.BaseDirectory}");
    });

    public static string Root => LazyRoot.Value;
}

/// <summary>Reading the nested values the mocks receive (maps and lists of the engine's wire form).</summary>
internal static class Wire
{
    public static object? At(this IReadOnlyDictionary<string, object> values, params string[] path)
    {
        object? current = values;
        foreach (var key in path)
        {
            current = current switch
            {
                IReadOnlyDictionary<string, object?> d => d.TryGetValue(key, out var v) ? v : null,
                _ => null,
            };
        }

        return current;
    }

    public static string? Str(this IReadOnlyDictionary<string, object> values, params string[] path) => values.At(path) as string;

    public static IReadOnlyList<object?> List(this IReadOnlyDictionary<string, object> values, params string[] path) =>
        values.At(path) switch
        {
            ImmutableArray<object?> a => a,
            _ => [],
        };

    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Maps(this IReadOnlyDictionary<string, object> values, params string[] path) =>
        values.List(path).OfType<IReadOnlyDictionary<string, object?>>().ToList();

    public static IReadOnlyList<string> Strings(this IReadOnlyDictionary<string, object> values, params string[] path) =>
        values.List(path).OfType<string>().ToList();
}
