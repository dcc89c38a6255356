using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Cli.Reports;

namespace DatabricksAccess.Cli;

/// <summary>
/// The reports as GitHub Markdown, the pull-request comment: headings, bullet lists and tables. Every value from config
/// goes through <see cref="Escape.Markdown"/> or <see cref="Escape.Code"/>: no raw HTML, no forged table rows.
/// </summary>
internal sealed class MarkdownReport : IReportFormat
{
    public void Check(TextWriter @out, string source, EvaluationResult result)
    {
        @out.WriteLine($"### Check of {Escape.Code(source)}");
        @out.WriteLine();
        @out.WriteLine(Verdict(result));
        foreach (var d in result.Diagnostics)
        {
            @out.WriteLine($"- {Escape.Code(d.Path)}: {(d.Rule is null ? string.Empty : $"**{Escape.Markdown(d.Rule)}** ")}{Escape.Markdown(d.Message)}");
        }

        if (result.BlastRadius is { } markdownRadius)
        {
            @out.WriteLine();
            BlastRadiusMarkdown(@out, markdownRadius);
        }

        if (result.BlastRadius is not null)
        {
            SettingsMarkdown(@out, result.Model);
        }
    }

    public void Plan(TextWriter @out, string source, EvaluationResult result)
    {
        var plan = result.Plan!;
        @out.WriteLine($"### Plan of {Escape.Code(source)} at {Stamp(result.Model.Now)}");
        @out.WriteLine();
        @out.WriteLine(Verdict(result));
        @out.WriteLine();
        BlastRadiusMarkdown(@out, plan.BlastRadius.ToList());

        @out.WriteLine();
        @out.WriteLine("| Component | Type | Name | Provider | Authority | Options |");
        @out.WriteLine("|---|---|---|---|---|---|");
        foreach (var (component, r) in plan.AllResources)
        {
            var options = string.Join(", ", new[] { r.Protect ? "protect" : null, r.RetainOnDelete ? "retainOnDelete" : null, r.DeleteBeforeReplace ? "deleteBeforeReplace" : null, r.ImportId is { } id ? $"import {Escape.Code(id, inTable: true)}" : null }.OfType<string>());
            @out.WriteLine($"| {Escape.Markdown(component)} | {Escape.Code(r.Type, inTable: true)} | {Escape.Code(r.Name, inTable: true)} | {r.Provider.ToString().ToLowerInvariant()} | {Name(r.Authority)} | {options} |");
        }

        var credentials = plan.ServicePrincipals.SelectMany(s => s.Credentials).ToList();
        if (credentials.Count > 0)
        {
            @out.WriteLine();
            @out.WriteLine("| Credential | Slot | Issued | Expires | Current | Store |");
            @out.WriteLine("|---|---|---|---|---|---|");
            foreach (var c in credentials)
            {
                foreach (var slot in c.Slots)
                {
                    @out.WriteLine($"| {Escape.Code(c.Principal.ToString(), inTable: true)} {c.Spec.KindName} | {slot.Slot} | {Stamp(slot.Issued)} | {Stamp(slot.Expires)} | {(slot.Current ? "yes" : "no")} | {(slot.Current ? Escape.Markdown(c.Spec.Store is { } st ? $"{st}{FormatNote(c.Spec)}" : "stack output") : "-")} |");
                }
            }
        }

        SettingsMarkdown(@out, result.Model);

        @out.WriteLine();
        @out.WriteLine($"**Time-bound memberships** ({plan.TimeBound.Count}, every one active)");
        @out.WriteLine();
        @out.WriteLine("| Expires | Group | Principal | Reason |");
        @out.WriteLine("|---|---|---|---|");
        foreach (var e in plan.TimeBound)
        {
            @out.WriteLine($"| {Stamp(e.Expires)} | {Escape.Markdown(e.Group)} | {Escape.Code(e.Principal.ToString(), inTable: true)} | {Escape.Markdown(e.Reason ?? "-")} |");
        }

        MembershipsMarkdown(@out, $"Memberships expiring within {Planner.ExpiringWindow.Days} days", plan.ExpiringSoon.Select(e => (e.Group, e.Principal, e.Expires, e.Reason)).ToList());
        MembershipsMarkdown(@out, "Expired memberships (no longer declared; the next up removes them)", plan.Expired.Select(e => (e.Group, e.Principal, e.Expires, e.Reason)).ToList());
        PendingMarkdown(@out, result.Model.Pending);
        LookupsMarkdown(@out, plan);
        UnresolvedMarkdown(@out, plan);

        @out.WriteLine();
        @out.WriteLine("| Principal | Kind | Resource | Permission | Via | Until | Reason |");
        @out.WriteLine("|---|---|---|---|---|---|---|");
        var actingAs = new List<AccessEntry>();
        foreach (var e in Tap(result.EnumerateAccess(), actingAs))
        {
            var who = Broker(result.Model, e.Principal) is { } b ? $"{Escape.Markdown(GrantedBy(b))} ({Escape.Code(e.Principal.ToString(), inTable: true)})" : Escape.Code(e.Principal.ToString(), inTable: true);
            @out.WriteLine($"| {who} | {e.Kind} | {Escape.Markdown(e.ResourceLabel)} | {Escape.Markdown(e.Permission)} | {Escape.Markdown(e.Via ?? "direct")} | {(e.Until is { } u ? Stamp(u) : "standing")} | {Escape.Markdown(e.Reason ?? string.Empty)} |");
        }

        ActingAsMarkdown(@out, actingAs, result.Matrix!);
        if (result.Diagnostics.Count > 0)
        {
            @out.WriteLine();
            @out.WriteLine($"**Findings** ({result.Diagnostics.Count})");
            @out.WriteLine();
            foreach (var d in result.Diagnostics)
            {
                @out.WriteLine($"- {Escape.Code(d.Path)}: {(d.Rule is null ? string.Empty : $"**{Escape.Markdown(d.Rule)}** ")}{Escape.Markdown(d.Message)}");
            }
        }
    }

    public void Access(TextWriter @out, AccessReport a)
    {
        var (entries, note) = (a.Entries, a.Note);
        @out.WriteLine($"### Access: {Escape.Code(a.Subject)} in {Escape.Code(a.Source)} at {Stamp(a.Result.Model.Now)}");
        @out.WriteLine();
        @out.WriteLine($"{entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}; {Verdict(a.Result)}.");
        if (note is not null)
        {
            @out.WriteLine();
            @out.WriteLine($"_{Escape.Markdown(note)}_");
        }

        @out.WriteLine();
        @out.WriteLine("| Principal | Object | Permission | Until | Reason | Path |");
        @out.WriteLine("|---|---|---|---|---|---|");
        foreach (var c in entries)
        {
            var path = string.Join("; ", c.Path.Select(s => $"{Escape.Code(s.From, inTable: true)} {s.Kind} {Escape.Code(s.To, inTable: true)} ({Escape.Markdown(s.Via)})"));
            @out.WriteLine($"| {Escape.Code(c.Entry.Principal.ToString(), inTable: true)} | {Escape.Code(c.Object, inTable: true)} | {Escape.Markdown(c.Entry.Permission)} | {(c.Entry.Until is { } u ? Stamp(u) : "standing")} | {Escape.Markdown(c.Entry.Reason ?? string.Empty)} | {(path.Length == 0 ? "direct" : path)} |");
        }
    }

    public void Diff(TextWriter @out, DiffReport diff)
    {
        var (baseName, headName, changes, now, other) = diff;
        @out.WriteLine($"### Access changes: {Escape.Code(baseName)} → {Escape.Code(headName)}");
        @out.WriteLine();
        foreach (var group in other.GroupBy(c => c.Kind))
        {
            @out.WriteLine($"**{ReviewDiff.Title(group.Key)}** ({group.Count()})");
            @out.WriteLine();
            foreach (var c in group)
            {
                @out.WriteLine($"- {Escape.Markdown(c.Text)}");
            }

            @out.WriteLine();
        }

        if (changes.Count == 0)
        {
            @out.WriteLine("No access changes.");
            return;
        }

        foreach (var group in changes.GroupBy(c => c.Kind))
        {
            var title = group.Key switch { ChangeKind.Gains => "Gains", ChangeKind.Loses => "Losses", ChangeKind.Moves => "Level moves", _ => "Changes" };
            @out.WriteLine($"**{title}** ({group.Count()})");
            @out.WriteLine();
            foreach (var c in group)
            {
                @out.WriteLine($"- {Escape.Markdown(c.Describe())}");
            }

            @out.WriteLine();
        }

        @out.WriteLine($"<sub>Evaluated at {Stamp(now)}; secret values are never read.</sub>");
    }

    private static void SettingsMarkdown(TextWriter @out, TopologyModel model)
    {
        var settings = Settings(model);
        if (settings.Count == 0)
        {
            return;
        }

        @out.WriteLine();
        @out.WriteLine("| Setting | Subject | Detail |");
        @out.WriteLine("|---|---|---|");
        foreach (var s in settings)
        {
            @out.WriteLine($"| {s.Kind} | {Escape.Code(s.Subject, inTable: true)} | {Escape.Markdown(s.Detail)} |");
        }
    }

    private static void BlastRadiusMarkdown(TextWriter @out, IReadOnlyList<(string Component, PlannedResource Resource)> radius)
    {
        @out.WriteLine(radius.Count == 0
            ? "**Blast radius:** none: no authoritative resource, no per-principal resource of a principal this stack does not create and no account role."
            : $"**Blast radius:** {radius.Count} resource(s): {RadiusSummary(radius)}:");
        foreach (var (_, r) in radius)
        {
            @out.WriteLine(r.Confers is { } grants
                ? $"- {Escape.Code(r.Name)} ({r.Authority.Name()}) grants {Escape.Markdown(grants)}"
                : $"- {Escape.Code(r.Name)} ({r.Authority.Name()}{(r.Principal is { } p ? $", {Escape.Code(p)} on {Escape.Markdown(r.Object ?? string.Empty)}" : string.Empty)}) revokes {Escape.Markdown(r.Revokes ?? string.Empty)}");
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

}
