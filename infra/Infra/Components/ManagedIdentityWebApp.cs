using System.Collections.Immutable;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;
using ManagedIdentity = Pulumi.AzureNative.ManagedIdentity;
using Web = Pulumi.AzureNative.Web;
using WebInputs = Pulumi.AzureNative.Web.Inputs;

namespace DatabricksAccess.Infra.Components;

public sealed class ManagedIdentityWebAppArgs
{
    public required WebAppPlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public required Input<string> ResourceGroupName { get; init; }

    /// <summary>Used when the web app declares no location of its own (the resource group's).</summary>
    public Input<string>? Location { get; init; }

    /// <summary>The workspace URL (<c>databricks:host</c>), given to the app as DATABRICKS_HOST.</summary>
    public string? DatabricksHost { get; init; }

    public AccountSpec? Account { get; init; }

    /// <summary>The CI identity, granted servicePrincipal.user when the plan has a rule set for this principal.</summary>
    public DeployerSpec? Deployer { get; init; }

    /// <summary>Ids of the jobs the app triggers (<see cref="WebAppPlan.TriggeredJobs"/>), in that order.</summary>
    public required Output<ImmutableArray<string>> JobIds { get; init; }
}

/// <summary>
/// A Linux web app with a managed identity, and that identity as a Databricks service principal (entitlements,
/// workspace assignment). Everything is named and scoped by its <see cref="WebAppPlan"/>.
/// </summary>
public sealed class ManagedIdentityWebApp : ComponentResource, IIdentityComponent
{
    /// <summary>The runtime when none is declared (<c>webApps.&lt;k&gt;.runtime</c>).</summary>
    public const string Runtime = Vocabulary.DefaultRuntime;

    public ManagedIdentityWebApp(string name, ManagedIdentityWebAppArgs args, ComponentResourceOptions? options = null)
        : base(PulumiTypes.WebAppComponent, name, options)
    {
        var plan = args.Plan;
        var spec = plan.Spec;

        var children = PlannedChildren.Of(this, plan, args.Providers);
        Input<string>? location = spec.Location is { } own ? own : args.Location;

        var servicePlan = children.Create(plan.PlanResource, o => new Web.AppServicePlan(plan.PlanResource, new Web.AppServicePlanArgs
        {
            ResourceGroupName = args.ResourceGroupName,
            Location = location,
            Kind = "Linux",
            Reserved = true,
            Sku = new WebInputs.SkuDescriptionArgs { Name = spec.Sku, Tier = plan.PlanTier },
        }, o));

        Output<string> clientId;
        WebInputs.ManagedServiceIdentityArgs identity;
        if (spec.Identity == WebAppIdentityKind.UserAssigned)
        {
            var uami = children.Create(plan.IdentityResource, o => new ManagedIdentity.UserAssignedIdentity(plan.IdentityResource,
                new ManagedIdentity.UserAssignedIdentityArgs { ResourceGroupName = args.ResourceGroupName, Location = location }, o));
            clientId = uami.ClientId;
            identity = new WebInputs.ManagedServiceIdentityArgs
            {
                Type = Web.ManagedServiceIdentityType.UserAssigned,
                UserAssignedIdentities = { uami.Id },
            };
        }
        else
        {
            // A system-assigned identity's application id exists only once the site does; config declares it.
            clientId = Output.Create(spec.ApplicationId
                ?? throw new InvalidOperationException($"{spec.Path}: a system-assigned identity needs applicationId"));
            identity = new WebInputs.ManagedServiceIdentityArgs { Type = Web.ManagedServiceIdentityType.SystemAssigned };
        }

        var settings = new InputList<WebInputs.NameValuePairArgs>();
        if (args.DatabricksHost is { } host)
        {
            settings.Add(new WebInputs.NameValuePairArgs { Name = "DATABRICKS_HOST", Value = host });
        }

        if (spec.Identity == WebAppIdentityKind.UserAssigned)
        {
            // DefaultAzureCredential picks the user-assigned identity by its client id.
            settings.Add(new WebInputs.NameValuePairArgs { Name = "AZURE_CLIENT_ID", Value = clientId });
        }

        settings.Add(new WebInputs.NameValuePairArgs { Name = "DATABRICKS_JOB_IDS", Value = args.JobIds.Apply(ids => string.Join(',', ids)) });

        var site = children.Create(plan.SiteResource, o => new Web.WebApp(plan.SiteResource, new Web.WebAppArgs
        {
            Name = spec.SiteName,
            ResourceGroupName = args.ResourceGroupName,
            Location = location,
            ServerFarmId = servicePlan.Id,
            Kind = "app,linux",
            Reserved = true,
            HttpsOnly = true,
            Identity = identity,
            SiteConfig = new WebInputs.SiteConfigArgs
            {
                LinuxFxVersion = plan.Spec.Runtime,
                AlwaysOn = plan.PlanTier is not ("Free" or "Shared"),
                FtpsState = Web.FtpsState.Disabled,
                MinTlsVersion = Web.SupportedTlsVersions.SupportedTlsVersions_1_2,
                ScmMinTlsVersion = Web.SupportedTlsVersions.SupportedTlsVersions_1_2,
                Http20Enabled = true,
                AppSettings = settings,
            },
        }, o));

        var spArgs = new Dbx.ServicePrincipalArgs { ApplicationId = clientId, DisplayName = spec.SiteName };
        if (plan.CarriesEntitlements)
        {
            (spArgs.WorkspaceAccess, spArgs.DatabricksSqlAccess, spArgs.AllowClusterCreate, spArgs.AllowInstancePoolCreate, spArgs.WorkspaceConsume) = Identity.Flags(spec.Entitlements);
        }

        var sp = children.Create(plan.SpResource, o => new Dbx.ServicePrincipal(plan.SpResource, spArgs, o));

        var assignment = Identity.AssignAndEntitle(children, plan.AssignmentResource, plan.EntitlementsResource, args.Account,
            sp.Id, spec.WorkspaceAccess, spec.Entitlements, (e, subject) => e.ServicePrincipalId = subject, plan.RetiringEntitlementsResource);

        var ruleSet = Identity.GrantDeployerUse(children, plan.RuleSetResource, args.Account, args.Deployer, sp.ApplicationId);
        children.Complete();

        Url = Output.Format($"https://{site.DefaultHostName}");
        IdentityClientId = clientId;
        ApplicationId = sp.ApplicationId;
        ServicePrincipalId = sp.Id;
        AccessName = sp.ApplicationId;
        Gates = Identity.Gates(assignment, ruleSet);
        RegisterOutputs();
    }

    [Output("url")]
    public Output<string> Url { get; private set; }

    [Output("identityClientId")]
    public Output<string> IdentityClientId { get; private set; }

    [Output("applicationId")]
    public Output<string> ApplicationId { get; private set; }

    [Output("servicePrincipalId")]
    public Output<string> ServicePrincipalId { get; private set; }

    /// <summary>The application id (see <see cref="IPrincipalResolver.AccessName"/>).</summary>
    public Output<string> AccessName { get; }

    /// <summary>Its workspace assignment and rule set, when planned (see <see cref="IPrincipalResolver.Gates"/>).</summary>
    public IReadOnlyList<Resource> Gates { get; }

    Output<string> IIdentityComponent.PrincipalId => ServicePrincipalId;
}
