using CsCheck;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 33: the migration guard's refusals against an oracle written from its rules (docs/delivery.md, MigrationGuard's
/// summary), over random <c>pulumi preview --json</c> digests of prod's plan: a resource that a step deletes or replaces
/// (the engine's step ops [fact: engine-step-ops], logical or as halves) is refused when it is a
/// <c>Grants</c>, the workspace's token permissions, protected in its old state (<c>oldState.protect</c>, the step's state
/// [fact: preview-json-digest]), or in the plan's blast radius; a resource whose id comes from its inputs is refused when its
/// replacement halves show it created first (no retainOnDelete in these old states); a credential is refused when every
/// slot of it is removed. Any other step (update, create, same, read, refresh) refuses nothing.
/// </summary>
public class GuardOracleTests
{
    private static readonly string[] RemovingOps = ["delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced", "read-replacement"];

    private static readonly string[] HarmlessOps = ["update", "create", "same", "read", "refresh"];

    [Fact]
    public void The_guard_refuses_exactly_what_its_rules_name_property()
    {
        var plan = TopologyEvaluator.Evaluate(StackFile.Load(Path.Combine(RepoRoot, "Pulumi.prod.yaml")).ToInput(), Now).Plan!;
        var planned = plan.AllResources.Select(r => r.Resource).Where(r => r.Type is not (PulumiTypes.Secret or PulumiTypes.KeyVaultSecret)).ToList();
        var radius = plan.BlastRadius.Select(r => r.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var credentials = plan.ServicePrincipals.SelectMany(s => s.Credentials).Select(c => (Label: $"{c.Principal} {c.Spec.KindName}", Slots: c.AllSlots.Select(s => s.ResourceName).ToList())).ToList();

        // A small pool, so that steps meet: every credential slot, two of each kind of resource, and the two a guard
        // knows by name or type (a Grants, the workspace's token permissions).
        var pool = credentials.SelectMany(c => c.Slots.Select(s => (Type: PulumiTypes.OboToken, Name: s)))
            .Concat(planned.Where(r => radius.Contains(r.Name)).Take(3).Select(r => (r.Type, r.Name)))
            .Concat(planned.Where(r => r.Protect && !radius.Contains(r.Name)).Take(3).Select(r => (r.Type, r.Name)))
            .Concat(planned.Where(r => !r.Protect && !radius.Contains(r.Name) && !credentials.Any(c => c.Slots.Contains(r.Name))).Take(3).Select(r => (r.Type, r.Name)))
            .Append((Type: PulumiTypes.Grants, Name: "catalog-grants-catalog-main"))
            .Append((Type: PulumiTypes.Permissions, Name: "token-usage"))
            .ToList<(string Type, string Name)>();
        Assert.True(pool.Count >= 14, $"{pool.Count} resources in the pool");
        var ops = RemovingOps.Concat(HarmlessOps).ToArray();

        Gen.Select(Gen.Int[0, pool.Count - 1], Gen.Int[0, ops.Length - 1], Gen.Bool).Array[0, 10].Sample(steps =>
        {
            var json = $"{{ \"steps\": [ {string.Join(", ", steps.Select(s => Step(ops[s.Item2], pool[s.Item1].Type, pool[s.Item1].Name, s.Item3)))} ] }}";

            // The oracle.
            var removed = steps.Where(s => RemovingOps.Contains(ops[s.Item2])).GroupBy(s => pool[s.Item1])
                .ToDictionary(g => g.Key.Name, g => (g.Key.Type, Protected: g.Any(s => s.Item3)), StringComparer.Ordinal);
            var expected = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (name, (type, isProtected)) in removed)
            {
                var why = type == PulumiTypes.Grants ? "a Grants"
                    : name == "token-usage" ? "the workspace's token permissions"
                    : isProtected ? "a protected resource"
                    : radius.Contains(name) ? "a per-principal resource"
                    : null;
                if (why is not null)
                {
                    expected.Add($"{name}: {why}");
                }
            }

            // A resource whose id comes from its inputs (ResourceTraits) replaced create-first, as the halves' order shows
            // (the logical replace follows the plan: delete-first for these types), with no retainOnDelete in its state.
            foreach (var name in removed.Keys.Where(n => ResourceTraits.ByType.TryGetValue(removed[n].Type, out var t) && t.IdFromInputs))
            {
                int First(string op) => steps.Select((s, i) => (s, i)).Where(x => pool[x.s.Item1].Name == name && ops[x.s.Item2] == op).Select(x => x.i + 1).FirstOrDefault();
                if (First("create-replacement") is > 0 and var created && First("delete-replaced") is > 0 and var deleted && created < deleted)
                {
                    expected.Add($"{name}: create-first");
                }
            }

            foreach (var (label, slots) in credentials.Where(c => c.Slots.All(removed.ContainsKey)))
            {
                expected.Add($"{label}: both slots");
            }

            var actual = MigrationGuard.Check(json, plan).Select(Category).ToHashSet(StringComparer.Ordinal);
            Assert.True(expected.SetEquals(actual), $"expected [{string.Join("; ", expected)}]\ngot [{string.Join("; ", actual)}]\n{json}");
        }, iter: 400);
    }

    /// <summary>A finding as "name: what" (the rule it names), so the oracle need not spell each message.</summary>
    private static string Category(string finding)
    {
        var at = finding.IndexOf(": the preview would ", StringComparison.Ordinal);
        Assert.True(at > 0, finding);
        var name = finding[..at];
        var rest = finding[(at + ": the preview would ".Length)..];
        string[] whats = ["a Grants", "the workspace's token permissions", "a protected resource", "a per-principal resource"];
        return whats.FirstOrDefault(w => rest.Contains($" {w}", StringComparison.Ordinal)) is { } what ? $"{name}: {what}"
            : rest.StartsWith("replace or delete both slots", StringComparison.Ordinal) ? $"{name}: both slots"
            : rest.StartsWith("replace it create-first", StringComparison.Ordinal) ? $"{name}: create-first"
            : finding;
    }

    private static string Step(string op, string type, string name, bool protect) =>
        $$"""{ "op": "{{op}}", "urn": "urn:pulumi:prod::databricks-access::databricks-access:index:X${{type}}::{{name}}", "oldState": { "type": "{{type}}", "protect": {{(protect ? "true" : "false")}} } }""";
}
