using System.Text.Json;
using System.Text.Json.Serialization;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Spectre.Console;

namespace DatabricksAccess.Cli;

public enum OutputFormat
{
    Text,
    Json,
    Markdown,
}

/// <summary>
/// Renders check, plan and diff results. Secret values are never part of any model, so none can leak here. Every
/// value from config goes through <see cref="Escape"/> for its format: text stays one line per finding, Markdown
/// gets no raw HTML and no forged table rows.
/// </summary>
internal static partial class Reports
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Stamp(DateTimeOffset t) => Instants.Format(t);

    public static void Diagnostics(TextWriter err, EvaluationResult result, string? prefix = null)
    {
        foreach (var d in result.Diagnostics)
        {
            err.WriteLine(Escape.Text(prefix is null ? d.ToString() : $"{prefix}: {d}"));
        }
    }

    public static void Check(TextWriter @out, OutputFormat format, string source, EvaluationResult result)
    {
        switch (format)
        {
            case OutputFormat.Json:
                @out.WriteLine(JsonSerializer.Serialize(new
                {
                    source,
                    now = Stamp(result.Model.Now),
                    exitCode = result.ExitCode,
                    diagnostics = DiagnosticsDto(result),
                    blastRadius = result.BlastRadius?.Select(BlastRadiusDto),
                    settings = result.BlastRadius is null ? null : SettingsDto(result.Model),
                }, Json));
                break;
            case OutputFormat.Markdown:
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

                break;
            default:
                @out.WriteLine($"{Escape.Text(source)}: {Verdict(result)}");
                if (result.BlastRadius is { } radius)
                {
                    BlastRadiusText(@out, radius);
                }

                if (result.BlastRadius is not null)
                {
                    SettingsText(@out, result.Model);
                }

                break;
        }
    }

    private static string Verdict(EvaluationResult result) => result.ExitCode switch
    {
        0 => result.Diagnostics.Count == 0 ? "valid, no policy violations" : $"valid, no policy violations, {result.Diagnostics.Count} warning(s)",
        1 => $"{result.Diagnostics.Count(d => d.Severity == Severity.Violation)} policy violation(s)",
        _ => $"invalid: {result.Diagnostics.Count(d => d.Severity == Severity.Error)} error(s)",
    };

    private static object[] DiagnosticsDto(EvaluationResult result) =>
        result.Diagnostics.Select(d => (object)new { severity = d.Severity, d.Path, d.Rule, d.Message }).ToArray();

    public static void Plan(TextWriter @out, OutputFormat format, string source, EvaluationResult result)
    {
        var plan = result.Plan!;
        switch (format)
        {
            case OutputFormat.Json:
                PlanJson(@out, source, result, plan);
                break;
            case OutputFormat.Markdown:
                PlanMarkdown(@out, source, result, plan);
                break;
            default:
                PlanText(@out, source, result, plan);
                break;
        }
    }

    private static void PlanText(TextWriter @out, string source, EvaluationResult result, ResourcePlan plan)
    {
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

    private static readonly string[] KindNames = Enum.GetNames<AccessKind>();

    /// <summary>The broker that grants the members of a delegated group (<c>members.managedBy</c>); null otherwise.</summary>
    private static string? Broker(TopologyModel model, PrincipalRef principal) =>
        principal.Kind == PrincipalKind.Group && model.Groups.TryGetValue(principal.Key, out var g) ? g.MembersManagedBy : null;

    /// <summary>How the matrix names whoever a broker puts into a delegated group.</summary>
    public static string GrantedBy(string broker) => $"members granted by {broker}";

    private static string FormatNote(CredentialSpec spec) => spec.StoreFormat == StoreFormat.Json ? " (json: client_id, client_secret)" : string.Empty;

    /// <summary>One declared setting of the issue-21 kinds (account roles, managers, delegated members, token policy, warehouses, runtimes).</summary>
    private sealed record Setting(string Kind, string Subject, string Detail);

    private static List<Setting> Settings(TopologyModel model)
    {
        var list = new List<Setting>();
        foreach (var sp in model.ServicePrincipals.Values)
        {
            list.AddRange(sp.AccountRoles.Select(r => new Setting("account-role", sp.Ref.ToString(), $"{r} (account level, standing until removed)")));
            if (sp.Managers.Count > 0)
            {
                list.Add(new Setting("managers", sp.Ref.ToString(), $"servicePrincipal.manager for {string.Join(", ", sp.Managers)} (in the principal's rule set, with the deployer's rules)"));
            }
        }

        list.AddRange(model.Groups.Values.Where(g => g.MembersDelegated)
            .Select(g => new Setting("delegated-members", g.Ref.ToString(), $"{GrantedBy(g.MembersManagedBy!)}: no membership is planned, drift and audit leave them out")));
        if (model.TokenPolicy is { } policy)
        {
            list.Add(new Setting("token-policy", "workspace", $"maxTokenLifetimeDays {policy.MaxLifetimeDays} (workspace conf, authoritative)"));
        }

        foreach (var w in model.Warehouses.Values)
        {
            var who = string.Join("; ", new[] { ("CAN_USE", w.CanUse), ("CAN_MANAGE", w.CanManage) }.Where(x => x.Item2.Count > 0)
                .Select(x => $"{x.Item1} {string.Join(", ", x.Item2)}"));
            list.Add(new Setting("warehouse", w.Key, $"{(w.Id is { } id ? $"id {id}" : $"name {w.Name}")}: {who} (the whole ACL, authoritative)"));
        }

        list.AddRange(model.WebApps.Values.Select(a => new Setting("runtime", a.Ref.ToString(), a.Runtime)));
        return list;
    }

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

    private static object SettingsDto(TopologyModel model) => new
    {
        accountRoles = model.ServicePrincipals.Values.SelectMany(s => s.AccountRoles.Select(r => new { principal = s.Ref.ToString(), role = r })),
        managers = model.ServicePrincipals.Values.Where(s => s.Managers.Count > 0)
            .Select(s => new { principal = s.Ref.ToString(), managers = s.Managers.Select(m => m.ToString()) }),
        delegatedGroups = model.Groups.Values.Where(g => g.MembersDelegated)
            .Select(g => new { group = g.Key, managedBy = g.MembersManagedBy, note = GrantedBy(g.MembersManagedBy!) }),
        tokenPolicy = model.TokenPolicy is { } p ? new { maxLifetimeDays = p.MaxLifetimeDays } : null,
        warehouses = model.Warehouses.Values.Select(w => new
        {
            key = w.Key,
            id = w.Id,
            name = w.Name,
            canUse = w.CanUse.Select(x => x.ToString()),
            canManage = w.CanManage.Select(x => x.ToString()),
        }),
        webApps = model.WebApps.Values.Select(a => new { key = a.Key, site = a.SiteName, runtime = a.Runtime }),
    };

    public static string Name(Authority authority) => authority.Name();

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

    /// <summary>Every rotated credential as one row per slot, and when each rotates next.</summary>
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

    private static IEnumerable<object> CredentialsDto(ResourcePlan plan) =>
        plan.ServicePrincipals.SelectMany(s => s.Credentials).SelectMany(c => c.AllSlots.Select(slot => (object)new
        {
            declared = slot.Declared,
            principal = c.Principal.ToString(),
            kind = c.Spec.KindName,
            slot = slot.Slot.ToString(),
            issued = Stamp(slot.Issued),
            expires = Stamp(slot.Expires),
            current = slot.Current,
            store = slot.Current ? c.Spec.Store?.ToString() : null,
            storeFormat = slot.Current && c.Spec.Store is not null ? c.Spec.StoreFormat : (StoreFormat?)null,
            resource = slot.ResourceName,
            storeResource = slot.Current ? c.StoreResource : null,
            rotationDays = c.Spec.RotationDays,
            overlapDays = c.Spec.OverlapDays,
            nextRotation = Stamp(c.NextRotation),
            schedule = c.Continued ? "continued" : "grid",
        }));

    /// <summary>One blast-radius entry in JSON: <c>authority</c>, and for per-principal resources <c>principal</c> and <c>object</c>.</summary>
    internal static object BlastRadiusDto((string Component, PlannedResource Resource) x) => new
    {
        component = x.Component,
        x.Resource.Type,
        x.Resource.Name,
        authority = x.Resource.Authority.Name(),
        principal = x.Resource.Principal,
        @object = x.Resource.Object,
        protect = x.Resource.Protect,
        x.Resource.Revokes,
        x.Resource.Confers,
    };

    private static string RadiusSummary(IReadOnlyList<(string Component, PlannedResource Resource)> radius)
    {
        var authoritative = radius.Count(x => x.Resource.Authority == Authority.Authoritative);
        var confers = radius.Count(x => x.Resource.Confers is not null && x.Resource.Authority != Authority.Authoritative);
        return $"{authoritative} authoritative (explicit opt-ins, protected), {radius.Count - authoritative - confers} per-principal of principals this stack does not create, {confers} account role(s) granting account-wide power";
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

    private static void PlanMarkdown(TextWriter @out, string source, EvaluationResult result, ResourcePlan plan)
    {
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

    private static void PlanJson(TextWriter @out, string source, EvaluationResult result, ResourcePlan plan)
    {
        var model = result.Model;
        var actingAs = new List<AccessEntry>();
        var dto = new
        {
            source,
            now = Stamp(model.Now),
            exitCode = result.ExitCode,
            diagnostics = DiagnosticsDto(result),
            resources = plan.AllResources.Select(x => new
            {
                component = x.Component,
                x.Resource.Type,
                x.Resource.Name,
                provider = x.Resource.Provider,
                authority = x.Resource.Authority.Name(),
                principal = x.Resource.Principal,
                @object = x.Resource.Object,
                deleteBeforeReplace = x.Resource.DeleteBeforeReplace,
                retainOnDelete = x.Resource.RetainOnDelete,
                protect = x.Resource.Protect,
                importId = x.Resource.ImportId,
                entitlements = x.Resource.Entitlements,
                retiring = x.Resource.Retiring ? true : (bool?)null,
                owner = x.Resource.Owner is { } o ? new { principal = o.Principal, source = o.Source } : null,
            }),
            blastRadius = plan.BlastRadius.Select(BlastRadiusDto),
            settings = SettingsDto(model),
            tokenUsers = plan.TokenUsageResource is null ? null : plan.TokenUsers.Select(p => p.ToString()),
            credentials = CredentialsDto(plan),
            lookups = plan.Lookups.Select(l => new { l.Token, l.Subject, provider = l.Provider }),
            expiringSoon = plan.ExpiringSoon.Select(e => new { e.Group, principal = e.Principal.ToString(), expires = Stamp(e.Expires), e.Reason, e.Path }),
            // type + resource: the GroupMember an expired membership had, for the scheduled revocation (.github/scripts).
            expired = plan.Expired.Select(e => new
            {
                e.Group,
                principal = e.Principal.ToString(),
                expires = Stamp(e.Expires),
                e.Reason,
                e.Path,
                type = PulumiTypes.GroupMember,
                resource = Planner.MemberResourceName(e.Group, e.Principal),
            }),
            // starts + type + resource: the GroupMember of a started membership, for the hourly job that adds it (.github/scripts/add-started.sh).
            timeBound = plan.TimeBound.Select(e => new
            {
                e.Group,
                principal = e.Principal.ToString(),
                expires = Stamp(e.Expires),
                e.Reason,
                e.Path,
                starts = e.Starts is { } s ? Stamp(s) : null,
                type = PulumiTypes.GroupMember,
                resource = Planner.MemberResourceName(e.Group, e.Principal),
            }),
            pending = PendingDto(model.Pending),
            unresolved = UnresolvedDto(plan),
            access = Tap(result.EnumerateAccess(), actingAs).Select(e => new
            {
                principal = e.Principal.ToString(),
                level = model.LevelOf(e.Principal),
                kind = e.Kind,
                e.Resource,
                e.ResourceKey,
                e.Permission,
                e.Via,
                until = e.Until is { } u ? Stamp(u) : null,
                e.Reason,
                grantedBy = Broker(model, e.Principal),
                note = Broker(model, e.Principal) is { } b ? GrantedBy(b) : null,
            }),

            // Serialized after access, which fills it as it streams.
            actingAs = ActingAsDto(actingAs, result.Matrix!),
        };
        JsonSerializer.Serialize(new Utf8JsonWriterStream(@out), dto, Json);
        @out.WriteLine();
    }

    public static void Diff(TextWriter @out, OutputFormat format, string baseName, string headName, IReadOnlyList<AccessChange> changes, DateTimeOffset now,
        IReadOnlyList<PlanChange>? planChanges = null)
    {
        var other = planChanges ?? [];
        switch (format)
        {
            case OutputFormat.Json:
                @out.WriteLine(JsonSerializer.Serialize(new
                {
                    @base = baseName,
                    head = headName,
                    now = Stamp(now),
                    changes = changes.Select(c => new { change = c.Kind, principal = c.Principal.ToString(), kind = c.Entry.Kind, c.Entry.Resource, c.Entry.ResourceKey, before = c.Before?.Permission, after = c.After?.Permission, via = c.After?.Via ?? c.Before?.Via, until = (c.After ?? c.Before)!.Until is { } u ? Stamp(u) : null, reason = (c.After ?? c.Before)!.Reason, actedAsBy = c.ActedAsBy == 0 ? (int?)null : c.ActedAsBy, text = c.Describe() }),
                    planChanges = other.Select(c => new { kind = c.Kind, subject = c.Subject, text = c.Text, loosens = c.Loosens ? true : (bool?)null }),
                }, Json));
                break;
            case OutputFormat.Markdown:
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
                    break;
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
                break;
            default:
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

                break;
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

    /// <summary>Streams JSON straight into the output writer instead of building one large string.</summary>
    private sealed class Utf8JsonWriterStream(TextWriter writer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => writer.Write(System.Text.Encoding.UTF8.GetString(buffer, offset, count));
    }
}
