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

    /// <summary>The CI identity, granted servicePrincipal.user when the plan has a rule set for this principal.</summary>
    public DeployerSpec? Deployer { get; init; }

    /// <summary>
    /// The stack's <c>tokens</c> permission (CAN_USE), which an on-behalf-of token needs before it can be created.
    /// It is created after the service principals (it names their application ids), hence an output.
    /// </summary>
    public Output<Resource>? TokenPermission { get; init; }

    /// <summary>The declared managers as the rule set names them (<see cref="Identity.RuleSetPrincipal"/>).</summary>
    public IReadOnlyList<string> Managers { get; init; } = [];
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
        Identity.GrantDeployerUse(children, plan.RuleSetResource, args.Account, args.Deployer, applicationId, args.Managers);

        foreach (var (role, resource) in plan.AccountRoles)
        {
            // Account provider: the role is an account SCIM attribute of the account-level principal (its id here).
            children.Create(resource, o => new Dbx.ServicePrincipalRole(resource, new Dbx.ServicePrincipalRoleArgs
            {
                ServicePrincipalId = id,
                Role = role,
            }, o));
        }

        OAuthSecret = Output.CreateSecret(Output.Create((string?)null));
        TokenValue = Output.CreateSecret(Output.Create((string?)null));
        foreach (var credential in plan.Credentials)
        {
            var values = credential.Slots.ToDictionary(slot => slot.Slot, slot => credential.Spec.Kind == CredentialKind.OAuthSecret
                ? OAuthSecretSlot(children, credential, slot, id)
                : TokenSlot(children, credential, slot, spec, AccessName, args.TokenPermission));
            foreach (var (slot, value) in values)
            {
                _slotValues[$"{credential.Spec.KindName}-{slot}"] = value;
            }

            // The current slot's value is the one delivered to consumers (store, stack output).
            var current = values[credential.Current.Slot].Apply(v => (string?)v);
            if (credential.Spec.Kind == CredentialKind.OAuthSecret)
            {
                OAuthSecret = current;
            }
            else
            {
                TokenValue = current;
            }
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

    /// <summary>Every slot's credential (secret outputs), by <c>&lt;kind&gt;-&lt;slot&gt;</c>: <c>oauth-secret-a</c>, <c>token-b</c>.</summary>
    public IReadOnlyDictionary<string, Output<string>> SlotValues => _slotValues;

    private readonly Dictionary<string, Output<string>> _slotValues = new(StringComparer.Ordinal);

    /// <summary>
    /// One OAuth secret slot. Its keeper (the rotation instant it belongs to) is passed as <c>time_rotating</c>, which
    /// forces a new secret exactly when this slot's rotation comes round; the other slot is untouched. Create before
    /// delete (the secret id is handed out per create), so the new secret exists before the expired one is removed.
    /// </summary>
    private static Output<string> OAuthSecretSlot(PlannedChildren children, CredentialPlan credential, CredentialSlot slot, Output<string> spId)
    {
        var secret = children.Create(slot.ResourceName, o => new Dbx.ServicePrincipalSecret(slot.ResourceName, new Dbx.ServicePrincipalSecretArgs
        {
            ServicePrincipalId = spId,
            // The provider takes the lifetime in seconds, formatted as "NNNNs".
            Lifetime = $"{credential.LifetimeSeconds}s",
            TimeRotating = slot.Keeper,
        }, o));

        // The provider marks `secret` secret; under the 3.112.1 mocks it is not, so it is wrapped here as well.
        return Output.CreateSecret(secret.Secret);
    }

    /// <summary>One on-behalf-of token slot: the comment carries the keeper, and a comment change replaces the token.</summary>
    private static Output<string> TokenSlot(PlannedChildren children, CredentialPlan credential, CredentialSlot slot, ServicePrincipalSpec spec,
        Output<string> accessName, Output<Resource>? tokenPermission)
    {
        var options = children.Options(slot.ResourceName);
        options.ReplaceOnChanges.Add("comment");
        if (tokenPermission is { } permission)
        {
            options.DependsOn.Add(permission);
        }

        var token = children.Create(slot.ResourceName, new Dbx.OboToken(slot.ResourceName, new Dbx.OboTokenArgs
        {
            ApplicationId = accessName,
            LifetimeSeconds = credential.LifetimeSeconds,
            Comment = $"{credential.Spec.Comment ?? $"databricks-access {spec.Key}"} [{slot.Keeper}]",
        }, options));
        return Output.CreateSecret(token.TokenValue);
    }
}
