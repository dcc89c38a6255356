using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Cli;

/// <summary>
/// The review sections every plan format carries alike (text, JSON and the Markdown PR comment): who can act as whom,
/// pending (not yet started) memberships, expiring and expired memberships, lookups and users no lookup found.
/// </summary>
internal static partial class Reports
{
    /// <summary>Passes the access matrix through, keeping its acting-as entries for the section after it (the matrix is streamed once).</summary>
    private static IEnumerable<AccessEntry> Tap(IEnumerable<AccessEntry> entries, List<AccessEntry> actingAs)
    {
        foreach (var e in entries)
        {
            if (e.Kind == AccessKind.ActAs)
            {
                actingAs.Add(e);
            }

            yield return e;
        }
    }

    /// <summary>"group:analysts can act as sp:reporter (READ on scope app, which stores its OAuth secret)".</summary>
    public static string ActingAsLine(AccessEntry e) =>
        $"{e.Principal} can act as {e.Resource} ({e.Via}){(e.Until is { } u ? $", until {Stamp(u)} ({e.Reason ?? "-"})" : string.Empty)}";

    /// <summary>
    /// What a principal acted as reaches, once per target: "admin-level (through admins); 3 secret scopes, 2 jobs" or
    /// "not admin-level; 1 entitlements". Its access itself is its own rows of the matrix.
    /// </summary>
    public static string Reaches(AccessClosure closure, PrincipalRef target) => closure.Reaches(target);

    /// <summary>The acting-as rows grouped by the principal acted as, in order of first appearance.</summary>
    private static List<IGrouping<string, AccessEntry>> ByTarget(List<AccessEntry> actingAs) =>
        actingAs.GroupBy(e => e.Resource, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();

    private static PrincipalRef TargetOf(AccessEntry e) =>
        PrincipalRef.TryParse(e.Resource, out var p, out _) ? p : throw new InvalidOperationException($"not a principal: {e.Resource}");

    private static void ActingAsText(TextWriter @out, List<AccessEntry> actingAs, AccessClosure closure)
    {
        @out.WriteLine();
        if (actingAs.Count == 0)
        {
            @out.WriteLine("Acting as: none (no one reads another principal's stored credential or runs a job as it)");
            return;
        }

        var targets = ByTarget(actingAs);
        @out.WriteLine($"Acting as ({actingAs.Count} path(s) to {targets.Count} principal(s); whoever acts as one holds its access, listed in its own rows):");
        foreach (var target in targets)
        {
            @out.WriteLine($"  {Escape.Text(target.Key)}: {Escape.Text(Reaches(closure, TargetOf(target.First())))}; {target.Count()} can act as it:");
            foreach (var e in target)
            {
                @out.WriteLine($"    {Escape.Text(ActingAsLine(e))}");
            }
        }
    }

    private static void ActingAsMarkdown(TextWriter @out, List<AccessEntry> actingAs, AccessClosure closure)
    {
        var targets = ByTarget(actingAs);
        @out.WriteLine();
        @out.WriteLine($"**Acting as** ({actingAs.Count} path(s) to {targets.Count} principal(s); whoever acts as one holds its access, listed in its own rows)");
        @out.WriteLine();
        if (actingAs.Count == 0)
        {
            @out.WriteLine("None.");
        }

        foreach (var target in targets)
        {
            @out.WriteLine($"- {Escape.Code(target.Key)}: {Escape.Markdown(Reaches(closure, TargetOf(target.First())))}; {target.Count()} can act as it");
            foreach (var e in target)
            {
                @out.WriteLine($"  - {Escape.Markdown(ActingAsLine(e))}");
            }
        }
    }

    private static IEnumerable<object> ActingAsDto(IEnumerable<AccessEntry> actingAs, AccessClosure closure)
    {
        // Many rows name one target: parse it once.
        var targets = new Dictionary<string, PrincipalRef>(StringComparer.Ordinal);
        PrincipalRef Target(AccessEntry e) => targets.TryGetValue(e.Resource, out var t) ? t : targets[e.Resource] = TargetOf(e);
        return actingAs.Select(e =>
        {
            var target = Target(e);
            var (admin, counts) = closure.Summary(target);
            return (object)new
            {
                principal = e.Principal.ToString(),
                actsAs = e.Resource,
                path = e.Via,
                until = e.Until is { } u ? Stamp(u) : null,
                e.Reason,
                text = ActingAsLine(e),
                target = new
                {
                    adminLevel = admin is not null,
                    adminUntil = admin?.Until is { } au ? Stamp(au) : null,
                    privileges = counts.ToDictionary(c => c.Kind, c => c.Count),
                    text = Reaches(closure, target),
                },
            };
        });
    }

    private static void PendingText(TextWriter @out, IReadOnlyList<PendingMembership> pending)
    {
        @out.WriteLine();
        @out.WriteLine($"Pending memberships ({pending.Count}, start later: not planned until then; the first up at or after its start adds it):");
        foreach (var p in pending)
        {
            @out.WriteLine(Escape.Text($"    {Stamp(p.Starts)} -> {Stamp(p.Expires)}  {p.Group,-24} {p.Principal,-40} reason: {p.Reason ?? "-"}"));
        }
    }

    private static void PendingMarkdown(TextWriter @out, IReadOnlyList<PendingMembership> pending)
    {
        @out.WriteLine();
        @out.WriteLine($"**Pending memberships** ({pending.Count}, start later: not planned until then)");
        @out.WriteLine();
        if (pending.Count == 0)
        {
            @out.WriteLine("None.");
            return;
        }

        @out.WriteLine("| Starts | Expires | Group | Principal | Reason |");
        @out.WriteLine("|---|---|---|---|---|");
        foreach (var p in pending)
        {
            @out.WriteLine($"| {Stamp(p.Starts)} | {Stamp(p.Expires)} | {Escape.Markdown(p.Group)} | {Escape.Code(p.Principal.ToString(), inTable: true)} | {Escape.Markdown(p.Reason ?? "-")} |");
        }
    }

    private static IEnumerable<object> PendingDto(IReadOnlyList<PendingMembership> pending) =>
        pending.Select(p => (object)new
        {
            p.Group,
            principal = p.Principal.ToString(),
            starts = Stamp(p.Starts),
            expires = Stamp(p.Expires),
            p.Reason,
            p.Path,
            type = PulumiTypes.GroupMember,
            resource = Planner.MemberResourceName(p.Group, p.Principal),
        });

    private static void MembershipsMarkdown(TextWriter @out, string title, List<(string Group, PrincipalRef Principal, DateTimeOffset Expires, string? Reason)> rows)
    {
        @out.WriteLine();
        @out.WriteLine($"**{title}** ({rows.Count})");
        @out.WriteLine();
        if (rows.Count == 0)
        {
            @out.WriteLine("None.");
            return;
        }

        @out.WriteLine("| Expires | Group | Principal | Reason |");
        @out.WriteLine("|---|---|---|---|");
        foreach (var (group, principal, expires, reason) in rows)
        {
            @out.WriteLine($"| {Stamp(expires)} | {Escape.Markdown(group)} | {Escape.Code(principal.ToString(), inTable: true)} | {Escape.Markdown(reason ?? "-")} |");
        }
    }

    private static void LookupsMarkdown(TextWriter @out, ResourcePlan plan)
    {
        @out.WriteLine();
        @out.WriteLine($"**Lookups** ({plan.Lookups.Count}, read only, resolved when the program runs)");
        @out.WriteLine();
        foreach (var l in plan.Lookups)
        {
            @out.WriteLine($"- {Escape.Code(l.Token)} {Escape.Markdown(l.Subject)}{(l.Provider == ProviderScope.None ? string.Empty : $" ({l.Provider.ToString().ToLowerInvariant()})")}");
        }
    }

    /// <summary>Users a lookup did not find: what is declared for them is left out (none offline: nothing is looked up yet).</summary>
    private static void UnresolvedText(TextWriter @out, ResourcePlan plan)
    {
        @out.WriteLine();
        @out.WriteLine(plan.Unresolved.Count == 0
            ? "Unresolved lookups: none"
            : $"Unresolved lookups ({plan.Unresolved.Count}: not found; what is declared for them is left out):");
        foreach (var u in plan.Unresolved)
        {
            @out.WriteLine(Escape.Text($"    {u.Email} [{u.Scope.ToString().ToLowerInvariant()}] {string.Join(", ", u.Paths)}"));
        }
    }

    private static void UnresolvedMarkdown(TextWriter @out, ResourcePlan plan)
    {
        @out.WriteLine();
        @out.WriteLine($"**Unresolved lookups** ({plan.Unresolved.Count})");
        @out.WriteLine();
        if (plan.Unresolved.Count == 0)
        {
            @out.WriteLine("None.");
        }

        foreach (var u in plan.Unresolved)
        {
            @out.WriteLine($"- {Escape.Code(u.Email)} ({u.Scope.ToString().ToLowerInvariant()}): {Escape.Markdown(string.Join(", ", u.Paths))}");
        }
    }

    private static IEnumerable<object> UnresolvedDto(ResourcePlan plan) =>
        plan.Unresolved.Select(u => (object)new { u.Email, scope = u.Scope, u.Paths });
}
