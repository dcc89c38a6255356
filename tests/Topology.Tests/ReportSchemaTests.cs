using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DatabricksAccess.Cli;
using Json.Schema;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// The JSON reports are a contract that scripts read: each has a schema in schema/ (cli-check, cli-plan, cli-diff,
/// cli-access, cli-audit, cli-adopt). The output of each report on the repository's stack files is valid against its
/// schema (audit: as AuditOutput writes it; adopt: its recorded run), and the schema lists exactly the fields of the
/// typed records the report is built from (infra/Cli/JsonContract.cs, infra/Live/AuditOutput.cs): a field added,
/// removed, renamed or made optional fails here until the schema says so too.
/// </summary>
public class ReportSchemaTests
{
    private static readonly string SchemaDir = Path.Combine(RepoRoot, "schema");

    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        var review = new[] { "examples/review/base.yaml", "examples/review/head.yaml" };
        string[] files = ["Pulumi.dev.yaml", "Pulumi.prod.yaml", .. review, Fixture("prod-standing-admin.yaml"), Fixture("bad-references.yaml")];
        foreach (var file in files)
        {
            data.Add("cli-check", $"check --file {file}");
        }

        foreach (var file in files[..^1])
        {
            data.Add("cli-plan", $"plan --file {file}");
        }

        data.Add("cli-diff", $"diff --base {review[0]} --head {review[1]}");
        data.Add("cli-diff", "diff --base Pulumi.dev.yaml --head Pulumi.prod.yaml");
        data.Add("cli-diff", "diff --base Pulumi.prod.yaml --head Pulumi.dev.yaml");
        foreach (var command in AccessCommands())
        {
            data.Add("cli-access", command);
        }

        return data;
    }

    private static readonly string[] AccessQueries =
    [
        "--principal user:bob@contoso.com", "--principal group:data-scientists", "--principal sp:ci-deployer",
        "--object workspace", "--object tokens", "--object scope:app-secrets", "--object job:nightly-etl",
    ];

    /// <summary>Each access question on each stack file of the repository.</summary>
    private static IEnumerable<string> AccessCommands() =>
        AccessQueries.Select(q => $"--stack dev {q}").Concat(AccessQueries.Select(q => $"--stack prod {q}"))
            .Concat(["--stack dev --principal user:alice@contoso.com", "--stack dev --object catalog:workspace", "--stack prod --object catalog:main"])
            .Select(q => $"access {q}");

    [Theory]
    [MemberData(nameof(Runs))]
    public void Each_json_report_on_the_repository_stack_files_is_valid_against_its_schema(string schema, string command)
    {
        var json = Run(command);
        Assert.Equal([], Validate(schema, json));
    }

    [Theory]
    [InlineData("cli-check", typeof(CheckJson))]
    [InlineData("cli-plan", typeof(PlanJson))]
    [InlineData("cli-diff", typeof(DiffJson))]
    [InlineData("cli-access", typeof(AccessAnswerJson))]
    [InlineData("cli-audit", typeof(DatabricksAccess.Live.AuditJson))]
    [InlineData("cli-adopt", typeof(AdoptJson))]
    public void Each_schema_lists_exactly_the_fields_of_the_reports_contract_records(string schema, Type contract) =>
        Assert.Equal([], Differences(Load(schema), contract, OptionsOf(schema)));

    /// <summary>
    /// The audit's JSON as AuditOutput writes it (the audits of the fake workspace are in Live.Tests): findings with and
    /// without a principal, of every severity, with the account read and without (the workspace-only audit).
    /// </summary>
    [Theory]
    [InlineData("https://accounts.azuredatabricks.net/")]
    [InlineData(null)]
    public void The_audit_report_is_valid_against_its_schema(string? account)
    {
        var report = new DatabricksAccess.Live.AuditReport(
        [
            new("undeclared-admin", DatabricksAccess.Live.Severity.Critical, "user:eve@contoso.com", "group:admins", "member \"eve\"\n"),
            new("undeclared-acl", DatabricksAccess.Live.Severity.High, "group:contractors", "scope:app-secrets", "WRITE"),
            new("undeclared-grant", DatabricksAccess.Live.Severity.Medium, "user:m@contoso.com", "schema:main.sales", "EXECUTE"),
            new("missing", DatabricksAccess.Live.Severity.Low, null, "job:nightly", "no job has this name"),
        ], ["account roles were not read"]);
        var header = new DatabricksAccess.Live.AuditHeader("Pulumi.prod.yaml", Now, new Uri("https://adb-1.2.azuredatabricks.net/"), account is null ? null : new Uri(account));
        using var @out = new StringWriter();
        DatabricksAccess.Live.AuditOutput.Write(@out, DatabricksAccess.Live.AuditFormat.Json, header, report);
        Assert.Equal([], Validate("cli-audit", @out.ToString()));

        using var clean = new StringWriter();
        DatabricksAccess.Live.AuditOutput.Write(clean, DatabricksAccess.Live.AuditFormat.Json, header, new([], []));
        Assert.Equal([], Validate("cli-audit", clean.ToString()));
        Assert.NotEmpty(Validate("cli-audit", clean.ToString().Replace("\"exitCode\": 0", "\"exitCode\": 2", StringComparison.Ordinal)));
    }

    /// <summary>adopt's JSON as recorded from a run on the fake workspace (Live.Tests holds that record byte-identical to a run).</summary>
    [Fact]
    public void The_recorded_adopt_report_is_valid_against_its_schema()
    {
        var golden = File.ReadAllText(Path.Combine(RepoRoot, "tests", "Live.Tests", "Golden", "adopt.json"));
        var json = golden[..golden.IndexOf("\n--- Pulumi.adopted.yaml", StringComparison.Ordinal)];
        Assert.Contains("\"violations\":[{", json, StringComparison.Ordinal);
        Assert.Equal([], Validate("cli-adopt", json));
    }

    /// <summary>
    /// The serializer options each report is written with: check, plan, diff and access leave a null field out; the audit
    /// writes it as null (a required field whose type admits null); adopt has no null field.
    /// </summary>
    private static JsonSerializerOptions OptionsOf(string schema) => schema switch
    {
        "cli-audit" => DatabricksAccess.Live.AuditOutput.Json,
        "cli-adopt" => JsonSerializerOptions.Default,
        _ => Reports.Json,
    };

    [Fact]
    public void A_null_the_audit_writes_must_be_required_and_admit_null_in_the_schema()
    {
        var schema = Load("cli-audit");
        schema["properties"]!["account"] = new JsonObject { ["type"] = "string" };
        schema["required"]!.AsArray().RemoveAt(3); // "account"
        var differences = Differences(schema, typeof(DatabricksAccess.Live.AuditJson), DatabricksAccess.Live.AuditOutput.Json);
        Assert.Contains("$.account: always written, but not required in the schema", differences);
        Assert.Contains("$.account: the contract writes string or null, the schema says string", differences);
    }

    [Fact]
    public void A_field_the_schema_does_not_list_and_one_it_lists_in_vain_are_both_found()
    {
        var schema = Load("cli-plan");
        var resource = schema["$defs"]!["Resource"]!["properties"]!.AsObject();
        resource.Remove("importId");
        resource["imported"] = new JsonObject { ["type"] = "boolean" };
        schema["required"]!.AsArray().RemoveAt(0);
        var differences = Differences(schema, typeof(PlanJson), Reports.Json);
        Assert.Contains(differences, d => d.Contains("importId", StringComparison.Ordinal) && d.Contains("not in the schema", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Contains("imported", StringComparison.Ordinal) && d.Contains("not in the contract", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Contains("source", StringComparison.Ordinal) && d.Contains("required", StringComparison.Ordinal));
    }

    /// <summary>Every field the access schema lists appears in some answer on the stack files (no field listed in vain).</summary>
    [Fact]
    public void Every_field_of_the_access_schema_appears_in_an_answer_on_the_stack_files()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in AccessCommands())
        {
            Collect(JsonNode.Parse(Run(command))!, "$", seen);
        }

        var schema = Load("cli-access");
        var listed = Fields(schema, schema, "$").ToList();
        Assert.Equal([], listed.Where(f => !seen.Contains(f)).ToList());
    }

    private static string Run(string command)
    {
        using var @out = new StringWriter();
        using var err = new StringWriter();
        var code = Program.Run([.. command.Split(' '), "--format", "json", "--now", "2026-11-25T12:00:00Z"], @out, err, new FakeTimeProvider(Now), RepoRoot);
        Assert.True(code is 0 or 1 || (code == 2 && command.StartsWith("check", StringComparison.Ordinal)), $"{command}: exit {code}: {err}");
        return @out.ToString();
    }

    private static JsonObject Load(string schema) => JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaDir, $"{schema}.schema.json")))!.AsObject();

    private static List<string> Validate(string schema, string json)
    {
        var compiled = JsonSchema.FromText(File.ReadAllText(Path.Combine(SchemaDir, $"{schema}.schema.json")));
        using var document = JsonDocument.Parse(json);
        var result = compiled.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).ToList();
    }

    /// <summary>Where a schema and the records a report serializes differ: fields, required fields, JSON types and enum values.</summary>
    private static List<string> Differences(JsonObject schema, Type contract, JsonSerializerOptions options)
    {
        var problems = new List<string>();
        Compare(schema, schema, contract, "$", problems, [], options, nullable: false);
        return problems;
    }

    /// <summary>
    /// Compares one schema node with the type written there. <paramref name="nullable"/>: the field may be written as
    /// null (options that write nulls), so the schema's type must be <c>[T, "null"]</c>.
    /// </summary>
    private static void Compare(JsonObject root, JsonNode node, Type type, string at, List<string> problems, HashSet<Type> done,
        JsonSerializerOptions options, bool nullable)
    {
        node = Deref(root, node);
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var json = node["type"] is JsonArray list ? string.Join(" or ", list.Select(t => t!.GetValue<string>())) : node["type"]?.GetValue<string>();
        if (underlying == typeof(string) || underlying == typeof(int) || underlying == typeof(bool))
        {
            var expected = underlying == typeof(string) ? "string" : underlying == typeof(int) ? "integer" : "boolean";
            expected = nullable ? $"{expected} or null" : expected;
            if (json != expected)
            {
                problems.Add($"{at}: the contract writes {expected}, the schema says {json}");
            }

            return;
        }

        if (underlying.IsEnum)
        {
            var values = Enum.GetNames(underlying).Select(JsonNamingPolicy.KebabCaseLower.ConvertName).Order(StringComparer.Ordinal);
            var listed = (node["enum"]?.AsArray().Select(v => v!.GetValue<string>()) ?? []).Order(StringComparer.Ordinal);
            if (json != "string" || !values.SequenceEqual(listed))
            {
                problems.Add($"{at}: the contract writes one of [{string.Join(", ", values)}], the schema lists [{string.Join(", ", listed)}]");
            }

            return;
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            if (json != "object" || node["additionalProperties"] is not JsonObject values)
            {
                problems.Add($"{at}: the contract writes a map, the schema says {json}");
                return;
            }

            Compare(root, values, underlying.GetGenericArguments()[1], $"{at}.*", problems, done, options, nullable: false);
            return;
        }

        if (underlying.IsGenericType && typeof(IEnumerable).IsAssignableFrom(underlying))
        {
            if (json != "array" || node["items"] is not JsonObject items)
            {
                problems.Add($"{at}: the contract writes an array, the schema says {json}");
                return;
            }

            Compare(root, items, underlying.GetGenericArguments()[0], $"{at}[]", problems, done, options, nullable: false);
            return;
        }

        if (!done.Add(underlying))
        {
            return;
        }

        // The options as the first serialization leaves them (read-only, with the default resolver), whichever test runs first.
        if (!options.IsReadOnly)
        {
            options.MakeReadOnly(populateMissingResolver: true);
        }

        var info = options.GetTypeInfo(underlying);
        var schemaFields = node["properties"]?.AsObject() ?? [];
        var required = node["required"]?.AsArray().Select(v => v!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        if (json != "object" || node["additionalProperties"]?.GetValue<bool>() != false)
        {
            problems.Add($"{at}: an object of {underlying.Name} in the schema must be \"type\": \"object\" with \"additionalProperties\": false");
        }

        foreach (var p in info.Properties)
        {
            if (!schemaFields.ContainsKey(p.Name))
            {
                problems.Add($"{at}.{p.Name}: written by {underlying.Name}, not in the schema");
                continue;
            }

            var mayBeNull = MayBeNull(p);
            var optional = mayBeNull && options.DefaultIgnoreCondition == JsonIgnoreCondition.WhenWritingNull;
            if (optional == required.Contains(p.Name))
            {
                problems.Add($"{at}.{p.Name}: {(optional ? "left out when null, but required in the schema" : "always written, but not required in the schema")}");
            }

            Compare(root, schemaFields[p.Name]!, p.PropertyType, $"{at}.{p.Name}", problems, done, options, nullable: mayBeNull && !optional);
        }

        foreach (var name in schemaFields.Select(f => f.Key).Where(n => info.Properties.All(p => p.Name != n)))
        {
            problems.Add($"{at}.{name}: in the schema, not in the contract ({underlying.Name})");
        }

        foreach (var name in required.Where(n => !schemaFields.ContainsKey(n)))
        {
            problems.Add($"{at}.{name}: required in the schema, not one of its properties");
        }
    }

    /// <summary>Whether a field's type may be null (left out by Reports.Json, written as null by the audit).</summary>
    private static bool MayBeNull(JsonPropertyInfo p) => Nullable.GetUnderlyingType(p.PropertyType) is not null || (!p.PropertyType.IsValueType && p.IsGetNullable);

    private static JsonNode Deref(JsonObject root, JsonNode node) =>
        node["$ref"]?.GetValue<string>() is { } reference ? root["$defs"]![reference["#/$defs/".Length..]]! : node;

    /// <summary>Every field path a schema lists ("$.entries[].path[].via").</summary>
    private static IEnumerable<string> Fields(JsonObject root, JsonNode node, string at)
    {
        node = Deref(root, node);
        if (node["items"] is { } items)
        {
            return Fields(root, items, $"{at}[]");
        }

        return node["properties"] is JsonObject properties
            ? properties.SelectMany(p => Fields(root, p.Value!, $"{at}.{p.Key}").Prepend($"{at}.{p.Key}"))
            : [];
    }

    private static void Collect(JsonNode node, string at, HashSet<string> seen)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    seen.Add($"{at}.{key}");
                    if (value is not null)
                    {
                        Collect(value, $"{at}.{key}", seen);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a.OfType<JsonNode>())
                {
                    Collect(item, $"{at}[]", seen);
                }

                break;
        }
    }
}
