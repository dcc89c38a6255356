using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Cli;

public enum OutputFormat
{
    Text,
    Json,
    Markdown,
}

/// <summary>One report in one format: <see cref="TextReport"/>, <see cref="MarkdownReport"/> and <see cref="JsonReport"/>.</summary>
internal interface IReportFormat
{
    /// <summary><c>check</c>: the verdict, each finding, and the blast radius and settings of a valid stack.</summary>
    void Check(TextWriter @out, string source, EvaluationResult result);

    /// <summary><c>plan</c> of a valid stack: resources, blast radius, credentials, memberships, the access matrix.</summary>
    void Plan(TextWriter @out, string source, EvaluationResult result);

    /// <summary><c>diff</c>: the access-level changes between two versions of a stack file, and its other changes.</summary>
    void Diff(TextWriter @out, DiffReport diff);

    /// <summary><c>access</c>: every entry of the closure for one principal or one object, each with its complete path.</summary>
    void Access(TextWriter @out, AccessReport access);
}

/// <summary>
/// What <c>access</c> reports: every entry of the closure for one principal or one object, each with its permission,
/// its end (the earliest along the path) and reason, and its complete path. The same entries in every format.
/// </summary>
internal sealed record AccessReport(string Source, EvaluationResult Result, string Subject, IReadOnlyList<ClosureEntry> Entries, string? Note);

/// <summary>What <c>diff</c> reports: the two files, the access changes, when, and the run-as, policy, authority and rotation changes.</summary>
internal sealed record DiffReport(string Base, string Head, IReadOnlyList<AccessChange> Changes, DateTimeOffset Now, IReadOnlyList<PlanChange> PlanChanges);

/// <summary>
/// Renders check, plan and diff results, one class per format (<see cref="IReportFormat"/>); this part holds what the
/// formats share. Secret values are never part of any model, so none can leak here. Every value from config goes
/// through <see cref="Escape"/> for its format: text stays one line per finding, Markdown gets no raw HTML and no
/// forged table rows.
/// </summary>
internal static partial class Reports
{
    private static readonly TextReport TextFormat = new();
    private static readonly JsonReport JsonFormat = new();
    private static readonly MarkdownReport MarkdownFormat = new();

    /// <summary>The JSON reports' serializer settings: part of the contract the schemas in schema/ describe.</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The one place a format picks its writer (text, as before, for any other value).</summary>
    public static IReportFormat For(OutputFormat format) => format switch
    {
        OutputFormat.Json => JsonFormat,
        OutputFormat.Markdown => MarkdownFormat,
        _ => TextFormat,
    };

    public static void Check(TextWriter @out, OutputFormat format, string source, EvaluationResult result) => For(format).Check(@out, source, result);

    public static void Plan(TextWriter @out, OutputFormat format, string source, EvaluationResult result) => For(format).Plan(@out, source, result);

    public static void Diff(TextWriter @out, OutputFormat format, string baseName, string headName, IReadOnlyList<AccessChange> changes, DateTimeOffset now,
        IReadOnlyList<PlanChange>? planChanges = null) =>
        For(format).Diff(@out, new DiffReport(baseName, headName, changes, now, planChanges ?? []));

    public static string Stamp(DateTimeOffset t) => Instants.Format(t);

    /// <summary>How many characters of findings <see cref="Diagnostics"/> hands its writer at once.</summary>
    internal const int DiagnosticsBlock = 1 << 15;

    /// <summary>
    /// Every finding on one line of <paramref name="err"/>. Written in blocks of lines, not line by line: stderr flushes
    /// after every write, and a stack file can have hundreds of thousands of findings.
    /// </summary>
    public static void Diagnostics(TextWriter err, EvaluationResult result, string? prefix = null)
    {
        var block = new StringBuilder(2 * DiagnosticsBlock);
        var newLine = err.NewLine;
        foreach (var d in result.Diagnostics)
        {
            block.Append(Escape.Text(prefix is null ? d.ToString() : $"{prefix}: {d}")).Append(newLine);
            if (block.Length >= DiagnosticsBlock)
            {
                err.Write(block);
                block.Clear();
            }
        }

        if (block.Length > 0)
        {
            err.Write(block);
        }
    }

    internal static string Verdict(EvaluationResult result) => result.ExitCode switch
    {
        0 => result.Diagnostics.Count == 0 ? "valid, no policy violations" : $"valid, no policy violations, {result.Diagnostics.Count} warning(s)",
        1 => $"{result.Diagnostics.Count(d => d.Severity == Severity.Violation)} policy violation(s)",
        _ => $"invalid: {result.Diagnostics.Count(d => d.Severity == Severity.Error)} error(s)",
    };

    /// <summary>The broker that grants the members of a delegated group (<c>members.managedBy</c>); null otherwise.</summary>
    internal static string? Broker(TopologyModel model, PrincipalRef principal) =>
        principal.Kind == PrincipalKind.Group && model.Groups.TryGetValue(principal.Key, out var g) ? g.MembersManagedBy : null;

    /// <summary>How the matrix names whoever a broker puts into a delegated group.</summary>
    public static string GrantedBy(string broker) => $"members granted by {broker}";

    internal static string FormatNote(CredentialSpec spec) => spec.StoreFormat == StoreFormat.Json ? " (json: client_id, client_secret)" : string.Empty;

    /// <summary>One declared setting of the issue-21 kinds (account roles, managers, delegated members, token policy, warehouses, runtimes).</summary>
    internal sealed record Setting(string Kind, string Subject, string Detail);

    internal static List<Setting> Settings(TopologyModel model)
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

    public static string Name(Authority authority) => authority.Name();

    internal static string RadiusSummary(IReadOnlyList<(string Component, PlannedResource Resource)> radius)
    {
        var authoritative = radius.Count(x => x.Resource.Authority == Authority.Authoritative);
        var confers = radius.Count(x => x.Resource.Confers is not null && x.Resource.Authority != Authority.Authoritative);
        return $"{authoritative} authoritative (explicit opt-ins, protected), {radius.Count - authoritative - confers} per-principal of principals this stack does not create, {confers} account role(s) granting account-wide power";
    }

    /// <summary>Passes the access matrix through, keeping its acting-as entries for the section after it (the matrix is streamed once).</summary>
    internal static IEnumerable<AccessEntry> Tap(IEnumerable<AccessEntry> entries, List<AccessEntry> actingAs)
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
    internal static List<IGrouping<string, AccessEntry>> ByTarget(List<AccessEntry> actingAs) =>
        actingAs.GroupBy(e => e.Resource, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();

    internal static PrincipalRef TargetOf(AccessEntry e) =>
        PrincipalRef.TryParse(e.Resource, out var p, out _) ? p : throw new InvalidOperationException($"not a principal: {e.Resource}");

    /// <summary>Streams JSON straight into the output writer instead of building one large string.</summary>
    internal sealed class Utf8JsonWriterStream(TextWriter writer) : Stream
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
