using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Components;

public sealed class DatabricksServicePrincipalArgs
{
    public required ServicePrincipalPlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public AccountSpec? Account { get; init; }

    /// <summary>
    /// The stack's <c>tokens</c> permission (CAN_USE), which an on-behalf-of token needs before it can be created.
    /// It is created after the service principals (it names their application ids), hence an output.
    /// </summary>
    public Output<Resource>? TokenPermission { get; init; }
}

/// <summary>
/// A Databricks service principal (created, or looked up when it exists already or comes from Entra ID), its
/// entitlements and workspace assignment, and its credentials: an OAuth secret and an on-behalf-of token, each
/// replaced once per rotation period through the plan's time-bucketed keeper.
/// </summary>
public sealed class DatabricksServicePrincipal : ComponentResource
{
    public const int SecondsPerDay = 86_400;

    public DatabricksServicePrincipal(string name, DatabricksServicePrincipalArgs args, ComponentResourceOptions? options = null)
        : base(PulumiTypes.ServicePrincipalComponent, name, options)
    {
        var plan = args.Plan;
        var spec = plan.Spec;

        var children = PlannedChildren.Of(this, plan, args.Providers);
        Output<string> id;
        Output<string> applicationId;
        if (plan.Creates)
        {
            var spArgs = new Dbx.ServicePrincipalArgs { DisplayName = spec.DisplayName };
            if (spec.ApplicationId is { } given)
            {
                spArgs.ApplicationId = given;
            }

            var sp = children.Create(plan.SpResource, o => new Dbx.ServicePrincipal(plan.SpResource, spArgs, o));
            id = sp.Id;
            applicationId = sp.ApplicationId;
        }
        else
        {
            var found = Dbx.GetServicePrincipal.Invoke(
                new Dbx.GetServicePrincipalInvokeArgs { ApplicationId = spec.ApplicationId! },
                children.Invoke(plan.SpProvider));
            id = found.Apply(f => f.Id);
            applicationId = found.Apply(f => f.ApplicationId);
        }

        var assignment = Identity.AssignAndEntitle(children, plan.AssignmentResource, plan.EntitlementsResource, args.Account,
            id, spec.WorkspaceAccess, spec.Entitlements, (e, subject) => e.ServicePrincipalId = subject);

        AccessName = Identity.After(applicationId, assignment);

        OAuthSecret = Output.CreateSecret(Output.Create((string?)null));
        if (plan.OAuthSecretResource is { } secretName)
        {
            var rotation = plan.OAuthRotation ?? throw new InvalidOperationException($"{name}: an OAuth secret without a rotation");
            var lifetimeDays = plan.OAuthLifetimeDays ?? throw new InvalidOperationException($"{name}: an OAuth secret without a lifetime");
            var secret = children.Create(secretName, o => new Dbx.ServicePrincipalSecret(secretName, new Dbx.ServicePrincipalSecretArgs
            {
                ServicePrincipalId = id,
                // The provider takes the lifetime in seconds, formatted as "NNNNs".
                Lifetime = $"{lifetimeDays * SecondsPerDay}s",
                // Changing this forces a new secret: the keeper changes once per rotation period.
                TimeRotating = rotation.Keeper,
            }, o));

            // The provider marks `secret` secret; under mocks (and for safety) it is wrapped here as well.
            OAuthSecret = Output.CreateSecret(secret.Secret.Apply(s => (string?)s));
        }

        TokenValue = Output.CreateSecret(Output.Create((string?)null));
        if (plan.TokenResource is { } tokenName)
        {
            var token = spec.Token ?? throw new InvalidOperationException($"{name}: a token resource without a token spec");
            var rotation = plan.TokenRotation ?? throw new InvalidOperationException($"{name}: a token without a rotation");
            var tokenOptions = children.Options(tokenName);

            // The comment carries the rotation keeper; replacing on a comment change rotates the token.
            tokenOptions.ReplaceOnChanges.Add("comment");
            if (args.TokenPermission is { } permission)
            {
                tokenOptions.DependsOn.Add(permission);
            }

            var obo = children.Create(tokenName, new Dbx.OboToken(tokenName, new Dbx.OboTokenArgs
            {
                ApplicationId = AccessName,
                LifetimeSeconds = token.LifetimeDays * SecondsPerDay,
                Comment = $"{token.Comment ?? $"databricks-access {spec.Key}"} ({rotation.Keeper})",
            }, tokenOptions));
            TokenValue = Output.CreateSecret(obo.TokenValue.Apply(v => (string?)v));
        }

        children.Complete();

        ServicePrincipalId = id;
        ApplicationId = applicationId;
        RegisterOutputs();
    }

    [Output("servicePrincipalId")]
    public Output<string> ServicePrincipalId { get; private set; }

    [Output("applicationId")]
    public Output<string> ApplicationId { get; private set; }

    /// <summary>The OAuth secret (secret output); null when none is managed.</summary>
    [Output("oauthSecret")]
    public Output<string?> OAuthSecret { get; private set; }

    /// <summary>The on-behalf-of token (secret output); null when none is managed.</summary>
    [Output("tokenValue")]
    public Output<string?> TokenValue { get; private set; }

    /// <summary>The application id, once the principal is in the workspace (see <see cref="IPrincipalResolver.AccessName"/>).</summary>
    public Output<string> AccessName { get; }
}
