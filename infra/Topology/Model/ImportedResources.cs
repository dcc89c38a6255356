using System.Collections.Immutable;
using System.Text.Json;

namespace DatabricksAccess.Topology.Model;

/// <summary>
/// Import ids are retired once the stack holds what they imported. While a resource still names an import id, the engine
/// refuses to replace it: an <c>up</c> that would replace it fails ("previously-imported resources that still specify an
/// ID may not be replaced; please remove the `import` declaration from your program" [fact: engine-imported-no-replace]),
/// and the SDK says to remove the option after the import [fact: dotnet-import-id]. So every deployment records, in the
/// stack output <c>importedResources</c>, the names of the resources the state holds because an import id brought them in
/// (each added only once its import resolved its id), and the next run passes no <c>ImportId</c> for them: no commit to
/// the stack file is needed. The program reads the record from its own stack's outputs; the offline CLI from
/// <c>pulumi stack output --json</c> (<c>--outputs</c>).
/// </summary>
public static class ImportedResources
{
    /// <summary>The stack output that carries the record.</summary>
    public const string OutputName = "importedResources";

    public static readonly IReadOnlySet<string> None = ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>The import ids still to apply: those of <paramref name="importIds"/> whose resource the record does not hold.</summary>
    public static IReadOnlyDictionary<string, string> Pending(IReadOnlyDictionary<string, string> importIds, IReadOnlySet<string> imported) =>
        imported.Count == 0 ? importIds : importIds.Where(kv => !imported.Contains(kv.Key)).ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The record a deployment leaves: what the previous one recorded and this plan still registers (a resource that left
    /// the plan is deleted by this <c>up</c>, so an import id for it would import again), and what this run imported.
    /// </summary>
    public static ImmutableArray<string> Record(IEnumerable<string> previous, IEnumerable<string> importedNow, IReadOnlySet<string> planned) =>
        [.. previous.Where(planned.Contains).Concat(importedNow).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The output's value as a Pulumi program gets it back (a list of strings, or null when absent).</summary>
    public static IReadOnlySet<string> FromOutputValue(object? value, List<string> problems)
    {
        if (value is null)
        {
            return None;
        }

        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(value));
        return Parse(doc.RootElement, problems);
    }

    /// <summary>From <c>pulumi stack output --json</c>: no <c>importedResources</c> is an empty record.</summary>
    public static IReadOnlySet<string> FromStackOutputs(string json, List<string> problems)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(OutputName, out var list)
                ? Parse(list, problems)
                : None;
        }
        catch (JsonException)
        {
            // CredentialSchedule.FromStackOutputs reports the unreadable document once.
            return None;
        }
    }

    /// <summary>
    /// A JSON array of resource names. Anything else is one problem, and the record is empty: every import id is passed
    /// again, which the engine ignores for a resource whose state holds the same import id [fact: engine-imported-no-replace].
    /// </summary>
    public static IReadOnlySet<string> Parse(JsonElement root, List<string> problems)
    {
        if (root.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return None;
        }

        if (root.ValueKind != JsonValueKind.Array || root.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            problems.Add($"{OutputName}: expected a list of resource names; every import id applies again");
            return None;
        }

        return root.EnumerateArray().Select(e => e.GetString()!).ToImmutableSortedSet(StringComparer.Ordinal);
    }
}
