using System.Text.Json;
using System.Text.Json.Nodes;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Inside the Pulumi program the same config arrives as JSON text; it must mean exactly what the stack file says.</summary>
public class PulumiConfigTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Json_config_evaluates_exactly_like_the_stack_file(string stack)
    {
        var file = StackFile.Load(Path.Combine(RepoRoot, $"Pulumi.{stack}.yaml"));
        var fromYaml = TopologyEvaluator.Evaluate(file.ToInput(), Now);

        ConfigNode? AsPulumiGivesIt(ConfigNode? node, string key) =>
            node is null ? null : JsonConfig.Parse(ToJson(node)!.ToJsonString(), key);
        var fromJson = TopologyEvaluator.Evaluate(
            new StackConfigInput(AsPulumiGivesIt(file.Topology, "topology"), AsPulumiGivesIt(file.Policy, "policy"), AsPulumiGivesIt(file.Account, "account"), new ConfigKeyView(file.Keys))
            {
                Deployer = AsPulumiGivesIt(file.Deployer, "deployer"),
            },
            Now);

        Assert.Equal(0, fromJson.ExitCode);
        Assert.Equal(fromYaml.Plan!.AllResources, fromJson.Plan!.AllResources);
        Assert.Equal(fromYaml.Access, fromJson.Access);
    }

    [Fact]
    public void Json_errors_carry_the_same_paths()
    {
        var node = JsonConfig.Parse("""{"groups":{"g":{"members":["user:a@contoso.com",{"principal":"user:b@contoso.com","expires":"2026-12-01"}]}}}""", "topology");
        var result = TopologyEvaluator.Evaluate(new StackConfigInput(node, null, null, null), Now);
        Assert.Equal(["topology.groups.g.members[1].expires: '2026-12-01' must be an ISO-8601 timestamp with a time zone, such as 2026-12-01T18:00:00Z"], Lines(result));
    }

    [Fact]
    public void A_plain_string_where_json_is_expected_is_a_shape_error_not_a_crash()
    {
        var result = TopologyEvaluator.Evaluate(new StackConfigInput(JsonConfig.Parse("not json", "topology"), null, null, null), Now);
        Assert.Equal(["topology: expected a map, found a scalar"], Lines(result));
    }

    /// <summary>What Pulumi does with a stack file's object value: YAML numbers and booleans become JSON ones.</summary>
    private static JsonNode? ToJson(ConfigNode node) => node switch
    {
        ConfigMap map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key, ToJson(e.Value)))),
        ConfigList list => new JsonArray(list.Items.Select(ToJson).ToArray()),
        ConfigScalar { Value: null } => null,
        ConfigScalar { Quoted: false, Value: "true" or "false" } s => JsonValue.Create(s.Value == "true"),
        ConfigScalar { Quoted: false } s when long.TryParse(s.Value, out var n) => JsonValue.Create(n),
        ConfigScalar s => JsonValue.Create(s.Value),
        _ => throw new JsonException("unknown node"),
    };
}
