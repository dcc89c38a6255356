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

    /// <summary>
    /// The declared managers as the rule set names them (<see cref="Identity.RuleSetPrincipal"/>, or the created
    /// application id of a principal this stack creates).
    /// </summary>
    public IReadOnlyList<RuleSetManager> Managers { get; init; } = [];
}

/// <summary>
/// A Databricks service principal (created, or looked up when it exists already or comes from Entra ID), its
/// entitlements and workspace assignment, and its credentials: an OAuth secret and an on-behalf-of token, each
/// replaced once per rotation period through the plan's time-bucketed keeper.
/// </summary>
public sealed class DatabricksServicePrincipal : ComponentResource, IIdentityComponent
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
            if (plan.CarriesEntitlements)
            {
                (spArgs.WorkspaceAccess, spArgs.DatabricksSqlAccess, spArgs.AllowClusterCreate, spArgs.AllowInstancePoolCreate, spArgs.WorkspaceConsume) = Identity.Flags(spec.Entitlements);
            }

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
            id, spec.WorkspaceAccess, spec.Entitlements, (e, subject) => e.ServicePrincipalId = subject, plan.RetiringEntitlementsResource);

        AccessName = applicationId;
        var ruleSet = Identity.GrantDeployerUse(children, plan.RuleSetResource, args.Account, args.Deployer, applicationId, args.Managers);
        Gates = Identity.Gates(assignment, ruleSet);

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
                : TokenSlot(children, credential, slot, spec, AccessName, Gates, args.TokenPermission));
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

    /// <summary>The application id (see <see cref="IPrincipalResolver.AccessName"/>).</summary>
    public Output<string> AccessName { get; }

    /// <summary>Its workspace assignment and rule set, when planned (see <see cref="IPrincipalResolver.Gates"/>).</summary>
    public IReadOnlyList<Resource> Gates { get; }

    Output<string> IIdentityComponent.PrincipalId => ServicePrincipalId;

    /// <summary>Every slot's credential (secret outputs), by <c>&lt;kind&gt;-&lt;slot&gt;</c>: <c>oauth-secret-a</c>, <c>token-b</c>.</summary>
    public IReadOnlyDictionary<string, Output<string>> SlotValues => _slotValues;

    private readonly Dictionary<string, Output<string>> _slotValues = new(StringComparer.Ordinal);

    /// <summary>
    /// One OAuth secret slot. Its keeper (the rotation instant it belongs to) is the slot's <c>ReplacementTrigger</c>: the
    /// engine replaces the slot exactly when the keeper changes [fact: engine-replacement-trigger]. The policy inputs (<c>lifetime</c>; <c>time_rotating</c> carries the keeper for the record) are
    /// ignored changes, so a policy change never replaces a slot: it takes effect slot by slot at the next rotations, whose
    /// replacement is created from the program's new inputs [fact: engine-replace-order]. Create
    /// before delete (the secret id is handed out per create), so the new secret exists before the expired one is removed.
    /// </summary>
    private static Output<string> OAuthSecretSlot(PlannedChildren children, CredentialPlan credential, CredentialSlot slot, Output<string> spId)
    {
        var options = children.Options(slot.ResourceName);
        options.ReplacementTrigger = slot.Keeper;
        options.IgnoreChanges.AddRange(["lifetime", "timeRotating"]);
        var secret = children.Create(slot.ResourceName, new Dbx.ServicePrincipalSecret(slot.ResourceName, new Dbx.ServicePrincipalSecretArgs
        {
            ServicePrincipalId = spId,
            // The provider takes the lifetime in seconds, formatted as "NNNNs".
            Lifetime = $"{credential.LifetimeSeconds}s",
            TimeRotating = slot.Keeper,
        }, options));

        // The provider marks `secret` secret; under the 3.112.1 mocks it is not, so it is wrapped here as well.
        return Output.CreateSecret(secret.Secret);
    }

    /// <summary>
    /// One on-behalf-of token slot. The provider has no Update: every input forces a replacement [fact: obo-token-replace]
    /// [fact: tf-no-update-all-forcenew]. The keeper is the slot's
    /// <c>ReplacementTrigger</c>; <c>lifetime_seconds</c> and <c>comment</c> (which shows the keeper) are ignored changes, so a
    /// policy or comment change is applied by the slot's next rotation and never replaces the current credential.
    /// </summary>
    private static Output<string> TokenSlot(PlannedChildren children, CredentialPlan credential, CredentialSlot slot, ServicePrincipalSpec spec,
        Output<string> accessName, IReadOnlyList<Resource> gates, Output<Resource>? tokenPermission)
    {
        var options = children.Options(slot.ResourceName);
        options.ReplacementTrigger = slot.Keeper;
        options.IgnoreChanges.AddRange(["lifetimeSeconds", "comment"]);
        // In the workspace and usable by the deployer first: the assignment and the rule set, as dependencies only.
        options.DependsOn.AddRange(gates.ToList());
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
