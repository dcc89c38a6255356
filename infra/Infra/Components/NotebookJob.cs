using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Components;

public sealed class NotebookJobArgs
{
    public required JobPlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public required IPrincipalResolver Principals { get; init; }
}

/// <summary>A serverless notebook job, who it runs as, and who may view, run or manage it.</summary>
public sealed class NotebookJob : ComponentResource
{
    public const string TaskKey = "main";

    public NotebookJob(string name, NotebookJobArgs args, ComponentResourceOptions? options = null)
        : base(PulumiTypes.JobComponent, name, options)
    {
        var plan = args.Plan;
        var spec = plan.Spec;

        var children = PlannedChildren.Of(this, plan, args.Providers);
        var runAs = spec.RunAs.Kind switch
        {
            PrincipalKind.User => new Dbx.Inputs.JobRunAsArgs { UserName = spec.RunAs.Key },
            PrincipalKind.ServicePrincipal or PrincipalKind.WebApp =>
                new Dbx.Inputs.JobRunAsArgs { ServicePrincipalName = args.Principals.AccessName(spec.RunAs) },
            _ => throw new InvalidOperationException($"{spec.Path}: a job cannot run as {spec.RunAs}"),
        };

        var jobArgs = new Dbx.JobArgs
        {
            Name = spec.Name,
            RunAs = runAs,

            // No cluster: the task runs on serverless compute.
            Tasks =
            {
                new Dbx.Inputs.JobTaskArgs
                {
                    TaskKey = TaskKey,
                    NotebookTask = new Dbx.Inputs.JobTaskNotebookTaskArgs { NotebookPath = spec.Notebook },
                },
            },
        };
        if (spec.Schedule is { } schedule)
        {
            jobArgs.Schedule = new Dbx.Inputs.JobScheduleArgs { QuartzCronExpression = schedule.Cron, TimezoneId = schedule.TimeZone };
        }

        // Runs as a principal that must be in the workspace, and usable by the deployer (its rule set), first.
        var job = children.Create(plan.JobResource, args.Principals.Gates(spec.RunAs), o => new Dbx.Job(plan.JobResource, jobArgs, o));

        if (plan.PermissionsResource is { } permissionsName)
        {
            var permissions = new Dbx.PermissionsArgs { JobId = job.Id };
            foreach (var (principal, level) in spec.Permissions)
            {
                permissions.AccessControls.Add(args.Principals.AccessControl(principal, Vocabulary.Name(level)));
            }

            // The owner the plan declares, as IS_OWNER: the provider adds the caller as IS_OWNER to a list without one
            // [fact: permissions-owner-added], so an undeclared owner stays the deployer's.
            if (spec.Owner is { } owner)
            {
                permissions.AccessControls.Add(args.Principals.AccessControl(owner, "IS_OWNER"));
            }

            var principals = spec.Permissions.Select(p => p.Principal).Concat(spec.Owner is { } o ? [o] : []);
            children.Create(permissionsName, principals.SelectMany(args.Principals.Gates),
                o => new Dbx.Permissions(permissionsName, permissions, o));
        }

        children.Complete();

        JobId = job.Id;
        Url = job.Url;
        RegisterOutputs();
    }

    [Output("jobId")]
    public Output<string> JobId { get; private set; }

    [Output("url")]
    public Output<string> Url { get; private set; }
}
