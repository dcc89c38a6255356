using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Jobs.</summary>
internal sealed partial class TopologyBinder
{
    private JobSpec? BindJob(string key, ConfigNode node)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "name", "notebook", "runAs", "owner", "canView", "canManageRun", "canManage", "schedule");
        var notebook = _r.String(map, "notebook", required: true);
        if (notebook is not null && !Names.IsWorkspacePath(notebook))
        {
            _d.Error(map.Child("notebook"), $"'{notebook}' must be an absolute workspace path such as /Shared/etl/nightly (no '.' or '..' parts)");
        }

        var runAsText = _r.String(map, "runAs", required: true);
        var runAs = runAsText is null ? null : Parse(runAsText, map.Child("runAs"));
        if (runAs is { Kind: PrincipalKind.Group })
        {
            _d.Error(map.Child("runAs"), "a job runs as a user or a service principal, not a group");
        }

        JobScheduleSpec? schedule = null;
        if (_r.Map(map["schedule"], map.Child("schedule")) is { } s)
        {
            _r.AllowOnly(s, "cron", "timezone");
            var cron = _r.String(s, "cron", required: true);
            if (cron is not null && !QuartzCron().IsMatch(cron))
            {
                _d.Error(s.Child("cron"), $"'{cron}' is not a Quartz cron expression (6 or 7 fields, seconds first)");
            }

            var timeZone = _r.String(s, "timezone");
            if (timeZone is not null && !TimeZoneId().IsMatch(timeZone))
            {
                _d.Error(s.Child("timezone"), $"'{timeZone}' is not a time zone id such as UTC or Europe/Berlin");
            }

            schedule = cron is null ? null : new JobScheduleSpec(cron, timeZone ?? "UTC");
        }

        var seen = new HashSet<PrincipalRef>();

        // The owner, when declared, is IS_OWNER in the job's Permissions; without it the provider adds the caller
        // [fact: permissions-owner-added]: right for a job the stack creates, wrong for an adopted one.
        PrincipalRef? owner = null;
        if (_r.String(map, "owner") is { } ownerText && Parse(ownerText, map.Child("owner")) is { } o)
        {
            if (o.Kind == PrincipalKind.Group)
            {
                _d.Error(map.Child("owner"), $"{o} cannot own a job: an owner is a user or a service principal");
            }
            else
            {
                owner = o;
                seen.Add(o);
            }
        }

        List<PrincipalRef> Refs(string k)
        {
            var refs = new List<PrincipalRef>();
            foreach (var (text, path) in _r.Strings(map, k))
            {
                if (Parse(text, path) is { } p)
                {
                    if (!seen.Add(p))
                    {
                        _d.Error(path, $"{p} is given more than one permission on this job");
                    }
                    else
                    {
                        refs.Add(p);
                    }
                }
            }

            return refs;
        }

        var view = Refs("canView");
        var manageRun = Refs("canManageRun");
        var manage = Refs("canManage");
        if (notebook is null || runAs is null)
        {
            return null;
        }

        return new JobSpec(key, _r.DisplayName(map, "name") ?? key, notebook, runAs.Value, view, manageRun, manage, schedule, node.Path) { Owner = owner };
    }

    /// <summary>6 or 7 space-separated fields of cron characters (the schema's <c>cron</c> pattern is the same).</summary>
    [GeneratedRegex(@"^[0-9A-Za-z*?/,#L-]+( +[0-9A-Za-z*?/,#L-]+){5,6}$")]
    private static partial Regex QuartzCron();

    /// <summary>A Java/IANA zone id: UTC, Europe/Berlin, America/Argentina/Buenos_Aires, Etc/GMT+5 (the schema's pattern).</summary>
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")]
    private static partial Regex TimeZoneId();
}
