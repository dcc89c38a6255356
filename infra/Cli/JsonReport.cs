using System.Text.Json;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Cli.Reports;

namespace DatabricksAccess.Cli;

/// <summary>
/// The reports as JSON for scripts: the typed records of <c>JsonContract.cs</c>, written with <see cref="Reports.Json"/>.
/// System.Text.Json escapes every value it writes.
/// </summary>
internal sealed class JsonReport : IReportFormat
{
    public void Check(TextWriter @out, string source, EvaluationResult result) =>
        @out.WriteLine(JsonSerializer.Serialize(CheckOf(source, result), Json));

    public void Plan(TextWriter @out, string source, EvaluationResult result)
    {
        // A large estate's matrix is streamed straight into the writer instead of one large string.
        JsonSerializer.Serialize(new Utf8JsonWriterStream(@out), PlanOf(source, result), Json);
        @out.WriteLine();
    }

    public void Diff(TextWriter @out, DiffReport diff) => @out.WriteLine(JsonSerializer.Serialize(DiffOf(diff), Json));

    public void Access(TextWriter @out, AccessReport access)
    {
        JsonSerializer.Serialize(new Utf8JsonWriterStream(@out), AccessOf(access), Json);
        @out.WriteLine();
    }

    internal static AccessAnswerJson AccessOf(AccessReport a) => new(
        a.Source,
        Stamp(a.Result.Model.Now),
        a.Result.ExitCode,
        a.Subject,
        a.Note,
        a.Entries.Select(c => new AccessAnswerEntryJson(
            c.Entry.Principal.ToString(),
            c.Object,
            c.Entry.Permission,
            c.Entry.Via,
            c.Entry.Until is { } u ? Stamp(u) : null,
            c.Entry.Reason,
            c.Path.Select(s => new PathStepJson(s.Kind, s.From, s.To, s.Via)))));

    internal static CheckJson CheckOf(string source, EvaluationResult result) => new(
        source,
        Stamp(result.Model.Now),
        result.ExitCode,
        DiagnosticsOf(result),
        result.BlastRadius?.Select(BlastRadiusOf),
        result.BlastRadius is null ? null : SettingsOf(result.Model));

    internal static PlanJson PlanOf(string source, EvaluationResult result)
    {
        var plan = result.Plan!;
        var model = result.Model;
        var actingAs = new List<AccessEntry>();
        return new PlanJson(
            source,
            Stamp(model.Now),
            result.ExitCode,
            DiagnosticsOf(result),
            plan.AllResources.Select(x => new ResourceJson(
                x.Component,
                x.Resource.Type,
                x.Resource.Name,
                x.Resource.Provider,
                x.Resource.Authority.Name(),
                x.Resource.Principal,
                x.Resource.Object,
                x.Resource.DeleteBeforeReplace,
                x.Resource.RetainOnDelete,
                x.Resource.Protect,
                x.Resource.ImportId,
                x.Resource.Entitlements,
                x.Resource.Retiring ? true : null,
                x.Resource.Owner is { } o ? new OwnerJson(o.Principal, o.Source) : null)),
            plan.BlastRadius.Select(BlastRadiusOf),
            SettingsOf(model),
            plan.TokenUsageResource is null ? null : plan.TokenUsers.Select(p => p.ToString()),
            CredentialsOf(plan),
            plan.Lookups.Select(l => new LookupJson(l.Token, l.Subject, l.Provider)),
            plan.ExpiringSoon.Select(e => new ExpiringJson(e.Group, e.Principal.ToString(), Stamp(e.Expires), e.Reason, e.Path)),
            plan.Expired.Select(e => new ExpiredJson(e.Group, e.Principal.ToString(), Stamp(e.Expires), e.Reason, e.Path,
                PulumiTypes.GroupMember, Planner.MemberResourceName(e.Group, e.Principal))),
            plan.TimeBound.Select(e => new TimeBoundJson(e.Group, e.Principal.ToString(), Stamp(e.Expires), e.Reason, e.Path,
                e.Starts is { } s ? Stamp(s) : null, PulumiTypes.GroupMember, Planner.MemberResourceName(e.Group, e.Principal))),
            model.Pending.Select(p => new PendingJson(p.Group, p.Principal.ToString(), Stamp(p.Starts), Stamp(p.Expires), p.Reason, p.Path,
                PulumiTypes.GroupMember, Planner.MemberResourceName(p.Group, p.Principal))),
            plan.Unresolved.Select(u => new UnresolvedJson(u.Email, u.Scope, u.Paths)),
            Tap(result.EnumerateAccess(), actingAs).Select(e => new AccessJson(
                e.Principal.ToString(),
                model.LevelOf(e.Principal),
                e.Kind,
                e.Resource,
                e.ResourceKey,
                e.Permission,
                e.Via,
                e.Until is { } u ? Stamp(u) : null,
                e.Reason,
                Broker(model, e.Principal),
                Broker(model, e.Principal) is { } b ? GrantedBy(b) : null)),

            // Serialized after access, which fills it as it streams.
            ActingAsOf(actingAs, result.Matrix!));
    }

    internal static DiffJson DiffOf(DiffReport diff) => new(
        diff.Base,
        diff.Head,
        Stamp(diff.Now),
        diff.Changes.Select(c => new AccessChangeJson(
            c.Kind,
            c.Principal.ToString(),
            c.Entry.Kind,
            c.Entry.Resource,
            c.Entry.ResourceKey,
            c.Before?.Permission,
            c.After?.Permission,
            c.After?.Via ?? c.Before?.Via,
            (c.After ?? c.Before)!.Until is { } u ? Stamp(u) : null,
            (c.After ?? c.Before)!.Reason,
            c.ActedAsBy == 0 ? null : c.ActedAsBy,
            c.Describe())),
        diff.PlanChanges.Select(c => new PlanChangeJson(c.Kind, c.Subject, c.Text, c.Loosens ? true : null)));

    private static DiagnosticJson[] DiagnosticsOf(EvaluationResult result) =>
        result.Diagnostics.Select(d => new DiagnosticJson(d.Severity, d.Path, d.Rule, d.Message)).ToArray();

    private static BlastRadiusJson BlastRadiusOf((string Component, PlannedResource Resource) x) => new(
        x.Component,
        x.Resource.Type,
        x.Resource.Name,
        x.Resource.Authority.Name(),
        x.Resource.Principal,
        x.Resource.Object,
        x.Resource.Protect,
        x.Resource.Revokes,
        x.Resource.Confers);

    private static SettingsJson SettingsOf(TopologyModel model) => new(
        model.ServicePrincipals.Values.SelectMany(s => s.AccountRoles.Select(r => new AccountRoleJson(s.Ref.ToString(), r))),
        model.ServicePrincipals.Values.Where(s => s.Managers.Count > 0)
            .Select(s => new ManagersJson(s.Ref.ToString(), s.Managers.Select(m => m.ToString()))),
        model.Groups.Values.Where(g => g.MembersDelegated)
            .Select(g => new DelegatedGroupJson(g.Key, g.MembersManagedBy, GrantedBy(g.MembersManagedBy!))),
        model.TokenPolicy is { } p ? new TokenPolicyJson(p.MaxLifetimeDays) : null,
        model.Warehouses.Values.Select(w => new WarehouseJson(w.Key, w.Id, w.Name, w.CanUse.Select(x => x.ToString()), w.CanManage.Select(x => x.ToString()))),
        model.WebApps.Values.Select(a => new WebAppJson(a.Key, a.SiteName, a.Runtime)));

    private static IEnumerable<CredentialSlotJson> CredentialsOf(ResourcePlan plan) =>
        plan.ServicePrincipals.SelectMany(s => s.Credentials).SelectMany(c => c.AllSlots.Select(slot => new CredentialSlotJson(
            slot.Declared,
            c.Principal.ToString(),
            c.Spec.KindName,
            slot.Slot.ToString(),
            Stamp(slot.Issued),
            Stamp(slot.Expires),
            slot.Current,
            slot.Current ? c.Spec.Store?.ToString() : null,
            slot.Current && c.Spec.Store is not null ? c.Spec.StoreFormat : null,
            slot.ResourceName,
            slot.Current ? c.StoreResource : null,
            c.Spec.RotationDays,
            c.Spec.OverlapDays,
            Stamp(c.NextRotation),
            c.Continued ? "continued" : "grid")));

    private static IEnumerable<ActingAsJson> ActingAsOf(List<AccessEntry> actingAs, AccessClosure closure)
    {
        // Many rows name one target: parse it once.
        var targets = new Dictionary<string, PrincipalRef>(StringComparer.Ordinal);
        PrincipalRef Target(AccessEntry e) => targets.TryGetValue(e.Resource, out var t) ? t : targets[e.Resource] = TargetOf(e);
        return actingAs.Select(e =>
        {
            var target = Target(e);
            var (admin, counts) = closure.Summary(target);
            return new ActingAsJson(
                e.Principal.ToString(),
                e.Resource,
                e.Via,
                e.Until is { } u ? Stamp(u) : null,
                e.Reason,
                ActingAsLine(e),
                new ActingAsTargetJson(
                    admin is not null,
                    admin?.Until is { } au ? Stamp(au) : null,
                    counts.ToDictionary(c => c.Kind, c => c.Count),
                    Reaches(closure, target)));
        });
    }
}
