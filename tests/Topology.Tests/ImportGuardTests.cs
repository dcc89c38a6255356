using System.Text.Json;
using System.Text.Json.Nodes;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// The first <c>up</c> of an adopted estate is import-only: the guard reads <c>pulumi preview --json</c> in the shape the
/// CLI prints it [fact: preview-json-digest] and refuses a resource this run imports that also gets another step.
/// What the engine emits for an import: an <c>import</c> step, or an <c>import-replacement</c> plus a logical
/// <c>replace</c> over a URN the state holds, then the inputs diffed against what the import read: <c>update</c> of the
/// same URN [fact: engine-import-then-update], or <c>replace</c> plus the warning "previously-imported resources that
/// still specify an ID may not be replaced" in a preview [fact: engine-imported-no-replace].
/// </summary>
public sealed class ImportGuardTests
{
    private const string Stack = "dev";

    private const string Topology = """
        groups:
          analysts:
            displayName: Analysts
            level: workspace
            entitlements: [workspace-access]
            members: [user:alice@contoso.com]
        secretScopes:
          app:
            acls: { group:analysts: READ }
        imports:
          group-analysts-group: "g3"
          group-analysts-member-user-alice@contoso.com: "g3|u1"
          scope-app-scope: app
          scope-app-acl-group-analysts: "app|||Analysts"
        """;

    private const string GroupUrn = "urn:pulumi:dev::databricks-access::databricks-access:index:GroupAccess$databricks:index/group:Group::group-analysts-group";
    private const string AclUrn = "urn:pulumi:dev::databricks-access::databricks-access:index:SecretScopeAccess$databricks:index/secretAcl:SecretAcl::scope-app-acl-group-analysts";
    private const string ScopeUrn = "urn:pulumi:dev::databricks-access::databricks-access:index:SecretScopeAccess$databricks:index/secretScope:SecretScope::scope-app-scope";
    private const string Provider = "urn:pulumi:dev::databricks-access::pulumi:providers:databricks::default_1_106_0::04da6b54-80e4-46f7-96ec-b56ff0331ba9";

    private static JsonObject State(string urn, string id, JsonObject inputs, string? importId = null)
    {
        var type = urn.Split("::")[2];
        type = type[(type.LastIndexOf('$') + 1)..];
        var s = new JsonObject
        {
            ["urn"] = urn,
            ["custom"] = true,
            ["id"] = id,
            ["type"] = type,
            ["inputs"] = inputs.DeepClone(),
            ["outputs"] = inputs.DeepClone(),
            ["parent"] = urn.Contains("GroupAccess", StringComparison.Ordinal)
                ? "urn:pulumi:dev::databricks-access::databricks-access:index:GroupAccess::group-analysts"
                : "urn:pulumi:dev::databricks-access::databricks-access:index:SecretScopeAccess::scope-app",
            ["provider"] = Provider,
        };
        if (importId is not null)
        {
            s["importID"] = importId;
        }

        return s;
    }

    /// <summary>One <c>display.PreviewStep</c>: op, urn, provider, oldState, newState, diffReasons, replaceReasons, detailedDiff (always present).</summary>
    private static JsonObject Step(string op, string urn, JsonObject? oldState, JsonObject? newState, string[]? diffs = null, string[]? replaces = null, string kind = "update")
    {
        var step = new JsonObject { ["op"] = op, ["urn"] = urn, ["provider"] = Provider };
        if (oldState is not null)
        {
            step["oldState"] = oldState.DeepClone();
        }

        if (newState is not null)
        {
            step["newState"] = newState.DeepClone();
        }

        if (diffs is not null)
        {
            step["diffReasons"] = new JsonArray(diffs.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray());
        }

        if (replaces is not null)
        {
            step["replaceReasons"] = new JsonArray(replaces.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray());
        }

        step["detailedDiff"] = diffs is null
            ? null
            : new JsonObject(diffs.Select(d => KeyValuePair.Create(d, (JsonNode?)new JsonObject { ["kind"] = replaces?.Contains(d) == true ? "update-replace" : kind, ["inputDiff"] = false })));
        return step;
    }

    /// <summary>A <c>PreviewDigest</c>: config, the root stack's <c>same</c> step, the steps, diagnostics, duration, changeSummary.</summary>
    private static string Digest(IEnumerable<JsonObject> steps, params JsonObject[] diagnostics)
    {
        var root = new JsonObject { ["urn"] = "urn:pulumi:dev::databricks-access::pulumi:pulumi:Stack::databricks-access-dev", ["custom"] = false, ["type"] = "pulumi:pulumi:Stack" };
        var list = new JsonArray { new JsonObject { ["op"] = "same", ["urn"] = (string)root["urn"]!, ["oldState"] = root.DeepClone(), ["newState"] = root.DeepClone(), ["detailedDiff"] = null } };
        var summary = new JsonObject { ["same"] = 6 };
        foreach (var s in steps)
        {
            list.Add(s);
            var op = (string)s["op"]!;
            summary[op] = (summary[op]?.GetValue<int>() ?? 0) + 1;
        }

        var digest = new JsonObject
        {
            ["config"] = new JsonObject { ["databricks:host"] = "https://adb-1.1.azuredatabricks.net" },
            ["steps"] = list,
        };
        if (diagnostics.Length > 0)
        {
            digest["diagnostics"] = new JsonArray(diagnostics.Select(d => (JsonNode)d).ToArray());
        }

        digest["duration"] = 3_100_000_000L;
        digest["changeSummary"] = summary;
        return digest.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 });
    }

    private static readonly JsonObject GroupLive = new() { ["displayName"] = "Analysts", ["workspaceAccess"] = true, ["allowClusterCreate"] = true };
    private static readonly JsonObject AclLive = new() { ["scope"] = "app", ["principal"] = "Analysts", ["permission"] = "READ" };

    /// <summary>An import as ImportStep.Apply leaves it: the new state holds what Read returned and the import id.</summary>
    private static JsonObject Import(string urn, string id, JsonObject live) => Step("import", urn, null, State(urn, id, live, id));

    private static (int Code, string Err) Guard(string preview, params string[] extra)
    {
        var dir = Directory.CreateTempSubdirectory("guard-import").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "Pulumi.dev.yaml"), StackYaml(Topology));
            File.WriteAllText(Path.Combine(dir, "preview.json"), preview);
            var err = new StringWriter();
            var code = Program.Run(["guard", "--stack", Stack, "--preview", "preview.json", .. extra], new StringWriter(), err, new FakeTimeProvider(Now), dir);
            return (code, err.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_import_only_preview_passes()
    {
        var (code, err) = Guard(Digest([
            Import(GroupUrn, "g3", GroupLive),
            Import(AclUrn, "app|||Analysts", AclLive),
            Import(ScopeUrn, "app", new JsonObject { ["name"] = "app" }),
            Step("create", "urn:pulumi:dev::databricks-access::databricks-access:index:GroupAccess$databricks:index/entitlements:Entitlements::group-analysts-entitlements", null, State("urn:pulumi:dev::databricks-access::databricks-access:index:GroupAccess$databricks:index/entitlements:Entitlements::group-analysts-entitlements", "", new JsonObject())),
        ]));
        Assert.True(code == 0, err);
        Assert.Equal(string.Empty, err);
    }

    [Fact]
    public void An_import_followed_by_an_update_of_the_same_resource_is_refused_naming_what_would_change()
    {
        // continueStepsFromImport: the declared inputs (allowClusterCreate unset, Default false) differ from what Read filled in.
        var declared = new JsonObject { ["displayName"] = "Analysts", ["workspaceAccess"] = true, ["allowClusterCreate"] = false };
        var (code, err) = Guard(Digest([
            Import(GroupUrn, "g3", GroupLive),
            Step("update", GroupUrn, State(GroupUrn, "g3", GroupLive, "g3"), State(GroupUrn, "g3", declared, "g3"), diffs: ["allowClusterCreate"]),
            Import(AclUrn, "app|||Analysts", AclLive),
        ]));
        Assert.Equal(1, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "refused: group-analysts-group: imported by this run, and the preview also has update (allowClusterCreate): the first up of an adopted object must be import-only; declare what the live object has (docs/adoption.md)",
            Assert.Single(lines, l => l.Contains("imported by this run", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains("scope-app-acl-group-analysts", StringComparison.Ordinal));

        // The override lets an intended import-then-update through, with the same line as a warning.
        var (allowed, warned) = Guard(Digest([
            Import(GroupUrn, "g3", GroupLive),
            Step("update", GroupUrn, State(GroupUrn, "g3", GroupLive, "g3"), State(GroupUrn, "g3", declared, "g3"), diffs: ["allowClusterCreate"]),
        ]), "--allow-unsafe");
        Assert.Equal(0, allowed);
        Assert.Contains("warning (allowed by --allow-unsafe): group-analysts-group: imported by this run", warned, StringComparison.Ordinal);
    }

    /// <summary>
    /// The first up of an adopted workspace group that has workspace-access and no other entitlement, in the shape
    /// <c>pulumi preview --json</c> prints it (Fixtures/previews/import-entitlement-defaults.json): the import, then an
    /// update of the four other entitlement fields from null (the import's Read sets only those the group has) to the
    /// schema Default false [fact: scim-entitlement-fields], each an <c>add</c> in the detailed diff
    /// [fact: bridge-import-read]. The update PUTs the entitlements whose fields are true, the one the group has
    /// [fact: scim-principal-writes-entitlements]: the guard lets exactly that through and says so.
    /// </summary>
    [Fact]
    [Trait("fact", "scim-entitlement-fields")]
    [Trait("fact", "engine-import-then-update")]
    public void An_import_then_only_entitlement_fields_from_empty_to_false_passes_and_is_logged()
    {
        var (code, err) = Guard(File.ReadAllText(Fixture(Path.Combine("previews", "import-entitlement-defaults.json"))));
        Assert.True(code == 0, err);
        Assert.Equal(
            ["allowed: group-analysts-group: imported by this run, then updated only to set allowClusterCreate, allowInstancePoolCreate, databricksSqlAccess, workspaceConsume from empty to false, the provider's Default for an entitlement the principal does not have: the update sends the entitlements it has (docs/adoption.md)"],
            err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Any other change in that update, or the same shape meaning something else, is refused as before.</summary>
    [Theory]
    [InlineData("a field the group has, true to false", "workspaceAccess")]
    [InlineData("a field the group lacks, empty to true", "allowClusterCreate")]
    [InlineData("a display name besides the entitlement fields", "displayName")]
    [InlineData("the same update on another type", "type")]
    [InlineData("a replacement", "replace")]
    [InlineData("a step without its detailed diff", "no-detailed-diff")]
    [InlineData("a step without its old state", "no-old-state")]
    [InlineData("a field the diff calls an update, not an add", "kind")]
    public void Anything_beyond_entitlement_fields_from_empty_to_false_after_an_import_is_refused(string what, string edit)
    {
        var digest = JsonNode.Parse(File.ReadAllText(Fixture(Path.Combine("previews", "import-entitlement-defaults.json"))))!;
        var update = digest["steps"]!.AsArray().Single(s => (string)s!["op"]! == "update")!;
        var diffs = update["diffReasons"]!.AsArray();
        var detailed = update["detailedDiff"]!.AsObject();
        switch (edit)
        {
            case "workspaceAccess":
                update["newState"]!["inputs"]!["workspaceAccess"] = false;
                diffs.Add("workspaceAccess");
                detailed["workspaceAccess"] = new JsonObject { ["kind"] = "update", ["inputDiff"] = false };
                break;
            case "allowClusterCreate":
                update["newState"]!["inputs"]!["allowClusterCreate"] = true;
                break;
            case "displayName":
                update["newState"]!["inputs"]!["displayName"] = "Analysts EU";
                diffs.Add("displayName");
                detailed["displayName"] = new JsonObject { ["kind"] = "update", ["inputDiff"] = false };
                break;
            case "type":
                foreach (var s in digest["steps"]!.AsArray().Where(s => ((string)s!["urn"]!).EndsWith("::group-analysts-group", StringComparison.Ordinal)))
                {
                    s!["urn"] = ((string)s["urn"]!).Edit("databricks:index/group:Group", "databricks:index/entitlements:Entitlements");
                }

                break;
            case "replace":
                update["op"] = "replace";
                break;
            case "no-detailed-diff":
                update["detailedDiff"] = null;
                break;
            case "no-old-state":
                update.AsObject().Remove("oldState");
                break;
            case "kind":
                detailed["databricksSqlAccess"]!["kind"] = "update";
                break;
        }

        var (code, err) = Guard(digest.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }));
        Assert.True(code == 1, what);
        Assert.DoesNotContain("allowed:", err, StringComparison.Ordinal);
        Assert.Contains("refused: group-analysts-group: imported by this run, and the preview also has ", err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("fact", "engine-imported-no-replace")]
    public void An_import_followed_by_a_replacement_and_its_preview_warning_is_refused()
    {
        // A SecretAcl's permission forces replacement (every field ForceNew [fact: secret-acl-put]): the preview
        // shows the logical replace (the create-replacement / delete-replaced halves are hidden in JSON
        // [fact: preview-hides-replacement-steps]) and the engine's warning about the import id, which `up` turns into an error.
        var declared = new JsonObject { ["scope"] = "app", ["principal"] = "Analysts", ["permission"] = "WRITE" };
        var warning = new JsonObject
        {
            ["urn"] = AclUrn,
            ["message"] = "warning: previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program;\npermission: \"READ\" => \"WRITE\"\n",
            ["severity"] = "warning",
        };
        var (code, err) = Guard(Digest([
            Import(AclUrn, "app|||Analysts", AclLive),
            Step("replace", AclUrn, State(AclUrn, "app|||Analysts", AclLive, "app|||Analysts"), State(AclUrn, "", declared, "app|||Analysts"), diffs: ["permission"], replaces: ["permission"]),
        ], warning));
        Assert.Equal(1, code);
        var line = Assert.Single(err.Split('\n'), l => l.Contains("imported by this run", StringComparison.Ordinal));
        Assert.StartsWith("refused: scope-app-acl-group-analysts: imported by this run, and the preview also has replace (permission); warning: previously-imported resources that still specify an ID may not be replaced;", line, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("fact", "preview-hides-replacement-steps")]
    public void With_replacement_steps_shown_an_import_then_replace_is_refused_once_naming_its_halves()
    {
        // deploy.yml previews with --show-replacement-steps: the non-logical halves appear too
        // [fact: preview-hides-replacement-steps], and an import over a URN the state holds is its own
        // import-replacement step [fact: engine-imported-no-replace].
        var declared = new JsonObject { ["scope"] = "app", ["principal"] = "Analysts", ["permission"] = "WRITE" };
        var old = State(AclUrn, "app|||Analysts", AclLive, "app|||Analysts");
        var findings = MigrationGuard.Check(Digest([
            Import(AclUrn, "app|||Analysts", AclLive),
            Step("replace", AclUrn, old, State(AclUrn, "", declared, "app|||Analysts"), diffs: ["permission"], replaces: ["permission"]),
            Step("create-replacement", AclUrn, old, State(AclUrn, "", declared, "app|||Analysts"), diffs: ["permission"], replaces: ["permission"]),
            Step("delete-replaced", AclUrn, old, null),
            Step("import-replacement", ScopeUrn, State(ScopeUrn, "other", new JsonObject { ["name"] = "app" }), State(ScopeUrn, "app", new JsonObject { ["name"] = "app" }, "app")),
        ]), Evaluate(Topology).Plan!);
        Assert.Contains("scope-app-acl-group-analysts: imported by this run, and the preview also has replace (permission); create-replacement (permission); delete-replaced: the first up of an adopted object must be import-only; declare what the live object has (docs/adoption.md)", findings);
        Assert.Single(findings, f => f.StartsWith("scope-app-acl-group-analysts: imported", StringComparison.Ordinal));
        // An import over a resource the state holds replaces it: the old object is deleted afterwards (ImportStep.Apply
        // "If we were asked to replace an existing, non-External resource, pend the deletion here").
        Assert.Contains(findings, f => f.StartsWith("scope-app-scope: imported by this run, and the preview also has import-replacement:", StringComparison.Ordinal));
    }

    [Fact]
    public void An_import_over_a_resource_the_state_holds_is_seen_through_its_logical_replace_step()
    {
        // import-replacement is not a logical step and JSON output hides it; its replace step's new state carries the
        // import id the old state did not have (an import-replacement step plus a replace step [fact: engine-imported-no-replace]).
        var findings = MigrationGuard.Check(Digest([
            Step("replace", AclUrn, State(AclUrn, "app|||Old", AclLive), State(AclUrn, "app|||Analysts", AclLive, "app|||Analysts")),
        ]), Evaluate(Topology).Plan!);
        Assert.Contains(findings, f => f.StartsWith("scope-app-acl-group-analysts: imported by this run, and the preview also has replace:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_warning_about_an_imported_resource_is_refused_and_other_warnings_are_not()
    {
        var plan = Evaluate(Topology).Plan!;
        var findings = MigrationGuard.Check(Digest(
            [Import(GroupUrn, "g3", GroupLive), Import(ScopeUrn, "app", new JsonObject { ["name"] = "app" })],
            new JsonObject { ["urn"] = GroupUrn, ["message"] = "warning: inputs to import do not match the existing resource\n", ["severity"] = "warning" },
            new JsonObject { ["urn"] = ScopeUrn, ["message"] = "reading scope app\n", ["severity"] = "info" },
            new JsonObject { ["message"] = "warning: user bob@contoso.com was not found\n", ["severity"] = "warning" }), plan);
        Assert.Equal(["group-analysts-group: imported by this run, and the preview also has warning: inputs to import do not match the existing resource: the first up of an adopted object must be import-only; declare what the live object has (docs/adoption.md)"], findings);
    }

    [Fact]
    public void A_replacement_of_a_resource_that_still_names_its_import_id_is_refused_before_the_up_fails()
    {
        // Not imported by this run (the state holds it with the same import id), but the engine would fail the up.
        var findings = MigrationGuard.Check(Digest(
            [Step("replace", AclUrn, State(AclUrn, "app|||Analysts", AclLive, "app|||Analysts"), State(AclUrn, "", AclLive, "app|||Analysts"), diffs: ["permission"], replaces: ["permission"])],
            new JsonObject { ["urn"] = AclUrn, ["message"] = "warning: previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program;\n", ["severity"] = "warning" }),
            Evaluate(Topology).Plan!);
        Assert.Equal(["scope-app-acl-group-analysts: still names an import id and the preview would replace it: the up would fail (previously-imported resources that still specify an ID may not be replaced); the program retires import ids once deployed (docs/adoption.md)"], findings);
    }
}

/// <summary>The offline CLI reads the record of retired import ids from <c>pulumi stack output --json</c> as the program does.</summary>
public sealed class RetiredImportTests
{
    private const string Topology = """
        groups:
          analysts:
            displayName: Analysts
            members: [user:alice@contoso.com]
        imports:
          group-analysts-group: "g3"
          group-analysts-member-user-alice@contoso.com: "g3|u1"
        """;

    [Fact]
    public void Plan_with_the_last_outputs_shows_no_import_id_for_what_the_last_deployment_imported()
    {
        var dir = Directory.CreateTempSubdirectory("retired-imports").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "Pulumi.dev.yaml"), StackYaml(Topology));
            // `pulumi stack output --json`: two-space indentation [fact: cli-stack-output].
            File.WriteAllText(Path.Combine(dir, "outputs.json"), "{\n  \"importedResources\": [\n    \"group-analysts-group\"\n  ],\n  \"secretScopes\": []\n}\n");

            string Plan(params string[] extra)
            {
                var stdout = new StringWriter();
                Assert.Equal(0, Program.Run(["plan", "--stack", "dev", "--format", "json", .. extra], stdout, new StringWriter(), new FakeTimeProvider(Now), dir));
                using var doc = JsonDocument.Parse(stdout.ToString());
                return string.Join(",", doc.RootElement.GetProperty("resources").EnumerateArray()
                    .Where(r => r.TryGetProperty("importId", out var id) && id.ValueKind == JsonValueKind.String)
                    .Select(r => r.GetProperty("name").GetString()));
            }

            Assert.Equal("group-analysts-group,group-analysts-member-user-alice@contoso.com", Plan());
            Assert.Equal("group-analysts-member-user-alice@contoso.com", Plan("--outputs", "outputs.json"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
