using DatabricksAccess.Topology.Config;
using Pulumi;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// Every resource type the program registers, and every input it sends, is classified in <see cref="ProviderSchema"/>
/// (Optional, Default, Computed, ForceNew, what Read fills), for each stack file the repository ships and the adopted one.
/// </summary>
public sealed class SchemaCoverageTests
{
    public static TheoryData<string> Stacks => new() { "dev", "prod", "adopted" };

    private static StackFile File(string stack) => stack == "adopted"
        ? StackFile.Parse(System.IO.File.ReadAllText(Path.Combine(Repo.Root, "tests", "Infra.Tests", "Fixtures", "Pulumi.adopted.yaml"))
            + "  databricks-access:policy:\n    standingAdmins: [user:lead@contoso.com]\n", "Pulumi.adopted.yaml")
        : StackRun.Load(stack);

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Every_registered_type_and_input_is_classified(string stack)
    {
        var run = await StackRun.RunAsync(stack, File(stack), StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var program = await Deployed.FromAsync(run);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in program.Resources)
        {
            if (!ProviderSchema.ByType.TryGetValue(r.Type, out var schema))
            {
                missing.Add(r.Type);
                continue;
            }

            missing.UnionWith(r.Inputs.Keys.Where(k => schema[k] is null).Select(k => $"{r.Type}.{k}"));
        }

        Assert.True(missing.Count == 0, "not classified: " + string.Join(", ", missing));
    }

    [Fact]
    public void A_type_nobody_classified_fails_the_engine()
    {
        var r = new Registered("databricks:index/cluster:Cluster", "c", System.Collections.Immutable.ImmutableDictionary<string, object>.Empty,
            System.Collections.Immutable.ImmutableDictionary<string, object>.Empty, new EngineOptions(false, false, false, [], null), new Dictionary<string, IReadOnlySet<string>>());
        Assert.Throws<UnclassifiedException>(() => Engine.Diff(r, r.Outputs));
    }
}
