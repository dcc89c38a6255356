using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>Jobs: one the model can express is adopted with its permissions and owner; any other is skipped naming every reason.</summary>
public sealed partial class Adopter
{
    private static readonly HashSet<string> JobLevels = new(StringComparer.Ordinal) { "CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE" };

    /// <summary>Job settings the model does not hold but that are harmless at these values (absent, empty, or the default).</summary>
    private static readonly HashSet<string> JobSettingsIgnored = new(StringComparer.Ordinal) { "format", "edit_mode", "run_as", "queue", "deployment", "performance_target" };

    private static readonly string[] ClusterKeys = ["existing_cluster_id", "new_cluster", "job_cluster_key"];
    private static readonly JobField[] JobFields = [new("CAN_VIEW", "canView"), new("CAN_MANAGE_RUN", "canManageRun"), new("CAN_MANAGE", "canManage")];

    /// <summary>A job permission level and the model's field that lists its holders.</summary>
    private sealed record JobField(string Level, string Field);

    /// <summary>
    /// A job the model can express (one notebook task keyed <c>main</c> on serverless compute, a schedule, run-as,
    /// CAN_VIEW / CAN_MANAGE_RUN / CAN_MANAGE and its IS_OWNER as <c>owner</c>): adopted with its permissions; any other job is skipped naming every
    /// reason. Shapes: Job, JobSettings, Task, NotebookTask, CronSchedule [fact: sdk-jobs-get].
    /// </summary>
    private void AdoptJob(EstateJob read)
    {
        var job = read.Job;
        var settings = job.Settings;
        var name = settings?.Name is { Length: > 0 } n ? n : $"job {job.JobId}";
        var what = $"job '{Comment(name)}' (job_id {job.JobId})";
        if (input.Jobs.Values.Any(j => j.Name == name))
        {
            _report.AlreadyDeclared++;
            return;
        }

        var why = new List<string>();
        var tasks = settings?.Tasks ?? [];
        JobNotebookTask? notebook = null;
        if (tasks.Count != 1)
        {
            why.Add($"it has {tasks.Count} tasks; the model's job has one notebook task");
        }
        else
        {
            var task = tasks[0];
            var other = task.Other ?? [];
            notebook = task.NotebookTask;
            if (notebook is null)
            {
                var type = other.Keys.FirstOrDefault(k => k.EndsWith("_task", StringComparison.Ordinal)) ?? "task of no known type";
                why.Add($"its task is a {type}; the model's job runs a notebook");
            }
            else
            {
                if (notebook.NotebookPath is not { } path || !Names.IsWorkspacePath(path))
                {
                    why.Add($"its notebook '{Comment(notebook.NotebookPath ?? string.Empty)}' is not a workspace path the model accepts");
                }

                if (string.Equals(notebook.Source, "GIT", StringComparison.OrdinalIgnoreCase) || notebook.BaseParameters is { Count: > 0 } || !string.IsNullOrEmpty(notebook.WarehouseId))
                {
                    why.Add("its notebook task has a Git source, parameters or a SQL warehouse, which the model does not hold");
                }
            }

            if (task.TaskKey != "main")
            {
                why.Add($"its task key is '{Comment(task.TaskKey ?? string.Empty)}'; the model names its one task 'main'");
            }

            var cluster = ClusterKeys.Where(k => Set(other.GetValueOrDefault(k))).ToList();
            if (cluster.Count > 0)
            {
                why.Add($"it runs on a cluster ({string.Join(", ", cluster)}); the model's job runs on serverless compute");
            }

            var extra = other.Where(kv => !kv.Key.EndsWith("_task", StringComparison.Ordinal) && !cluster.Contains(kv.Key) && kv.Key != "run_if" && Set(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            if (extra.Count > 0)
            {
                why.Add($"its task has settings the model does not hold ({string.Join(", ", extra)})");
            }
        }

        var unheld = (settings?.Other ?? []).Where(kv => !JobSettingsIgnored.Contains(kv.Key) && Set(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        if (settings?.MaxConcurrentRuns is { } runs && runs != 1)
        {
            unheld.Add($"max_concurrent_runs {runs}");
        }

        if (unheld.Count > 0)
        {
            why.Add($"it has settings the model does not hold ({string.Join(", ", unheld)})");
        }

        if (settings?.Schedule is { } cron && string.Equals(cron.PauseStatus, "PAUSED", StringComparison.OrdinalIgnoreCase))
        {
            why.Add("its schedule is paused; the model's schedule always runs");
        }

        string? runAs = null;
        if (job.RunAsUserName is not { Length: > 0 } runAsName)
        {
            why.Add("it names no run-as principal (run_as_user_name)");
        }
        else if (input.Deployer?.AdminApplicationIds.Contains(runAsName, StringComparer.OrdinalIgnoreCase) == true)
        {
            why.Add($"it runs as the deployer or an automation identity ({Comment(runAsName)}), which the model does not declare as a service principal");
        }
        else if (_spRefByAppId.TryGetValue(runAsName, out var sp))
        {
            runAs = sp;
        }
        else if (Names.IsEmail(runAsName.ToLowerInvariant()))
        {
            runAs = $"user:{runAsName.ToLowerInvariant()}";
        }
        else
        {
            why.Add($"it runs as '{Comment(runAsName)}', no user or adopted service principal");
        }

        // Its permissions: the Permissions resource is authoritative, so one the model cannot name would be revoked.
        var levels = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? owner = null;
        if (read.Acl is null)
        {
            why.Add("its permissions could not be read (HTTP 404)");
        }

        foreach (var entry in read.Acl ?? [])
        {
            var direct = (entry.AllPermissions ?? []).Where(l => !l.Inherited && l.Level is { Length: > 0 }).Select(l => l.Level!.ToUpperInvariant()).ToList();
            if (direct.Count == 0)
            {
                continue;
            }

            var live = entry.UserName ?? entry.GroupName ?? entry.ServicePrincipalName ?? string.Empty;
            if (entry.GroupName == "admins" || input.Deployer?.AdminApplicationIds.Contains(live, StringComparer.OrdinalIgnoreCase) == true)
            {
                continue; // admins hold CAN_MANAGE on every job; the deployer is declared without a line
            }

            var level = direct.Contains("IS_OWNER") ? "IS_OWNER" : direct.Contains("CAN_MANAGE") ? "CAN_MANAGE" : direct.Contains("CAN_MANAGE_RUN") ? "CAN_MANAGE_RUN" : direct[0];
            if (!JobLevels.Contains(level) && level != "IS_OWNER")
            {
                why.Add($"{Comment(live)} holds {Comment(level)}, a level the model does not know");
                continue;
            }

            var r = entry.UserName is { Length: > 0 } user
                ? (Names.IsEmail(user.ToLowerInvariant()) ? $"user:{user.ToLowerInvariant()}" : null)
                : entry.GroupName is { Length: > 0 } group
                    ? (group == "users" ? "group:users" : _adoptedGroupByName.GetValueOrDefault(group) ?? _groupRefByName.GetValueOrDefault(group))
                    : entry.ServicePrincipalName is { Length: > 0 } app ? _spRefByAppId.GetValueOrDefault(app) : null;
            if (r is null)
            {
                why.Add($"{Comment(live)} holds {level} on it and is no user, adopted group or service principal (declaring its permissions would revoke that)");
                continue;
            }

            if (level == "IS_OWNER")
            {
                // Declared as the job's owner: the import reads the live IS_OWNER (Read drops only the caller, admins and
                // inherited entries [fact: permissions-read]), and a list without one would make the deployer IS_OWNER on the
                // first up [fact: permissions-owner-added].
                if (r.StartsWith("group:", StringComparison.Ordinal))
                {
                    why.Add($"its owner is the group {Comment(live)}; a job's owner is a user or a service principal");
                    continue;
                }

                owner = r;
                continue;
            }

            levels.GetOrAdd(level).Add(r);
        }

        if (why.Count > 0)
        {
            Skip($"{what}: {string.Join("; ", why)}");
            return;
        }

        var key = NewKey(name, _jobKeys, "job");
        var e = Entry("jobs", key, what);
        e.Lines.Add($"# adopted {stamp} from the {what}");
        e.Lines.Add($"{Scalar(key)}:");
        if (name != key)
        {
            e.Lines.Add($"  name: {Scalar(name)}");
        }

        e.Lines.Add($"  notebook: {Scalar(notebook!.NotebookPath!)}");
        e.Lines.Add($"  runAs: {Scalar(runAs!)}");
        if (settings?.Schedule is { Cron: { Length: > 0 } expression } schedule)
        {
            e.Lines.Add("  schedule:");
            e.Lines.Add($"    cron: {Scalar(expression)}");
            e.Lines.Add($"    timezone: {Scalar(schedule.TimeZone is { Length: > 0 } tz ? tz : "UTC")}");
        }

        if (owner is not null)
        {
            e.Lines.Add($"  owner: {Scalar(owner)}");
        }

        foreach (var (level, field) in JobFields)
        {
            if (levels.TryGetValue(level, out var refs))
            {
                var distinct = refs.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                e.Lines.Add($"  {field}: [{string.Join(", ", distinct.Select(Scalar))}]");
                e.Permissions += distinct.Count;
            }
        }

        _ids.Jobs[key] = job.JobId;
    }

    /// <summary>A JSON value that says something: not null, false, 0, "" or an empty object or array.</summary>
    private static bool Set(System.Text.Json.JsonElement? value) => value is { } v && v.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.False => false,
        System.Text.Json.JsonValueKind.Number => v.GetRawText() is not ("0" or "0.0"),
        System.Text.Json.JsonValueKind.String => v.GetString()!.Length > 0,
        System.Text.Json.JsonValueKind.Object => v.EnumerateObject().Any(p => Set(p.Value)),
        System.Text.Json.JsonValueKind.Array => v.GetArrayLength() > 0,
        _ => true,
    };
}
