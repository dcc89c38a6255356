using System.Text.Json;

namespace DatabricksAccess.Topology.Planning;

/// <summary>
/// The deploy path's last check: reads <c>pulumi preview --json</c> and refuses a preview that deletes or replaces what
/// revokes access beyond the change itself: a <c>Grants</c>, the workspace's token <c>Permissions</c>, a protected
/// resource, a per-principal resource of a principal the stack does not create, or both slots of a credential at once;
/// and a create-first replacement of a resource whose id survives the replacement (a Databricks <c>Secret</c>) while its
/// old state has no <c>retainOnDelete</c>: the engine skips the replaced resource's Delete only when the OLD state has the
/// flag [fact: engine-retain-on-delete-old-state], so the delete would remove the new value [fact: secret-put-overwrites].
/// One finding per line; an explicit override (<c>--allow-unsafe</c>, the deploy workflow's <c>allow_unsafe_migration</c>
/// input) lets an intended migration through.
/// </summary>
public static class MigrationGuard
{
    /// <summary>
    /// Step operations that delete what the old state holds (the StepOp constants [fact: engine-step-ops]).
    /// <c>pulumi preview --json</c> shows a replacement as its one logical <c>replace</c> step: the non-logical
    /// <c>create-replacement</c> / <c>delete-replaced</c> halves are left out of JSON output unless
    /// ShowReplacementSteps is on [fact: preview-hides-replacement-steps]. They, the read
    /// replacements and <c>import-replacement</c> are listed too, so a digest printed with replacement steps is read
    /// the same. <c>read</c> (the program's own stack reference), <c>refresh</c> and <c>same</c> change nothing.
    /// </summary>
    private static readonly HashSet<string> Removing = new(StringComparer.Ordinal)
    {
        "delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced", "read-replacement", "import-replacement",
    };

    public static IReadOnlyList<string> Check(string previewJson, ResourcePlan plan) => Check(previewJson, plan, null);

    /// <summary>
    /// As <see cref="Check(string, ResourcePlan)"/>; <paramref name="allowed"/> receives one line per step the guard lets
    /// through although it is not an import (<see cref="DefaultsAfterImport"/>), for the deploy log.
    /// </summary>
    public static IReadOnlyList<string> Check(string previewJson, ResourcePlan plan, ICollection<string>? allowed)
    {
        using var doc = JsonDocument.Parse(previewJson);
        var findings = ImportFindings(doc.RootElement, allowed);
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

    /// <summary>The engine's warning when a resource that still names an import id would be replaced [fact: engine-imported-no-replace].</summary>
    public const string StaleImportIdMessage = "previously-imported resources that still specify an ID may not be replaced";

    /// <summary>
    /// The first <c>up</c> of an adopted object is import-only. Since Pulumi 3.174.0 an import whose declared inputs differ
    /// from the live object is imported AND then updated in the same run (CHANGELOG.md 3.174.0 "import and then update a
    /// resource in a single deployment"): the import reads the object (<c>prov.Read</c> with the import id, also in a
    /// preview) and makes it the old state without checking the inputs; the engine then diffs the program's inputs
    /// against it and emits an <c>update</c> of the same URN [fact: engine-import-then-update], or a replacement, which is
    /// a warning in a preview and an error in <c>up</c> ("previously-imported resources that still specify an ID may not
    /// be replaced" [fact: engine-imported-no-replace]).
    /// In <c>pulumi preview --json</c> [fact: preview-json-digest] the import is a step with op <c>import</c> and the follow-up a second step of the same URN
    /// (<c>update</c> with <c>diffReasons</c>/<c>detailedDiff</c>, or the logical <c>replace</c> with
    /// <c>replaceReasons</c>); an import over a URN the state already holds is <c>import-replacement</c>, shown with
    /// <c>--show-replacement-steps</c> (deploy.yml) and otherwise hidden behind its logical <c>replace</c> step
    /// [fact: preview-hides-replacement-steps], then recognised by the new state's <c>importID</c>. Diagnostics carry the URN they are about (<c>display.PreviewDiagnostic</c>), severity
    /// <c>warning</c> or <c>error</c> [fact: diag-format].
    /// So: a resource this run imports with any other step than the import (update, replace, its halves, a delete), or
    /// with a warning or error about it, is one finding naming what would change. A preview that warns a resource
    /// still naming an import id cannot be replaced is refused too: the <c>up</c> would fail half-way.
    /// </summary>
    private static List<string> ImportFindings(JsonElement root, ICollection<string>? allowed)
    {
        var imported = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var other = new List<(string Urn, string Op, List<string> Keys)>();
        var defaults = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (root.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
        {
            foreach (var step in steps.EnumerateArray())
            {
                var op = Str(step, "op");
                var urn = Str(step, "urn");
                if (urn.Length == 0)
                {
                    continue;
                }

                var importsHere = op is "import" or "import-replacement"
                    || (op == "replace" && Str(step, "newState", "importID") is { Length: > 0 } id && id != Str(step, "oldState", "importID"));
                if (importsHere && !imported.ContainsKey(urn))
                {
                    imported[urn] = [];
                }

                if (op is not ("import" or "same" or "read" or "refresh"))
                {
                    if (DefaultsAfterImport(step, op, urn) is { } fields)
                    {
                        defaults[urn] = fields;
                    }
                    else
                    {
                        other.Add((urn, op, Keys(step)));
                    }
                }
            }
        }

        foreach (var (urn, op, keys) in other)
        {
            if (imported.TryGetValue(urn, out var changes))
            {
                changes.Add(keys.Count == 0 ? op : $"{op} ({string.Join(", ", keys)})");
            }
        }

        foreach (var (urn, fields) in defaults.OrderBy(kv => NameOf(kv.Key), StringComparer.Ordinal))
        {
            if (!imported.TryGetValue(urn, out var changes))
            {
                // Not imported by this run: an ordinary update, the other checks' business.
                continue;
            }

            allowed?.Add($"{NameOf(urn)}: imported by this run, then updated only to set {string.Join(", ", fields)} from empty to false, the provider's Default for an entitlement the principal does not have: the update sends the entitlements it has (docs/adoption.md)");
        }

        var findings = new List<string>();
        var stale = new SortedSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("diagnostics", out var diagnostics) && diagnostics.ValueKind == JsonValueKind.Array)
        {
            foreach (var d in diagnostics.EnumerateArray())
            {
                var urn = Str(d, "urn");
                var severity = Str(d, "severity");
                var message = Str(d, "message");
                // The message is the diagnostic's prefix and text [fact: preview-json-digest]: one line, prefix off.
                var firstLine = message.Split('\n', 2)[0].Trim();
                if (firstLine.StartsWith(severity + ": ", StringComparison.Ordinal))
                {
                    firstLine = firstLine[(severity.Length + 2)..];
                }

                if (message.Contains(StaleImportIdMessage, StringComparison.Ordinal))
                {
                    if (!imported.ContainsKey(urn))
                    {
                        stale.Add(urn);
                    }
                }

                if (severity is "warning" or "error" && imported.TryGetValue(urn, out var changes))
                {
                    changes.Add($"{severity}: {firstLine}");
                }
            }
        }

        foreach (var (urn, changes) in imported.OrderBy(kv => NameOf(kv.Key), StringComparer.Ordinal))
        {
            if (changes.Count > 0)
            {
                findings.Add($"{NameOf(urn)}: imported by this run, and the preview also has {string.Join("; ", changes.Distinct(StringComparer.Ordinal))}: the first up of an adopted object must be import-only; declare what the live object has (docs/adoption.md)");
            }
        }

        foreach (var urn in stale)
        {
            findings.Add($"{(urn.Length == 0 ? "(no resource)" : NameOf(urn))}: still names an import id and the preview would replace it: the up would fail ({StaleImportIdMessage}); the program retires import ids once deployed (docs/adoption.md)");
        }

        return findings;
    }

    /// <summary>The entitlement fields of a group or service principal (Optional, Default false [fact: scim-entitlement-fields]).</summary>
    private static readonly HashSet<string> EntitlementFields = new(StringComparer.Ordinal)
    {
        "allowClusterCreate", "allowInstancePoolCreate", "databricksSqlAccess", "workspaceAccess", "workspaceConsume",
    };

    /// <summary>
    /// The one update the first <c>up</c> of an adopted principal cannot avoid, and that changes nothing: the entitlement
    /// fields the live principal lacks, going from empty to <c>false</c>. Upstream:
    /// <list type="bullet">
    /// <item>the import's Read leaves them empty: the group's and service principal's Read call
    /// <c>entitlements.readIntoData</c>, which sets only the entitlements the principal has to true
    /// [fact: scim-entitlement-fields]; the Read for an import starts from no state, so a field Read does not set is
    /// null [fact: bridge-import-read];</item>
    /// <item>the plan puts the schema Default there, <c>false</c>, so the planned state differs from the imported one
    /// and the detailed diff says <c>add</c> for each (an absent old value [fact: bridge-import-read]);</item>
    /// <item>the update PUTs the principal with the entitlements whose fields are true; the group's update re-reads its
    /// members and groups first, and sends the roles only as that read returns them: it does not ask for <c>roles</c>;
    /// the service principal's re-reads groups and roles [fact: scim-principal-writes-entitlements]: with every
    /// changed field going to false and none to true, those are the ones Read found, so no access changes.</item>
    /// </list>
    /// So: an <c>update</c> of a Group or ServicePrincipal with no replacement, whose every changed key is an entitlement
    /// field that is empty (absent or null) in the old state's outputs, not true in the new state, and <c>add</c> in the
    /// detailed diff (the old state, the new state and the detailed diff must be there, as in a real preview). Returns
    /// those fields, or null for any other step.
    /// </summary>
    private static List<string>? DefaultsAfterImport(JsonElement step, string op, string urn)
    {
        // urn:pulumi:<stack>::<project>::[<parent type>$]<type>::<name>
        var type = urn.LastIndexOf("::", StringComparison.Ordinal) is var end and > 0 ? urn[..end] : string.Empty;
        type = type[(Math.Max(type.LastIndexOf('$'), type.LastIndexOf("::", StringComparison.Ordinal) + 1) + 1)..];
        if (op != "update" || type is not (PulumiTypes.Group or PulumiTypes.ServicePrincipal)
            || (step.TryGetProperty("replaceReasons", out var r) && r.ValueKind == JsonValueKind.Array && r.GetArrayLength() > 0))
        {
            return null;
        }

        // The shape a real preview has for such a step (the old and new states, a detailed diff for every key): a step
        // missing any of them is not known to be this one.
        var keys = Keys(step);
        if (keys.Count == 0 || !keys.All(EntitlementFields.Contains)
            || !step.TryGetProperty("oldState", out var oldState) || oldState.ValueKind != JsonValueKind.Object
            || !oldState.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Object
            || !step.TryGetProperty("newState", out var newState) || newState.ValueKind != JsonValueKind.Object
            || !step.TryGetProperty("detailedDiff", out var detailed) || detailed.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        static JsonValueKind Value(JsonElement step, string state, string part, string key) =>
            step.TryGetProperty(state, out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(part, out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty(key, out var v) ? v.ValueKind : JsonValueKind.Undefined;

        foreach (var key in keys)
        {
            var was = Value(step, "oldState", "outputs", key);
            if (was is not (JsonValueKind.Undefined or JsonValueKind.Null)
                || Value(step, "newState", "inputs", key) is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.False)
                || Value(step, "newState", "outputs", key) is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.False)
                || !detailed.TryGetProperty(key, out var d) || Str(d, "kind") != "add")
            {
                return null;
            }
        }

        return keys;
    }

    /// <summary>The keys a step would change: <c>replaceReasons</c>, <c>diffReasons</c> and the keys of <c>detailedDiff</c>, in that order, once each.</summary>
    private static List<string> Keys(JsonElement step)
    {
        var keys = new List<string>();
        foreach (var list in new[] { "replaceReasons", "diffReasons" })
        {
            if (step.TryGetProperty(list, out var a) && a.ValueKind == JsonValueKind.Array)
            {
                keys.AddRange(a.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.String).Select(k => k.GetString()!));
            }
        }

        if (step.TryGetProperty("detailedDiff", out var dd) && dd.ValueKind == JsonValueKind.Object)
        {
            keys.AddRange(dd.EnumerateObject().Select(p => p.Name));
        }

        return keys.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Str(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return string.Empty;
            }
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : string.Empty;
    }

    /// <summary>The resource name of a URN (after its last <c>::</c>).</summary>
    private static string NameOf(string urn) => urn[(urn.LastIndexOf("::", StringComparison.Ordinal) is var i and >= 0 ? i + 2 : 0)..];

    /// <summary>
    /// One resource's replacement in the preview: its type, whether its OLD state has <c>retainOnDelete</c> (the replace,
    /// create-replacement and delete-replaced steps carry the old state, ResourceV3 <c>retainOnDelete</c>
    /// [fact: preview-json-digest]), and the positions of its create-replacement and
    /// delete-replaced steps (0: not shown).
    /// </summary>
    private sealed record Replacement(string Type, bool Retained = false, int Created = 0, int Deleted = 0);
}
