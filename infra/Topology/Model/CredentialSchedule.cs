using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace DatabricksAccess.Topology.Model;

/// <summary>One slot as the last deployment recorded it: the instant its credential belongs to, and when it expires.</summary>
public sealed record IssuedSlot(DateTimeOffset Issued, DateTimeOffset Expires);

/// <summary>A credential as the last deployment left it: which slot is current, and each slot's instants.</summary>
public sealed record IssuedCredential(char Current, IReadOnlyDictionary<char, IssuedSlot> Slots)
{
    public IssuedSlot CurrentSlot => Slots[Current];

    public char PreviousLetter => Current == 'a' ? 'b' : 'a';

    public IssuedSlot? PreviousSlot => Slots.GetValueOrDefault(PreviousLetter);
}

/// <summary>
/// The credential slots as the last <c>up</c> left them: the stack output <c>credentialSchedule</c>, read back by the
/// next run (the program reads its own stack's outputs, <c>pulumi:pulumi:StackReference</c>; the CLI reads
/// <c>pulumi stack output --json</c> with <c>plan --outputs</c>). With it a rotation-policy change takes effect slot by
/// slot at the next rotations (Planning.CredentialRotation.Plan): no credential is replaced by a policy change.
/// Without it (a stack's first run, or one deployed before the output existed) the fixed grid of rotation instants applies.
/// </summary>
public sealed record CredentialSchedule(IReadOnlyDictionary<string, IssuedCredential> Credentials)
{
    /// <summary>The stack output that carries it.</summary>
    public const string OutputName = "credentialSchedule";

    public const int Version = 1;

    public static readonly CredentialSchedule Empty = new(ImmutableSortedDictionary<string, IssuedCredential>.Empty);

    public IssuedCredential? Find(string credentialKey) => Credentials.GetValueOrDefault(credentialKey);

    /// <summary>
    /// The stack output's value: <c>{ version, credentials: { &lt;slot resource prefix&gt;: { current, a: { issued, expires }, b: … } } }</c>,
    /// instants in RFC 3339 (UTC, seconds). Plain maps and strings, so a Pulumi output and JSON carry it alike.
    /// </summary>
    public ImmutableDictionary<string, object> ToOutputValue() => ImmutableDictionary<string, object>.Empty
        .Add("version", Version)
        .Add("credentials", Credentials.ToImmutableDictionary(kv => kv.Key, kv => (object)kv.Value.Slots
            .ToImmutableDictionary(s => s.Key.ToString(), s => (object)ImmutableDictionary<string, object>.Empty
                .Add("issued", Exact(s.Value.Issued))
                .Add("expires", Exact(s.Value.Expires)))
            .Add("current", kv.Value.Current.ToString())));

    /// <summary>
    /// Reads the output's value as JSON. Unreadable entries are left out, each with one line in
    /// <paramref name="problems"/>: such a credential falls back to the fixed grid, which the migration guard then
    /// checks like any other change.
    /// </summary>
    public static CredentialSchedule Parse(string json, List<string> problems)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            problems.Add($"{OutputName}: not JSON ({ex.Message})");
            return Empty;
        }

        using (doc)
        {
            return Parse(doc.RootElement, problems);
        }
    }

    /// <summary>
    /// Reads the output's value as a Pulumi program gets it back (nested maps, strings and doubles, or null when the
    /// output does not exist): through its JSON form, so it is read exactly as <c>pulumi stack output --json</c> is.
    /// </summary>
    public static CredentialSchedule FromOutputValue(object? value, List<string> problems) =>
        value is null ? Empty : Parse(JsonSerializer.Serialize(value), problems);

    public static CredentialSchedule Parse(JsonElement root, List<string> problems)
    {
        if (root.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return Empty;
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("credentials", out var credentials) || credentials.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{OutputName}: expected an object with 'credentials'");
            return Empty;
        }

        if (root.TryGetProperty("version", out var v) && (v.ValueKind != JsonValueKind.Number || v.GetDouble() > Version))
        {
            problems.Add($"{OutputName}: version {v} is newer than this program reads ({Version}); the fixed grid applies");
            return Empty;
        }

        var result = ImmutableSortedDictionary.CreateBuilder<string, IssuedCredential>(StringComparer.Ordinal);
        foreach (var entry in credentials.EnumerateObject())
        {
            var where = $"{OutputName}.credentials.{entry.Name}";
            if (entry.Value.ValueKind != JsonValueKind.Object
                || !entry.Value.TryGetProperty("current", out var c) || c.ValueKind != JsonValueKind.String || c.GetString() is not ("a" or "b"))
            {
                problems.Add($"{where}: expected current 'a' or 'b'");
                continue;
            }

            var slots = new Dictionary<char, IssuedSlot>();
            var ok = true;
            foreach (var letter in new[] { 'a', 'b' })
            {
                if (!entry.Value.TryGetProperty(letter.ToString(), out var s))
                {
                    continue;
                }

                if (Instant(s, "issued") is { } issued && Instant(s, "expires") is { } expires && expires >= issued)
                {
                    slots[letter] = new IssuedSlot(issued, expires);
                }
                else
                {
                    problems.Add($"{where}.{letter}: expected issued and expires instants, expires not before issued");
                    ok = false;
                }
            }

            var current = c.GetString()![0];
            if (ok && !slots.ContainsKey(current))
            {
                problems.Add($"{where}: the current slot '{current}' has no instants");
                ok = false;
            }

            if (ok)
            {
                result[entry.Name] = new IssuedCredential(current, slots);
            }
        }

        return new CredentialSchedule(result.ToImmutable());
    }

    /// <summary>From <c>pulumi stack output --json</c>: the object of every output; no <c>credentialSchedule</c> is the empty schedule.</summary>
    public static CredentialSchedule FromStackOutputs(string json, List<string> problems)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add("stack outputs: expected the object `pulumi stack output --json` prints");
                return Empty;
            }

            return doc.RootElement.TryGetProperty(OutputName, out var schedule) ? Parse(schedule, problems) : Empty;
        }
        catch (JsonException ex)
        {
            problems.Add($"stack outputs: not JSON ({ex.Message})");
            return Empty;
        }
    }

    private static DateTimeOffset? Instant(JsonElement slot, string name) =>
        slot.ValueKind == JsonValueKind.Object && slot.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(p.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;

    /// <summary>Round-trip exact (ticks): a schedule read back must give the same keepers to the tick.</summary>
    private static string Exact(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
