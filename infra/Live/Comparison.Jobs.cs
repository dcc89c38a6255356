using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        private void Jobs()
        {
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            foreach (var job in declaration.Jobs)
            {
                var obj = $"job:{job.Name}";
                var found = live.Jobs.GetValueOrDefault(job.Name) ?? [];
                if (found.Count == 0)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "no job has this name");
                    continue;
                }

                foreach (var liveJob in found)
                {
                    var suffix = found.Count > 1 ? $" (job_id {liveJob.JobId}, one of {found.Count} jobs with this name)" : $" (job_id {liveJob.JobId})";
                    if (liveJob.Acl is null)
                    {
                        Add(FindingKinds.Missing, Severity.Low, null, obj, "the job's permissions are not found (HTTP 404)" + suffix);
                        continue;
                    }

                    // The creator's IS_OWNER is the provider's to keep, never declared (fetchObjectCreator: jobs.Get
                    // creator_user_name [fact: permissions-delete-to-creator]).
                    // A declared owner (jobs.<key>.owner, as IS_OWNER) is compared like any other level.
                    var creator = job.Permissions.Any(p => p.Permission == "IS_OWNER") ? null : liveJob.Creator?.Trim().ToLowerInvariant();
                    var entries = Direct(liveJob.Acl)
                        .Select(e => (e.Principal, Level: e.Levels.OrderByDescending(l => Array.IndexOf(JobLevels, l)).First()))
                        .Where(e => !(e.Level == "IS_OWNER" && creator is not null && e.Principal.Key.Name == creator));
                    Levels(FindingKinds.UndeclaredJobPermission, obj, "the job", JobLevels,
                        DeclaredKeys(job.Permissions.Select(p => (p.Principal, p.Permission))), job.Permissions, entries,
                        p => p.Key == _deployer || p.Key == admins, suffix);
                }
            }
        }

        // ---- undeclared jobs acting as declared principals --------------------------------------------------------

        /// <summary>
        /// A job the stack does not declare that runs as a principal it declares: each holder of CAN_MANAGE_RUN,
        /// CAN_MANAGE or IS_OWNER can run code as that principal (run it, or change its tasks and run them), besides the
        /// run-as principal itself and the admins (<c>admins</c>, the deployer, the automation identities), who can do so
        /// anyway. The job's creator holds IS_OWNER like any other holder: it is named too.
        /// </summary>
        private void ActingAs()
        {
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            string[] acting = ["CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER"];
            foreach (var job in live.UndeclaredJobs.Where(j => j.RunAs is { Length: > 0 }))
            {
                var runAs = Classify(job.RunAs!);
                var who = Name(runAs);
                var obj = $"job:{job.Name}";
                if (job.Acl is null)
                {
                    _notes.Add($"{obj} (job_id {job.JobId}) runs as {who} and is not declared; its permissions are not found (HTTP 404), so who can run it is not known");
                    continue;
                }

                var holders = Direct(job.Acl)
                    .Select(e => (e.Principal, Level: e.Levels.OrderByDescending(l => Array.IndexOf(JobLevels, l)).First()))
                    .Where(e => acting.Contains(e.Level) && e.Principal.Key != runAs.Key && e.Principal.Key != admins && e.Principal.Key != _deployer && !_automation.Contains(e.Principal.Key));
                foreach (var (p, level) in holders)
                {
                    Add(FindingKinds.UndeclaredActingAs, Severity.High, Name(p), obj,
                        $"{level} on a job the stack does not declare, which runs as {who} (job_id {job.JobId}): can run code as {who}");
                }
            }
        }

        // ---- SQL warehouses ------------------------------------------------------------------------------------
    }
}
