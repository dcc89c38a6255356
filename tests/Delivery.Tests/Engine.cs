using System.Text.Json;
using System.Text.Json.Nodes;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Documents shaped like the Pulumi CLI's own (v3.258.0), for the scheduled scripts' jq filters:
/// <list type="bullet">
/// <item><c>pulumi stack export</c>: <c>{ version: 3, deployment: { manifest, secrets_providers, resources } }</c>,
/// each resource an <c>apitype.ResourceV3</c> (urn, custom, id, type, inputs, outputs, parent, provider, dependencies,
/// created, modified, ...) [fact: cli-stack-output] [fact: preview-json-digest];</item>
/// <item><c>pulumi preview --json</c> and <c>pulumi destroy --preview-only --json</c>: <c>display.PreviewDigest</c>,
/// printed by <c>ShowPreviewDigest</c> with four-space indentation [fact: preview-json-digest]: steps <c>{ op, urn, provider, oldState, newState, diffReasons, replaceReasons, detailedDiff }</c>
/// (<c>detailedDiff</c> always present, null without a diff), <c>diagnostics</c>, <c>duration</c>,
/// <c>changeSummary</c>. <c>same</c> steps appear only for the root stack; a replacement is one logical
/// <c>replace</c> step [fact: preview-hides-replacement-steps].</item>
/// <item><c>pulumi preview --refresh --json</c>: the same digest, where every refreshed resource is also listed as a
/// step with op <c>refresh</c> (the op becomes <c>RefreshStep.ResultOp()</c> only for <c>pulumi refresh</c>; an
/// outputs event rewrites a step only when its op is update/delete after a refresh, which a preview never sends);
/// <c>RefreshStep.Logical()</c> is false, so refresh steps are not counted in <c>changeSummary</c>
/// [fact: preview-json-digest]. A resource the program reads (<c>Resource.Get</c>) is a <c>read</c> step
/// [fact: engine-read-steps].</item>
/// </list>
/// </summary>
internal static class Engine
{
    public const string Project = "databricks-access";
    public const string GroupMember = "databricks:index/groupMember:GroupMember";
    public const string Group = "databricks:index/group:Group";
    public const string GroupComponent = "databricks-access:index:GroupAccess";
    public const string SpComponent = "databricks-access:index:DatabricksServicePrincipal";
    public const string ScopeComponent = "databricks-access:index:SecretScopeAccess";
    public const string OAuthSecret = "databricks:index/servicePrincipalSecret:ServicePrincipalSecret";
    public const string OboToken = "databricks:index/oboToken:OboToken";
    public const string Secret = "databricks:index/secret:Secret";
    public const string WebApp = "azure-native:web:WebApp";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 4 };

    public static string StackUrn(string stack) => $"urn:pulumi:{stack}::{Project}::pulumi:pulumi:Stack::{Project}-{stack}";

    public static string Urn(string stack, string? parentType, string type, string name) =>
        $"urn:pulumi:{stack}::{Project}::{(parentType is null ? type : $"{parentType}${type}")}::{name}";

    public static string ProviderRef(string stack, string name = "default_1_106_0") =>
        $"urn:pulumi:{stack}::{Project}::pulumi:providers:databricks::{name}::04da6b54-80e4-46f7-96ec-b56ff0331ba9";

    /// <summary>One resource as the state holds it.</summary>
    public static JsonObject Resource(string urn, string type, string id, string? created, string? parent = null, JsonObject? inputs = null)
    {
        var r = new JsonObject
        {
            ["urn"] = urn,
            ["custom"] = true,
            ["id"] = id,
            ["type"] = type,
            ["inputs"] = inputs ?? new JsonObject(),
            ["outputs"] = (inputs ?? new JsonObject()).DeepClone(),
            ["parent"] = parent,
            ["provider"] = ProviderRef(urn.Split("::")[0]["urn:pulumi:".Length..]),
            ["propertyDependencies"] = new JsonObject(),
        };
        if (created is not null)
        {
            r["created"] = created;
            r["modified"] = created;
        }

        if (parent is null)
        {
            r.Remove("parent");
        }

        return r;
    }

    public static JsonObject Component(string stack, string type, string name) => new()
    {
        ["urn"] = Urn(stack, null, type, name),
        ["custom"] = false,
        ["type"] = type,
        ["parent"] = StackUrn(stack),
        ["created"] = "2026-09-01T10:00:00.000000001Z",
        ["modified"] = "2026-09-01T10:00:00.000000001Z",
    };

    /// <summary>`pulumi stack export` of a stack holding these resources (after its root stack).</summary>
    public static string Export(string stack, params JsonObject[] resources)
    {
        var all = new JsonArray
        {
            new JsonObject
            {
                ["urn"] = StackUrn(stack),
                ["custom"] = false,
                ["type"] = "pulumi:pulumi:Stack",
                ["outputs"] = new JsonObject { ["unmanagedMembers"] = new JsonObject() },
                ["created"] = "2026-09-01T10:00:00.000000001Z",
                ["modified"] = "2026-11-20T09:00:00.5Z",
            },
        };
        foreach (var r in resources)
        {
            all.Add(r.DeepClone());
        }

        return new JsonObject
        {
            ["version"] = 3,
            ["deployment"] = new JsonObject
            {
                ["manifest"] = new JsonObject { ["time"] = "2026-11-20T09:00:01.2Z", ["magic"] = "9f3c", ["version"] = "v3.258.0" },
                ["secrets_providers"] = new JsonObject { ["type"] = "service", ["state"] = new JsonObject { ["url"] = "https://api.pulumi.com", ["owner"] = "contoso", ["project"] = Project, ["stack"] = stack } },
                ["resources"] = all,
            },
        }.ToJsonString(Indented);
    }

    /// <summary>One step of a preview digest; states are copies of state resources.</summary>
    public static JsonObject Step(string op, JsonObject? oldState, JsonObject? newState, params string[] replaceReasons)
    {
        var urn = (string)(oldState ?? newState)!["urn"]!;
        var step = new JsonObject
        {
            ["op"] = op,
            ["urn"] = urn,
            ["provider"] = ((oldState ?? newState)!["provider"] as JsonValue)?.GetValue<string>(),
        };
        if (oldState is not null)
        {
            step["oldState"] = oldState.DeepClone();
        }

        if (newState is not null)
        {
            step["newState"] = newState.DeepClone();
        }

        if (op is "update" or "replace")
        {
            step["diffReasons"] = new JsonArray(replaceReasons.Length == 0 ? [JsonValue.Create("string_value")] : replaceReasons.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray());
        }

        if (op == "replace")
        {
            step["replaceReasons"] = new JsonArray(replaceReasons.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray());
        }

        step["detailedDiff"] = op is "update" or "replace"
            ? new JsonObject { [(replaceReasons.FirstOrDefault() ?? "string_value")] = new JsonObject { ["kind"] = op == "replace" ? "update-replace" : "update", ["inputDiff"] = true } }
            : null;
        return step;
    }

    /// <summary>
    /// A <c>refresh</c> step of <c>preview --refresh</c>: the digest's step of a RefreshStep (op refresh, old the state,
    /// new the refreshed state, the changed keys as diffReasons, detailedDiff null when the live resource matches)
    /// [fact: preview-json-digest] [fact: engine-refresh-reads].
    /// </summary>
    public static JsonObject Refresh(JsonObject state, params string[] changedKeys)
    {
        var step = new JsonObject
        {
            ["op"] = "refresh",
            ["urn"] = (string)state["urn"]!,
            ["provider"] = (state["provider"] as JsonValue)?.GetValue<string>(),
            ["oldState"] = state.DeepClone(),
            ["newState"] = state.DeepClone(),
        };
        if (changedKeys.Length > 0)
        {
            step["diffReasons"] = new JsonArray(changedKeys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray());
            step["detailedDiff"] = new JsonObject(changedKeys.Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject { ["kind"] = "update", ["inputDiff"] = false })));
        }
        else
        {
            step["detailedDiff"] = null;
        }

        return step;
    }

    /// <summary>A <c>read</c> step: a resource the program looks up [fact: engine-read-steps].</summary>
    public static JsonObject Read(JsonObject state) => new()
    {
        ["op"] = "read",
        ["urn"] = (string)state["urn"]!,
        ["provider"] = (state["provider"] as JsonValue)?.GetValue<string>(),
        ["oldState"] = state.DeepClone(),
        ["newState"] = state.DeepClone(),
        ["detailedDiff"] = null,
    };

    /// <summary>
    /// The program's read of its own stack's outputs (infra/Infra AccessStack.ReadPreviousDeploymentAsync): a
    /// <c>pulumi:pulumi:StackReference</c> named <c>previous-deployment</c>, read through the default <c>pulumi</c>
    /// provider. The engine generates a read step for it on every run of the program, targeted or not, and the JSON
    /// digest shows it [fact: engine-read-steps].
    /// </summary>
    public static JsonObject SelfRead(string stack)
    {
        var urn = Urn(stack, null, "pulumi:pulumi:StackReference", "previous-deployment");
        var state = new JsonObject
        {
            ["urn"] = urn,
            ["custom"] = true,
            ["external"] = true,
            ["id"] = $"org/{Project}/{stack}",
            ["type"] = "pulumi:pulumi:StackReference",
            ["inputs"] = new JsonObject { ["name"] = $"org/{Project}/{stack}" },
            ["provider"] = $"urn:pulumi:{stack}::{Project}::pulumi:providers:pulumi::default::2c9b3e52-3f7e-4f0c-9b56-1f1c3e5d0a11",
        };
        return Read(state);
    }

    /// <summary>
    /// A preview digest: the root stack's `same` step first, then, when the program ran (a preview or up, not a
    /// <c>destroy --run-program=false</c>), its read of its own outputs (<see cref="SelfRead"/>), then the given steps.
    /// </summary>
    public static string Digest(string stack, IEnumerable<JsonObject> steps, JsonArray? diagnostics = null, bool programRan = true)
    {
        var root = new JsonObject { ["urn"] = StackUrn(stack), ["custom"] = false, ["type"] = "pulumi:pulumi:Stack" };
        var list = new JsonArray { new JsonObject { ["op"] = "same", ["urn"] = StackUrn(stack), ["oldState"] = root.DeepClone(), ["newState"] = root.DeepClone(), ["detailedDiff"] = null } };
        if (programRan)
        {
            steps = steps.Prepend(SelfRead(stack));
        }

        var summary = new JsonObject { ["same"] = 40 };
        foreach (var s in steps)
        {
            list.Add(s.DeepClone());
            var op = (string)s["op"]!;
            if (op is "refresh" or "read")
            {
                // Not logical steps: only those count in ResourceChanges [fact: preview-json-digest].
                continue;
            }

            summary[op] = (summary[op]?.GetValue<int>() ?? 0) + 1;
        }

        var digest = new JsonObject
        {
            ["config"] = new JsonObject { ["databricks:host"] = "https://adb-1.1.azuredatabricks.net", ["databricks-access:publishingApiToken"] = "[secret]" },
            ["steps"] = list,
            ["duration"] = 4_213_000_000L,
            ["changeSummary"] = summary,
        };
        if (diagnostics is not null)
        {
            digest["diagnostics"] = diagnostics;
        }

        return digest.ToJsonString(Indented);
    }

    public static JsonObject Diagnostic(string severity, string message) => new() { ["message"] = message, ["severity"] = severity };
}
