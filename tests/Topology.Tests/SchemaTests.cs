using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;
using Json.Schema;
using Vocabulary = DatabricksAccess.Topology.Model.Vocabulary;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// The JSON Schema editors use for <c>Pulumi.&lt;stack&gt;.yaml</c> (schema/pulumi-stack.schema.json) says what the
/// binder reads: the same keys in every map, the same vocabularies, and both stack files are valid against it.
/// </summary>
public partial class SchemaTests
{
    private static readonly string SchemaPath = Path.Combine(RepoRoot, "schema", "pulumi-stack.schema.json");

    private static readonly JsonObject Schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!.AsObject();

    [Theory]
    [InlineData("Pulumi.dev.yaml")]
    [InlineData("Pulumi.prod.yaml")]
    public void Both_stack_files_are_valid_against_the_schema_and_point_editors_at_it(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot, file));
        Assert.StartsWith("# yaml-language-server: $schema=./schema/pulumi-stack.schema.json\n", text, StringComparison.Ordinal);
        Assert.Equal([], Validate(text));
    }

    [Theory]
    [InlineData("groups:\n  g: { membrs: [user:a@contoso.com] }\n", "/config/databricks-access:topology/groups/g/membrs")]
    [InlineData("groups:\n  g: { level: galaxy }\n", "/config/databricks-access:topology/groups/g/level")]
    [InlineData("servicePrincipals:\n  ci: { token: { lifetimeDays: 30, rotationDays: 25, store: \"app/bad key\" } }\n", "/config/databricks-access:topology/servicePrincipals/ci/token/store")]
    [InlineData("catalogGrants:\n  - { on: catalog:main, to: group:g, privileges: [FLY] }\n", "/config/databricks-access:topology/catalogGrants/0/privileges/0")]
    [InlineData("webApps:\n  a: { runtime: \"RUBY|2.7\" }\n", "/config/databricks-access:topology/webApps/a/runtime")]
    [InlineData("servicePrincipals:\n  a: { accountRoles: [metastore_admin] }\n", "/config/databricks-access:topology/servicePrincipals/a/accountRoles/0")]
    [InlineData("tokenPolicy: { maxLifetimeDays: 0 }\n", "/config/databricks-access:topology/tokenPolicy/maxLifetimeDays")]
    [InlineData("warehouses:\n  w: { id: abc, name: x, owner: user:o@contoso.com, canUse: [user:a@contoso.com] }\n", "/config/databricks-access:topology/warehouses/w/name")]
    public void The_schema_rejects_what_the_binder_rejects(string topology, string location)
    {
        var errors = Validate(StackYaml(topology));
        Assert.True(errors.Any(e => e.StartsWith(location + ":", StringComparison.Ordinal)), string.Join("\n", errors));
        Assert.NotEqual(0, Evaluate(topology).ExitCode);
    }

    [Fact]
    public void A_plain_provider_credential_is_invalid_for_editors_too() =>
        Assert.Contains(Validate(StackYaml("groups: {}", extra: "  databricks:token: dapi123\n")), e => e.StartsWith("/config/databricks:token:", StringComparison.Ordinal));

    [Fact]
    public void Every_map_the_binder_reads_allows_exactly_the_keys_the_schema_lists()
    {
        var recorded = new List<(string Path, string[] Allowed)>();
        NodeReader.AllowedKeys.Value = recorded;
        try
        {
            var stack = StackFile.Load(Fixture("complete.yaml"));
            TopologyEvaluator.Evaluate(stack.ToInput(), Now);
        }
        finally
        {
            NodeReader.AllowedKeys.Value = null;
        }

        var seen = new HashSet<string>();
        foreach (var (path, allowed) in recorded)
        {
            var pattern = Regex.Replace(Regex.Replace(path, @"\[\d+\]", "[]"), @"\.(webApps|servicePrincipals|groups|secretScopes|jobs|secrets|warehouses)\.[^.\[]+", ".$1.*");
            if (!seen.Add(pattern))
            {
                continue;
            }

            var keys = Properties(Resolve(path), path);
            Assert.True(keys.Order().SequenceEqual(allowed.Order()),
                $"{pattern}: the binder allows [{string.Join(", ", allowed.Order())}], the schema lists [{string.Join(", ", keys.Order())}]");
        }

        // Every map of a stack file was reached (else the fixture misses a section).
        Assert.Superset(
            new HashSet<string>
            {
                "account", "deployer", "policy", "policy.exceptions[]", "topology", "topology.resourceGroup", "topology.tokenUsage", "topology.webApps.*",
                "topology.servicePrincipals.*", "topology.servicePrincipals.*.oauthSecret", "topology.servicePrincipals.*.token",
                "topology.groups.*", "topology.groups.*.members[]", "topology.secretScopes.*", "topology.secretScopes.*.keyVault", "topology.secretScopes.*.secrets.*",
                "topology.catalogGrants[]", "topology.jobs.*", "topology.jobs.*.schedule",
                "topology.tokenPolicy", "topology.warehouses.*", "topology.groups.*.members", "topology.servicePrincipals.*.oauthSecret.store",
            },
            seen);
    }

    [Fact]
    public void Vocabularies_are_the_binders()
    {
        JsonNode Def(string name) => Schema["$defs"]![name]!;
        Assert.Equal(Vocabulary.Entitlements.Order(), Enum(Def("entitlements")["items"]!).Order());
        Assert.Equal(Vocabulary.AppServiceTiers.Keys.Order(), Enum(Def("webApp")["properties"]!["sku"]!).Order());
        Assert.Equal(Vocabulary.WebAppRuntimes.Order(), Enum(Def("webApp")["properties"]!["runtime"]!).Order());
        Assert.Equal(Vocabulary.AccountRoles.Order(), Enum(Def("servicePrincipal")["properties"]!["accountRoles"]!["items"]!).Order());
        Assert.Equal(Vocabulary.Rules.All.Order(), Enum(Def("policy")["properties"]!["exceptions"]!["items"]!["properties"]!["rule"]!).Order());
        Assert.Equal(Vocabulary.Privileges.Values.SelectMany(p => p).Distinct().Order(), Enum(Def("catalogGrant")["properties"]!["privileges"]!["items"]!).Order());
        var securable = new Regex(Def("securable")["pattern"]!.GetValue<string>());
        Assert.All(Vocabulary.SecurableKinds, k => Assert.Matches(securable, k.Key == "metastore" ? "metastore" : $"{k.Key}:{string.Join('.', Enumerable.Repeat("x", Vocabulary.NameParts(k.Value)))}"));
        Assert.Equal(["READ", "WRITE", "MANAGE"], Enum(Def("secretScope")["properties"]!["acls"]!["additionalProperties"]!).Where(v => v.All(char.IsUpper)));
        Assert.All(Vocabulary.SecretPermissions.Keys, k => Assert.Contains(k, Enum(Def("secretScope")["properties"]!["acls"]!["additionalProperties"]!)));
    }

    private static IEnumerable<string> Enum(JsonNode node) => node["enum"]!.AsArray().Select(v => v!.GetValue<string>());

    /// <summary>Schema validation errors of a stack file's text, each "instance location: message".</summary>
    private static List<string> Validate(string yaml)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(SchemaPath));
        using var document = JsonDocument.Parse(ToJson(YamlConfig.Parse(yaml, "stack.yaml"))!.ToJsonString());
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).ToList();
    }

    /// <summary>A YAML config tree as JSON, plain scalars typed by the YAML core schema (as editors read them).</summary>
    private static JsonNode? ToJson(ConfigNode? node) => node switch
    {
        ConfigMap map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key, ToJson(e.Value)))),
        ConfigList list => new JsonArray(list.Items.Select(ToJson).ToArray()),
        ConfigScalar { Value: null } => null,
        ConfigScalar { Quoted: false, Value: "true" or "True" or "TRUE" } => JsonValue.Create(true),
        ConfigScalar { Quoted: false, Value: "false" or "False" or "FALSE" } => JsonValue.Create(false),
        ConfigScalar { Quoted: false, Value: { } v } when Integer().IsMatch(v) => JsonValue.Create(long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
        ConfigScalar s => JsonValue.Create(s.Value),
        _ => null,
    };

    /// <summary>The schema node that describes the config map at a binder path (<c>topology.groups.g.members[1]</c>).</summary>
    private static JsonNode Resolve(string path)
    {
        var segments = Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        JsonNode node = Schema["properties"]!["config"]!["properties"]![$"databricks-access:{segments[0]}"]!;
        foreach (var segment in segments.Skip(1))
        {
            var o = Objects(node).First(x => (segment.StartsWith('[') ? x["items"] : x["properties"]?[segment] ?? x["additionalProperties"]) is JsonObject);
            node = segment.StartsWith('[') ? o["items"]! : o["properties"]?[segment] ?? o["additionalProperties"]!;
        }

        return node;
    }

    /// <summary>The object (or array) schemas a node stands for: $ref followed, oneOf/anyOf alternatives expanded.</summary>
    private static IEnumerable<JsonObject> Objects(JsonNode node, int depth = 0)
    {
        var o = node.AsObject();
        if (depth > 20)
        {
            throw new InvalidOperationException("$ref loop");
        }

        if (o["$ref"] is { } r)
        {
            return Objects(Schema["$defs"]![r.GetValue<string>()["#/$defs/".Length..]]!, depth + 1);
        }

        return (o["oneOf"] ?? o["anyOf"]) is JsonArray alternatives
            ? alternatives.SelectMany(a => Objects(a!, depth + 1))
            : o["type"]?.ToString() is "object" or "array" ? [o] : [];
    }

    /// <summary>Every key the schema allows in the map at a node (over all its object alternatives), which must allow no others.</summary>
    private static HashSet<string> Properties(JsonNode node, string path) =>
        Objects(node).Where(o => o["type"]?.ToString() == "object").SelectMany(o =>
                o["properties"] is JsonObject props && o["additionalProperties"] is JsonValue v && !v.GetValue<bool>()
                    ? props.Select(p => p.Key)
                    : throw new InvalidOperationException($"{path}: the schema object should list its properties and allow no others"))
            .ToHashSet();

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex Integer();
}
