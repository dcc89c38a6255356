using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Spectre.Console;
using static DatabricksAccess.Cli.Reports;

namespace DatabricksAccess.Cli;

/// <summary>
/// The reports as plain text for a terminal: one line per finding and per access entry, tables drawn by Spectre.Console
/// without colour. Every value from config goes through <see cref="Escape.Text"/>.
/// </summary>
internal sealed class TextReport : IReportFormat
{
    public void Check(TextWriter @out, string source, EvaluationResult result)
    {
        @out.WriteLine($"{Escape.Text(source)}: {Verdict(result)}");
        if (result.BlastRadius is { } radius)
        {
            BlastRadiusText(@out, radius);
        }

        if (result.BlastRadius is not null)
        {
            SettingsText(@out, result.Model);
        }
    }

    public void Plan(TextWriter @out, string source, EvaluationResult result)
    {
        var plan = result.Plan!;
        var model = result.Model;
        @out.WriteLine($"Plan of {Escape.Text(source)} at {Stamp(model.Now)}: {Verdict(result)}");
        @out.WriteLine();

        var console = Console(@out);
        var all = plan.AllResources.ToList();
        var summary = new Table().Title("Resources by type").AddColumn("Type").AddColumn(new TableColumn("Count").RightAligned());
        foreach (var group in all.GroupBy(r => r.Resource.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            summary.AddRow(new Text(Escape.Text(group.Key)), new Text(group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        summary.AddRow("[bold]total[/]", $"[bold]{all.Count}[/]");
        console.Write(summary);
        @out.WriteLine();

        @out.WriteLine($"Resources ({all.Count}), by component:");
        foreach (var component in all.GroupBy(r => r.Component))
        {
            @out.WriteLine($"  {Escape.Text(component.Key)}");
            foreach (var (_, r) in component)
            {
                @out.WriteLine($"    {Escape.Text(r.Type),-62} {Escape.Text(r.Name)}{Flags(r)}");
            }
        }

        @out.WriteLine();
        BlastRadiusText(@out, plan.BlastRadius.ToList());
        @out.WriteLine();
        CredentialsText(@out, plan);
        SettingsText(@out, model);

        if (plan.Lookups.Count > 0)
        {
            @out.WriteLine();
            @out.WriteLine($"Lookups ({plan.Lookups.Count}, read only):");
            foreach (var l in plan.Lookups)
            {
                @out.WriteLine($"    {Escape.Text(l.Token),-62} {Escape.Text(l.Subject)}{(l.Provider == ProviderScope.None ? string.Empty : $" [{l.Provider.ToString().ToLowerInvariant()}]")}");
            }
        }

        @out.WriteLine();
        MembershipTable(console, $"Memberships expiring within {Planner.ExpiringWindow.Days} days", plan.ExpiringSoon.Select(e => (e.Group, e.Principal, e.Expires, e.Reason)));
        MembershipTable(console, "Expired memberships (no longer declared; the next up removes them)", plan.Expired.Select(e => (e.Group, e.Principal, e.Expires, e.Reason)));

        // The access review: why each piece of temporary access exists, however far off its end is.
        @out.WriteLine();
        @out.WriteLine($"Time-bound memberships ({plan.TimeBound.Count}, every one active, soonest expiry first):");
        foreach (var e in plan.TimeBound)
        {
            @out.Write("    ");
            @out.Write(Stamp(e.Expires));
            @out.Write("  ");
            Padded(@out, Escape.Text(e.Group), 24);
            @out.Write(' ');
            Padded(@out, Escape.Text(e.Principal.ToString()), 40);
            @out.Write(" reason: ");
            @out.WriteLine(Escape.Text(e.Reason ?? "-"));
        }

        PendingText(@out, model.Pending);
        UnresolvedText(@out, plan);

        @out.WriteLine();
        @out.WriteLine("Effective access (what each principal holds directly or through its groups, strongest permission wins; via = the group it comes through; until = when it ends, with the reason; ActAs = a principal it can act as, whose access is that one's own rows: see Acting as, and `access --principal`):");
        // A large estate has millions of these lines: write their pieces instead of formatting a string per line.
        PrincipalRef? current = null;
        var stamps = new Dictionary<DateTimeOffset, string>();
        var actingAs = new List<AccessEntry>();
        foreach (var e in Tap(result.EnumerateAccess(), actingAs))
        {
            if (current != e.Principal)
            {
                current = e.Principal;
                @out.WriteLine($"  {Escape.Text(e.Principal.ToString())} ({model.LevelOf(e.Principal).ToString().ToLowerInvariant()}){(Broker(model, e.Principal) is { } b ? $": {Escape.Text(GrantedBy(b))}, one row per granted access" : string.Empty)}");
            }

            @out.Write("    ");
            Padded(@out, KindNames[(int)e.Kind], 12);
            @out.Write(' ');
            Padded(@out, Escape.Text(e.ResourceLabel), 32);
            @out.Write(' ');
            Padded(@out, Escape.Text(e.Permission), 22);
            if (e.Via is { } via)
            {
                @out.Write(" via ");
                @out.Write(Escape.Text(via));
            }

            if (e.Until is { } u)
            {
                if (!stamps.TryGetValue(u, out var stamp))
                {
                    stamps[u] = stamp = Stamp(u);
                }

                @out.Write(" until ");
                @out.Write(stamp);
                @out.Write(" (reason: ");
                @out.Write(Escape.Text(e.Reason ?? "-"));
                @out.Write(')');
            }

            @out.WriteLine();
        }

        ActingAsText(@out, actingAs, result.Matrix!);

        if (result.Diagnostics.Count > 0)
        {
            @out.WriteLine();
            @out.WriteLine("Findings:");
            foreach (var d in result.Diagnostics)
            {
                @out.WriteLine($"  {Escape.Text(d.ToString())}");
            }
        }
    }

    public void Access(TextWriter @out, AccessReport a)
    {
        var (entries, note) = (a.Entries, a.Note);
        @out.WriteLine($"Access: {Escape.Text(a.Subject)} in {Escape.Text(a.Source)} at {Stamp(a.Result.Model.Now)}: {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}; {Verdict(a.Result)}");
        if (note is not null)
        {
            @out.WriteLine($"  note: {Escape.Text(note)}");
        }

        foreach (var c in entries)
        {
            var until = c.Entry.Until is { } u ? $" until {Stamp(u)} (reason: {c.Entry.Reason ?? "-"})" : " standing";
            @out.WriteLine(Escape.Text($"  {c.Entry.Principal}  {c.Entry.Permission} on {c.Object}{until}"));
            foreach (var s in c.Path)
            {
                @out.WriteLine(Escape.Text($"      {s.Kind,-8} {s.From} -> {s.To}  ({s.Via})"));
            }
        }
    }

    public void Diff(TextWriter @out, DiffReport diff)
    {
        var (baseName, headName, changes, now, other) = diff;
        @out.WriteLine($"Access changes from {Escape.Text(baseName)} to {Escape.Text(headName)} at {Stamp(now)}: {changes.Count}");
        foreach (var c in changes)
        {
            @out.WriteLine($"  {c.Kind switch { ChangeKind.Gains => "+", ChangeKind.Loses => "-", ChangeKind.Moves => ">", _ => "~" }} {Escape.Text(c.Describe())}");
        }

        if (other.Count > 0)
        {
            @out.WriteLine($"Run-as, policy, authority and rotation changes: {other.Count}");
            foreach (var c in other)
            {
                @out.WriteLine($"  ! {Escape.Text(c.Text)}");
            }
        }
    }

    private static readonly string[] KindNames = Enum.GetNames<AccessKind>();

    private static void SettingsText(TextWriter @out, TopologyModel model)
    {
        var settings = Settings(model);
        if (settings.Count == 0)
        {
            return;
        }

        @out.WriteLine();
        @out.WriteLine($"Account roles, managers, delegated members, token policy, warehouses and runtimes ({settings.Count}):");
        foreach (var s in settings)
        {
            @out.WriteLine(Escape.Text($"  {s.Kind,-18} {s.Subject,-32} {s.Detail}"));
        }
    }

    /// <summary>Provider, authority (when not owned) and the options that matter on a live workspace.</summary>
    private static string Flags(PlannedResource r)
    {
        var flags = new List<string>();
        if (r.Provider != ProviderScope.None)
        {
            flags.Add(r.Provider.ToString().ToLowerInvariant());
        }

        if (r.Authority != Authority.Owned)
        {
            flags.Add(Name(r.Authority));
        }

        if (r.Protect)
        {
            flags.Add("protected");
        }

        if (r.RetainOnDelete)
        {
            flags.Add("retained on delete");
        }

        if (r.DeleteBeforeReplace)
        {
            flags.Add("delete before replace");
        }

        if (r.ImportId is { } id)
        {
            flags.Add($"import {Escape.Text(id)}");
        }

        if (r.Entitlements is { } entitlements)
        {
            flags.Add($"own entitlement fields: {(entitlements.Length == 0 ? "none" : entitlements)}");
        }

        if (r.Retiring)
        {
            flags.Add("retiring: registered unchanged, then forgotten by the next deploy");
        }

        if (r.Owner is { } owner)
        {
            flags.Add($"owner {Escape.Text(owner.Principal)} ({Escape.Text(owner.Source)})");
        }

        return string.Concat(flags.Select(f => $" [{f}]"));
    }

    /// <summary>Every rotated credential: its policy, next rotation and store, then one line per slot.</summary>
    private static void CredentialsText(TextWriter @out, ResourcePlan plan)
    {
        var credentials = plan.ServicePrincipals.SelectMany(s => s.Credentials).ToList();
        if (credentials.Count == 0)
        {
            @out.WriteLine("Credentials: none");
            return;
        }

        @out.WriteLine($"Credentials ({credentials.Count}, two slots each; the store holds the current slot's value):");
        foreach (var c in credentials)
        {
            var store = c.Spec.Store is { } s ? $"{Escape.Text(s.ToString())}{FormatNote(c.Spec)}" : $"stack output oauthSecrets.{Escape.Text(c.Principal.Key)}";
            @out.WriteLine($"  {Escape.Text(c.Principal.ToString())} {c.Spec.KindName}: every {c.Spec.RotationDays} days, {c.Spec.OverlapDays} days of overlap; next rotation {Stamp(c.NextRotation)} renews slot {c.Previous.Slot}; store {store}{(c.Continued ? "; schedule continued from --outputs" : string.Empty)}");
            foreach (var slot in c.AllSlots)
            {
                @out.WriteLine($"    slot {slot.Slot}  {(slot.Current ? "current " : "previous")}  issued {Stamp(slot.Issued)}  expires {Stamp(slot.Expires)}  {slot.ResourceName}{(slot.Declared ? string.Empty : "  (expired: not declared, deleted)")}");
            }
        }
    }

    /// <summary>Each blast-radius resource and what an apply revokes beyond what this stack declares.</summary>
    private static void BlastRadiusText(TextWriter @out, IReadOnlyList<(string Component, PlannedResource Resource)> radius)
    {
        if (radius.Count == 0)
        {
            @out.WriteLine("Blast radius: none (no authoritative resource and no per-principal resource of a principal this stack does not create)");
            return;
        }

        @out.WriteLine($"Blast radius ({radius.Count} resource(s): {RadiusSummary(radius)}):");
        foreach (var (component, r) in radius)
        {
            @out.WriteLine(Escape.Text(r.Confers is { } grants
                ? $"  {r.Name} ({r.Type}, {r.Authority.Name()}, in {component}) grants {grants}"
                : $"  {r.Name} ({r.Type}, {r.Authority.Name()}, in {component}) revokes {r.Revokes}"));
        }
    }

    private static void Padded(TextWriter writer, string text, int width)
    {
        writer.Write(text);
        for (var i = text.Length; i < width; i++)
        {
            writer.Write(' ');
        }
    }

    private static void MembershipTable(IAnsiConsole console, string title, IEnumerable<(string Group, PrincipalRef Principal, DateTimeOffset Expires, string? Reason)> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            console.WriteLine($"{title}: none");
            return;
        }

        var table = new Table().Title(Markup.Escape(title)).AddColumns("Group", "Principal", "Expires", "Reason");
        foreach (var (group, principal, expires, reason) in list)
        {
            // Text, not markup: no value is parsed as Spectre markup or emoji codes, and none spans two rows.
            table.AddRow(new Text(Escape.Text(group)), new Text(Escape.Text(principal.ToString())), new Text(Stamp(expires)), new Text(Escape.Text(reason ?? "-")));
        }

        console.Write(table);
    }

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

    private static void PendingText(TextWriter @out, IReadOnlyList<PendingMembership> pending)
    {
        @out.WriteLine();
        @out.WriteLine($"Pending memberships ({pending.Count}, start later: not planned until then; the first up at or after its start adds it):");
        foreach (var p in pending)
        {
            @out.WriteLine(Escape.Text($"    {Stamp(p.Starts)} -> {Stamp(p.Expires)}  {p.Group,-24} {p.Principal,-40} reason: {p.Reason ?? "-"}"));
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

    private static IAnsiConsole Console(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 120;
        return console;
    }

}
