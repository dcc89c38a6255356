using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology;

public enum ChangeKind
{
    Gains,
    Loses,
    Changes,
    Moves,
}

public sealed record AccessChange(ChangeKind Kind, PrincipalRef Principal, AccessEntry? Before, AccessEntry? After)
{
    public AccessEntry Entry => After ?? Before!;

    /// <summary>
    /// How many principals can act as <see cref="Principal"/> (after the change; before it for a loss): its change
    /// reaches them too. The change is listed once, for the principal itself, not once per principal acting as it.
    /// </summary>
    public int ActedAsBy { get; init; }

    /// <summary>For an acting-as change: what the principal acted as reaches ("not admin-level; 2 secret scopes").</summary>
    public string? TargetReaches { get; init; }

    /// <summary>For <see cref="ChangeKind.Moves"/>: the identity's level before and after.</summary>
    public (IdentityLevel From, IdentityLevel To)? Level { get; init; }

    /// <summary>Review language: "bob@contoso.com gains READ on app-secrets via data-scientists, until 2026-12-01".</summary>
    public string Describe()
    {
        var who = Who(Principal);
        if (Entry.Kind == AccessKind.ActAs)
        {
            return ActAs(who);
        }

        return ActedAsBy == 0 || Kind == ChangeKind.Moves ? Text(who) : $"{Text(who)} ({ActedAsBy} principal(s) can act as {who}: they {(Kind == ChangeKind.Loses ? "lose" : "get")} it too)";
    }

    private string Text(string who)
    {
        return Kind switch
        {
            ChangeKind.Moves => $"{who} moves from {Level!.Value.From.ToString().ToLowerInvariant()} level to {Level.Value.To.ToString().ToLowerInvariant()} level",
            ChangeKind.Gains => $"{who} gains {What(After!)}{How(After!)}",
            ChangeKind.Loses => $"{who} loses {What(Before!)}{How(Before!)}",
            _ => Before!.Permission != After!.Permission
                ? $"{who} changes from {What(Before)} to {After.Permission}{How(After)}"
                : $"{who} keeps {What(After)}, now{How(After)}{(After.Via is null && After.Until is null ? " directly, standing" : string.Empty)}",
        };
    }

    /// <summary>"group:analysts can now act as sp:reporter (READ on scope app, which stores its OAuth secret)".</summary>
    private string ActAs(string who) => Kind switch
    {
        ChangeKind.Gains => $"{who} can now act as {After!.Resource} ({After.Via}){Until(After)}{Target}",
        ChangeKind.Loses => $"{who} can no longer act as {Before!.Resource} (was: {Before.Via})",
        _ => $"{who} can still act as {After!.Resource}, now ({After.Via}){Until(After)}{Target}",
    };

    private string Target => TargetReaches is null ? string.Empty : $"; {After!.Resource}: {TargetReaches}";

    private static string Until(AccessEntry e) =>
        e.Until is { } u ? $", until {Until(u)}{(e.Reason is { } r ? $" ({r})" : string.Empty)}" : string.Empty;

    public static string Who(PrincipalRef p) => p.Kind == PrincipalKind.User ? p.Key : p.ToString();

    public static string What(AccessEntry e) => e.Kind switch
    {
        AccessKind.Group => $"membership of {e.Resource}",
        AccessKind.Workspace => $"{e.Permission} access to the workspace",
        AccessKind.Entitlement => $"entitlement {e.Permission}",
        AccessKind.SecretScope => $"{e.Permission} on {e.ResourceLabel}",
        AccessKind.Job => $"{e.Permission} on job {e.ResourceLabel}",
        AccessKind.ActAs => $"acting as {e.Resource}",
        AccessKind.Warehouse => $"{e.Permission} on warehouse {e.ResourceLabel}",
        AccessKind.Tokens => $"{e.Permission} on the workspace's tokens",
        _ => $"{e.Permission} on {e.Resource}",
    };

    public static string How(AccessEntry e)
    {
        var via = e.Via is null ? string.Empty : $" via {e.Via}";
        var until = e.Until is { } u ? $", until {Until(u)}{(e.Reason is { } r ? $" ({r})" : string.Empty)}" : string.Empty;
        return via + until;
    }

    public static string Until(DateTimeOffset u) =>
        u.TimeOfDay == TimeSpan.Zero ? u.UtcDateTime.ToString("yyyy-MM-dd") : u.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'");
}

/// <summary>The access-level difference between two topologies evaluated at the same instant.</summary>
public static class AccessDiff
{
    /// <summary>Access changes plus identities that move between workspace and account level.</summary>
    public static IReadOnlyList<AccessChange> Compute(EvaluationResult before, EvaluationResult after)
    {
        var actorsAfter = Actors(after.Access);
        var actorsBefore = Actors(before.Access);
        var changes = Compute(before.Access, after.Access)
            .Select(c => c.Entry.Kind == AccessKind.ActAs
                ? c.After is { } a && after.Matrix is { } m && PrincipalRef.TryParse(a.Resource, out var target, out _) ? c with { TargetReaches = m.Reaches(target) } : c
                : (c.Kind == ChangeKind.Loses ? actorsBefore : actorsAfter).GetValueOrDefault(c.Principal) is var n and > 0 ? c with { ActedAsBy = n } : c)
            .ToList();
        var principals = before.Graph!.Principals().Intersect(after.Graph!.Principals());
        var moves = principals
            .Where(p => p.Kind != PrincipalKind.User && before.Model.LevelOf(p) != after.Model.LevelOf(p))
            .Select(p => new AccessChange(ChangeKind.Moves, p, null, new AccessEntry(p, AccessKind.Workspace, "level", after.Model.LevelOf(p).ToString(), null, null))
            {
                Level = (before.Model.LevelOf(p), after.Model.LevelOf(p)),
            });
        return moves.Concat(changes).ToList();
    }

    /// <summary>How many principals can act as each principal (the matrix's ACT_AS rows).</summary>
    private static Dictionary<string, int> ActorsOf(IReadOnlyList<AccessEntry> access) =>
        access.Where(e => e.Kind == AccessKind.ActAs).GroupBy(e => e.Resource, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static Dictionary<PrincipalRef, int> Actors(IReadOnlyList<AccessEntry> access) =>
        ActorsOf(access).Select(kv => (Ok: PrincipalRef.TryParse(kv.Key, out var p, out _), p, kv.Value)).Where(x => x.Ok).ToDictionary(x => x.p, x => x.Value);

    public static IReadOnlyList<AccessChange> Compute(IReadOnlyList<AccessEntry> before, IReadOnlyList<AccessEntry> after)
    {
        var old = before.ToDictionary(e => e.Key);
        var changes = new List<AccessChange>();
        foreach (var entry in after)
        {
            if (!old.Remove(entry.Key, out var previous))
            {
                changes.Add(new AccessChange(ChangeKind.Gains, entry.Principal, null, entry));
            }
            else if (previous != entry)
            {
                changes.Add(new AccessChange(ChangeKind.Changes, entry.Principal, previous, entry));
            }
        }

        changes.AddRange(old.Values.Select(e => new AccessChange(ChangeKind.Loses, e.Principal, e, null)));
        return changes
            .OrderBy(c => c.Principal)
            .ThenBy(c => c.Entry.Kind)
            .ThenBy(c => c.Entry.ResourceKey ?? c.Entry.Resource, StringComparer.Ordinal)
            .ThenBy(c => c.Entry.Permission, StringComparer.Ordinal)
            .ToList();
    }
}
