using System.Text.Json;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// The deploy path's last check: reads <c>pulumi preview --json</c> and refuses a preview that deletes or replaces what
/// revokes access beyond the change itself: a <c>Grants</c>, the workspace's token <c>Permissions</c>, a protected
/// resource, a per-principal resource of a principal the stack does not create, or both slots of a credential at once;
/// and a create-first replacement of a resource whose id survives the replacement (a Databricks <c>Secret</c>) while its
/// old state has no <c>retainOnDelete</c>: the engine skips the replaced resource's Delete only when the OLD state has the
/// flag (pulumi v3.258.0 pkg/resource/deploy/step.go:626-662 DeleteStep.Apply), so the delete would remove the new value.
/// One finding per line; an explicit override (<c>--allow-unsafe</c>, the deploy workflow's <c>allow_unsafe_migration</c>
/// input) lets an intended migration through.
/// </summary>
public static class MigrationGuard
{
    /// <summary>
    /// Step operations that delete what the old state holds (pulumi/pulumi v3.258.0 pkg/resource/deploy/step.go
    /// :2235-2251, the StepOp constants). <c>pulumi preview --json</c> shows a replacement as its one logical
    /// <c>replace</c> step: the non-logical <c>create-replacement</c> / <c>delete-replaced</c> halves are left out of JSON
    /// output (pkg/backend/display/display.go shouldShow :318-323, ShowReplacementSteps is off). They, the read
    /// replacements and <c>import-replacement</c> are listed too, so a digest printed with replacement steps is read
    /// the same. <c>read</c> (the program's own stack reference), <c>refresh</c> and <c>same</c> change nothing.
    /// </summary>
    private static readonly HashSet<string> Removing = new(StringComparer.Ordinal)
    {
        "delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced", "read-replacement", "import-replacement",
    };

    public static IReadOnlyList<string> Check(string previewJson, ResourcePlan plan)
    {
        using var doc = JsonDocument.Parse(previewJson);
        var removed = new Dictionary<string, (string Type, string Op, bool Protected)>(StringComparer.Ordinal);
        var replacements = new Dictionary<string, Replacement>(StringComparer.Ordinal);
        if (doc.RootElement.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var step in steps.EnumerateArray())
            {
                index++;
                var op = step.TryGetProperty("op", out var o) ? o.GetString() ?? string.Empty : string.Empty;
                var urn = step.TryGetProperty("urn", out var u) ? u.GetString() ?? string.Empty : string.Empty;
                if (!Removing.Contains(op) || urn.Length == 0)
                {
                    continue;
                }

                var name = urn[(urn.LastIndexOf("::", StringComparison.Ordinal) + 2)..];
                var typePart = urn[..urn.LastIndexOf("::", StringComparison.Ordinal)];
                var type = typePart[(typePart.LastIndexOf('$') + 1)..];
                if (type.Contains("::", StringComparison.Ordinal))
                {
                    type = type[(type.LastIndexOf("::", StringComparison.Ordinal) + 2)..];
                }
                var isProtected = step.TryGetProperty("oldState", out var old) && old.ValueKind == JsonValueKind.Object
                    && old.TryGetProperty("protect", out var p) && p.ValueKind == JsonValueKind.True;
                removed[name] = (type, op, isProtected || (removed.TryGetValue(name, out var seen) && seen.Protected));
                if (op is "replace" or "create-replacement" or "delete-replaced")
                {
                    var retained = step.TryGetProperty("oldState", out var state) && state.ValueKind == JsonValueKind.Object
                        && state.TryGetProperty("retainOnDelete", out var r) && r.ValueKind == JsonValueKind.True;
                    var seenReplacement = replacements.GetValueOrDefault(name) ?? new Replacement(type);
                    replacements[name] = seenReplacement with
                    {
                        Retained = seenReplacement.Retained || retained,
                        Created = op == "create-replacement" && seenReplacement.Created == 0 ? index : seenReplacement.Created,
                        Deleted = op == "delete-replaced" && seenReplacement.Deleted == 0 ? index : seenReplacement.Deleted,
                    };
                }
            }
        }

        var findings = new List<string>();
        var radius = plan.BlastRadius.Select(x => x.Resource.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, (type, op, isProtected)) in removed.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var why = type == PulumiTypes.Grants ? "a Grants: its delete revokes every grant on the securable"
                : name == plan.TokenUsageResource || (type == PulumiTypes.Permissions && name == "token-usage") ? "the workspace's token permissions: a delete leaves token use to admins only"
                : isProtected ? "a protected resource"
                : radius.Contains(name) ? "a per-principal resource of a principal this stack does not create: its delete revokes everything that principal holds there"
                : null;
            if (why is not null)
            {
                findings.Add($"{name}: the preview would {op} {why}");
            }
        }

        var planned = plan.AllResources.Select(x => x.Resource).GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var (name, replacement) in replacements.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (replacement.Retained || !ResourceTraits.ByType.TryGetValue(replacement.Type, out var traits) || !traits.IdFromInputs)
            {
                continue;
            }

            // The order: from the replacement steps when the preview shows them (--show-replacement-steps), else as the
            // program registers it (the plan's deleteBeforeReplace decides it, over the provider's default).
            var createFirst = replacement is { Created: > 0, Deleted: > 0 }
                ? replacement.Created < replacement.Deleted
                : planned.TryGetValue(name, out var r) && !r.DeleteBeforeReplace;
            if (createFirst)
            {
                findings.Add($"{name}: the preview would replace it create-first while its state has no retainOnDelete: the new object has the same id ({traits.Replaces} force a replacement), so the delete that follows removes what the create wrote (pulumi/pulumi-databricks#642); replace it delete-first, or let a run that replaces nothing record retainOnDelete first");
            }
        }

        foreach (var credential in plan.ServicePrincipals.SelectMany(s => s.Credentials))
        {
            var slots = credential.AllSlots.Select(s => s.ResourceName).ToList();
            if (slots.All(removed.ContainsKey))
            {
                findings.Add($"{credential.Principal} {credential.Spec.KindName}: the preview would replace or delete both slots ({string.Join(", ", slots)}): consumers would lose the credential they hold at once");
            }
        }

        return findings;
    }

    /// <summary>
    /// One resource's replacement in the preview: its type, whether its OLD state has <c>retainOnDelete</c> (the replace,
    /// create-replacement and delete-replaced steps carry the old state: pkg/backend/display/json.go getPreviewMetadataStep,
    /// sdk/go/common/apitype/core.go ResourceV3 <c>retainOnDelete</c>), and the positions of its create-replacement and
    /// delete-replaced steps (0: not shown).
    /// </summary>
    private sealed record Replacement(string Type, bool Retained = false, int Created = 0, int Deleted = 0);
}
