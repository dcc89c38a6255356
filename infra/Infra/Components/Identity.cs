using DatabricksAccess.Topology.Model;
using Pulumi;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Components;

/// <summary>Argument builders shared by the identity components.</summary>
internal static class Identity
{
    /// <summary>The entitlements config names, as flags; entitlements not listed are left unset (off).</summary>
    public static Dbx.EntitlementsArgs Entitlements(IReadOnlyList<string> entitlements)
    {
        var args = new Dbx.EntitlementsArgs();
        (args.WorkspaceAccess, args.DatabricksSqlAccess, args.AllowClusterCreate, args.AllowInstancePoolCreate, args.WorkspaceConsume) = Flags(entitlements);
        return args;
    }

    /// <summary>
    /// The entitlement fields of a group or service principal the stack creates at workspace level, set to the declared
    /// entitlements (every other one false): the principal's Read fills them and its Update PUTs them
    /// [fact: scim-entitlement-fields] [fact: scim-principal-writes-entitlements].
    /// </summary>
    public static (bool? Workspace, bool? Sql, bool? Cluster, bool? Pool, bool? Consume) Flags(IReadOnlyList<string> entitlements)
    {
        bool? workspace = null, sql = null, cluster = null, pool = null, consume = null;
        foreach (var e in entitlements)
        {
            switch (e)
            {
                case "workspace-access":
                    workspace = true;
                    break;
                case "databricks-sql-access":
                    sql = true;
                    break;
                case "allow-cluster-create":
                    cluster = true;
                    break;
                case "allow-instance-pool-create":
                    pool = true;
                    break;
                case "workspace-consume":
                    consume = true;
                    break;
                default:
                    throw new InvalidOperationException($"unknown entitlement '{e}'");
            }
        }

        return (workspace, sql, cluster, pool, consume);
    }

    /// <summary>
    /// The planned workspace assignment of an account identity, then its planned workspace entitlements: those only
    /// take once the identity is in the workspace, so they wait for the assignment.
    /// </summary>
    /// <param name="retiringName">The principal's old Entitlements resource, registered once more unchanged (the plan keeps it on
    /// delete) while the principal takes its entitlements over (<see cref="Topology.Model.EntitlementsHandover"/>).</param>
    public static Dbx.MwsPermissionAssignment? AssignAndEntitle(PlannedChildren children, string? assignmentName, string? entitlementsName,
        AccountSpec? account, Output<string> id, WorkspaceAccess access, IReadOnlyList<string> entitlements,
        Action<Dbx.EntitlementsArgs, Input<string>> subject, string? retiringName = null)
    {
        if (retiringName is { } r)
        {
            var retiring = Entitlements(entitlements);
            subject(retiring, id);
            children.Create(r, o => new Dbx.Entitlements(r, retiring, o));
        }

        Dbx.MwsPermissionAssignment? assignment = null;
        // Planned only for an account identity, which needs the account; planned without one, children.Complete reports it.
        if (assignmentName is { } a && account is { } planned)
        {
            assignment = children.Create(a, o => new Dbx.MwsPermissionAssignment(a, Assignment(planned, id, access), o));
        }

        if (entitlementsName is { } e)
        {
            var entitlementArgs = Entitlements(entitlements);
            subject(entitlementArgs, id);
            children.Create(e, assignment is null ? [] : [assignment], o => new Dbx.Entitlements(e, entitlementArgs, o));
        }

        return assignment;
    }

    /// <summary>Assigns an account identity to the workspace (account provider).</summary>
    public static Dbx.MwsPermissionAssignmentArgs Assignment(AccountSpec account, Output<string> principalId, WorkspaceAccess access) => new()
    {
        WorkspaceId = account.WorkspaceId,
        PrincipalId = principalId,
        Permissions = { Vocabulary.Name(access) },
    };

    public const string ServicePrincipalUserRole = "roles/servicePrincipal.user";

    public const string ServicePrincipalManagerRole = "roles/servicePrincipal.manager";

    /// <summary>
    /// The account rule set of a service principal the stack created. The provider PUTs the whole rule set
    /// [fact: rule-set-put-whole], so everything that
    /// must hold is in this one resource: the deployer's servicePrincipal.user (run jobs as it, mint its tokens), the
    /// creator's default servicePrincipal.manager that the PUT would otherwise drop (the deployer created the principal),
    /// and every declared manager (<c>managers</c>) in the same manager rule, so neither wipes the other.
    /// Returns the rule set, which jobs running as the principal and its tokens depend on.
    /// </summary>
    public static Dbx.AccessControlRuleSet? GrantDeployerUse(PlannedChildren children, string? ruleSetName, AccountSpec? account, DeployerSpec? deployer, Output<string> applicationId,
        IReadOnlyList<RuleSetManager>? managers = null)
    {
        // A rule set is planned only with an account; planned without one, children.Complete reports it.
        if (ruleSetName is not { } name || account is null)
        {
            return null;
        }

        var accountId = account.Id;
        managers ??= [];
        if (deployer is null && managers.Count == 0)
        {
            throw new InvalidOperationException($"{name}: a rule set needs databricks-access:deployer or managers");
        }

        var args = new Dbx.AccessControlRuleSetArgs
        {
            Name = applicationId.Apply(id => $"accounts/{accountId}/servicePrincipals/{id}/ruleSets/default"),
        };
        var manager = new Dbx.Inputs.AccessControlRuleSetGrantRuleArgs { Role = ServicePrincipalManagerRole };
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var who in (deployer is null ? [] : new[] { new RuleSetManager(deployer.RuleSetPrincipal) }).Concat(managers))
        {
            if (who.Created is { } created)
            {
                // A principal this stack creates: named by the application id its creation returns (never one known
                // before, so it cannot repeat a name above).
                manager.Principals.Add(created);
            }
            else if (named.Add(who.Known!))
            {
                manager.Principals.Add(who.Known!);
            }
        }

        args.GrantRules.Add(manager);
        if (deployer is not null)
        {
            args.GrantRules.Add(new Dbx.Inputs.AccessControlRuleSetGrantRuleArgs { Principals = { deployer.RuleSetPrincipal }, Role = ServicePrincipalUserRole });
        }

        return children.Create(name, o => new Dbx.AccessControlRuleSet(name, args, o));
    }

    /// <summary>How an account rule set names a principal: <c>users/&lt;email&gt;</c>, <c>groups/&lt;display name&gt;</c>, <c>servicePrincipals/&lt;application id&gt;</c>.</summary>
    public static string RuleSetPrincipal(TopologyModel model, PrincipalRef principal) => principal.Kind switch
    {
        PrincipalKind.User => $"users/{principal.Key}",
        PrincipalKind.Group => $"groups/{model.DisplayName(principal)}",
        PrincipalKind.ServicePrincipal when model.ServicePrincipals.TryGetValue(principal.Key, out var s) && s.ApplicationId is { } id => $"servicePrincipals/{id}",
        _ => throw new InvalidOperationException($"{principal} cannot be named in a rule set offline"),
    };

    /// <summary>The gates of an identity: its workspace assignment and rule set, when planned.</summary>
    public static IReadOnlyList<Resource> Gates(params Resource?[] gates) => gates.OfType<Resource>().ToList();
}

/// <summary>
/// How a rule set names a principal it grants: <see cref="Known"/> offline (<see cref="Identity.RuleSetPrincipal"/>), or
/// <see cref="Created"/> from a service principal this stack creates without an applicationId in config:
/// <c>servicePrincipals/&lt;the application id its creation returned&gt;</c>.
/// </summary>
public readonly record struct RuleSetManager(string? Known, Output<string>? Created = null)
{
    public static RuleSetManager OfCreated(Output<string> applicationId) => new(null, applicationId.Apply(id => $"servicePrincipals/{id}"));
}
