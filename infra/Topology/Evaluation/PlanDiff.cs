using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>A change a reviewer must see besides access: what the stack may revoke, and how credentials rotate.</summary>
/// <param name="Subject">The resource or credential it is about (a stable name).</param>
/// <param name="Text">Review language, one line.</param>
public sealed record PlanChange(string Kind, string Subject, string Text);

/// <summary>Changes of authority (and of resource options that decide what a delete or replacement does) between two plans.</summary>
public static class PlanDiff
{
    public const string AuthorityKind = "authority";

    public static IReadOnlyList<PlanChange> Compute(ResourcePlan before, ResourcePlan after)
    {
        var old = before.AllResources.Select(x => x.Resource).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var changes = new List<PlanChange>();
        foreach (var r in after.AllResources.Select(x => x.Resource))
        {
            old.Remove(r.Name, out var previous);
            if (r.Authority == Authority.Authoritative && previous?.Authority != Authority.Authoritative)
            {
                changes.Add(new(AuthorityKind, r.Name, $"{r.Name} becomes authoritative: an apply revokes {r.Revokes}"));
            }
            else if (previous is not null && previous.Authority != r.Authority)
            {
                changes.Add(new(AuthorityKind, r.Name, $"{r.Name} changes from {Name(previous.Authority)} to {Name(r.Authority)}"));
            }
            else if (previous is not null && previous.RetainOnDelete != r.RetainOnDelete)
            {
                changes.Add(new(AuthorityKind, r.Name, r.RetainOnDelete
                    ? $"{r.Name} is now kept on delete (removing it from config leaves it in place)"
                    : $"{r.Name} is no longer kept on delete (removing it from config deletes it)"));
            }
        }

        foreach (var gone in old.Values.Where(r => r.Authority == Authority.Authoritative))
        {
            changes.Add(new(AuthorityKind, gone.Name, $"{gone.Name} is no longer managed: it was authoritative, and its delete {ResourceTraits.Of(gone.Type).Delete}"));
        }

        return changes.OrderBy(c => c.Subject, StringComparer.Ordinal).ToList();
    }

    private static string Name(Authority a) => a.ToString().ToLowerInvariant();
}
