using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Planning;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology;

/// <summary>
/// Changes a reviewer must see that are not themselves grants: a job that runs as someone else (everyone who may run
/// it now runs code as that identity), every policy key that changes (old → new, loosening marked), entries added
/// already expired (they grant nothing), and time-bound access that starts later.
/// </summary>
public static class ReviewDiff
{
    public const string RunAsKind = "run-as";
    public const string PolicyKind = "policy";
    public const string ExpiredKind = "expired";
    public const string PendingKind = "pending";

    /// <summary>The heading of a kind of change (this one's and <see cref="PlanDiff"/>'s) in a review.</summary>
    public static string Title(string kind) => kind switch
    {
        RunAsKind => "Run-as changes",
        PolicyKind => "Policy changes",
        ExpiredKind => "Entries added already expired",
        PendingKind => "Pending (time-bound access that starts later)",
        PlanDiff.AuthorityKind => "Authority changes",
        PlanDiff.RotationKind => "Credential rotation changes",
        PlanDiff.KeptKind => "Secrets no longer declared (kept in the workspace unless their scope goes)",
        _ => kind,
    };

    public static IReadOnlyList<PlanChange> Compute(TopologyModel before, TopologyModel after) =>
        [.. RunAs(before, after), .. Policy(before.Policy, after.Policy), .. Expired(before, after), .. Pending(before, after)];

    private static IEnumerable<PlanChange> RunAs(TopologyModel before, TopologyModel after)
    {
        foreach (var job in after.Jobs.Values)
        {
            if (!before.Jobs.TryGetValue(job.Key, out var was) || was.RunAs == job.RunAs)
            {
                continue;
            }

            var runners = job.Permissions.Where(p => p.Level >= JobPermission.CanManageRun && p.Principal != job.RunAs)
                .Select(p => p.Principal.ToString()).ToList();
            var who = runners.Count == 0
                ? $"only workspace admins can run code as {job.RunAs} through it"
                : $"{string.Join(", ", runners)} can run code as {job.RunAs}";
            yield return new(RunAsKind, $"job {job.Key}", $"job {job.Name} now runs as {job.RunAs} (was {was.RunAs}): {who}");
        }
    }

    /// <summary>Key by key, old → new; a change that lets more through is marked "(loosens)".</summary>
    public static IEnumerable<PlanChange> Policy(PolicySpec before, PolicySpec after)
    {
        PlanChange Number(string key, int old, int @new) =>
            new(PolicyKind, key, $"policy {key}: {old} → {@new}{(@new > old ? " (loosens)" : " (tightens)")}") { Loosens = @new > old };

        PlanChange Flag(string key, bool old, bool @new, bool looserWhen) =>
            new(PolicyKind, key, $"policy {key}: {Lower(old)} → {Lower(@new)}{(@new == looserWhen ? " (loosens)" : " (tightens)")}") { Loosens = @new == looserWhen };

        if (before.MaxExpiryDays != after.MaxExpiryDays)
        {
            yield return Number("maxExpiryDays", before.MaxExpiryDays, after.MaxExpiryDays);
        }

        if (before.MaxAdminHours != after.MaxAdminHours)
        {
            yield return Number("maxAdminHours", before.MaxAdminHours, after.MaxAdminHours);
        }

        foreach (var p in after.StandingAdmins.Except(before.StandingAdmins).Order())
        {
            yield return new(PolicyKind, "standingAdmins", $"policy standingAdmins: + {p} (loosens: may be a workspace admin without expiry)") { Loosens = true };
        }

        foreach (var p in before.StandingAdmins.Except(after.StandingAdmins).Order())
        {
            yield return new(PolicyKind, "standingAdmins", $"policy standingAdmins: - {p} (tightens)");
        }

        if (before.RequireReason != after.RequireReason)
        {
            yield return Flag("requireReason", before.RequireReason, after.RequireReason, looserWhen: false);
        }

        if (before.MaxTokenLifetimeDays != after.MaxTokenLifetimeDays)
        {
            yield return Number("maxTokenLifetimeDays", before.MaxTokenLifetimeDays, after.MaxTokenLifetimeDays);
        }

        if (before.MaxRotationDays != after.MaxRotationDays)
        {
            yield return Number("maxRotationDays", before.MaxRotationDays, after.MaxRotationDays);
        }

        if (before.AllowAllUsersAcl != after.AllowAllUsersAcl)
        {
            yield return Flag("allowAllUsersAcl", before.AllowAllUsersAcl, after.AllowAllUsersAcl, looserWhen: true);
        }

        var old = before.Exceptions.GroupBy(e => (e.Rule, e.Principal)).ToDictionary(g => g.Key, g => g.Max(e => e.Expires));
        var now = after.Exceptions.GroupBy(e => (e.Rule, e.Principal)).ToDictionary(g => g.Key, g => g.First());
        foreach (var ((rule, principal), e) in now.OrderBy(x => x.Key.Rule, StringComparer.Ordinal).ThenBy(x => x.Key.Principal))
        {
            if (!old.Remove((rule, principal), out var was))
            {
                yield return new(PolicyKind, "exceptions", $"policy exceptions: + {rule} for {principal} until {Instants.Format(e.Expires)} ({e.Reason}) (loosens)") { Loosens = true };
            }
            else if (was != e.Expires)
            {
                var loosens = e.Expires > was;
                yield return new(PolicyKind, "exceptions", $"policy exceptions: {rule} for {principal} until {Instants.Format(was)} → {Instants.Format(e.Expires)}{(loosens ? " (loosens)" : " (tightens)")}") { Loosens = loosens };
            }
        }

        foreach (var (rule, principal) in old.Keys.OrderBy(k => k.Rule, StringComparer.Ordinal).ThenBy(k => k.Principal))
        {
            yield return new(PolicyKind, "exceptions", $"policy exceptions: - {rule} for {principal} (tightens)");
        }
    }

    private static IEnumerable<PlanChange> Expired(TopologyModel before, TopologyModel after)
    {
        var known = before.Expired.Select(e => (e.Group, e.Principal, e.Expires)).ToHashSet();
        foreach (var e in after.Expired.Where(e => !known.Contains((e.Group, e.Principal, e.Expires))))
        {
            yield return new(ExpiredKind, $"group {e.Group}", $"{e.Principal} in '{e.Group}' is added with expires {Instants.Format(e.Expires)}, already past at {Instants.Format(after.Now)}: it grants nothing");
        }
    }

    private static IEnumerable<PlanChange> Pending(TopologyModel before, TopologyModel after)
    {
        var known = before.Pending.Select(e => (e.Group, e.Principal, e.Starts, e.Expires)).ToHashSet();
        foreach (var p in after.Pending.Where(p => !known.Contains((p.Group, p.Principal, p.Starts, p.Expires))))
        {
            var why = p.Reason is null ? string.Empty : $" ({p.Reason})";
            yield return new(PendingKind, $"group {p.Group}", $"{p.Principal} joins '{p.Group}' from {Instants.Format(p.Starts)} until {Instants.Format(p.Expires)}{why}: pending, added by the first up at or after its start");
        }
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
