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
        foreach (var e in entitlements)
        {
            switch (e)
            {
                case "workspace-access":
                    args.WorkspaceAccess = true;
                    break;
                case "databricks-sql-access":
                    args.DatabricksSqlAccess = true;
                    break;
                case "allow-cluster-create":
                    args.AllowClusterCreate = true;
                    break;
                case "allow-instance-pool-create":
                    args.AllowInstancePoolCreate = true;
                    break;
                default:
                    throw new InvalidOperationException($"unknown entitlement '{e}'");
            }
        }

        return args;
    }

    /// <summary>
    /// The planned workspace assignment of an account identity, then its planned workspace entitlements: those only
    /// take once the identity is in the workspace, so they wait for the assignment.
    /// </summary>
    public static Dbx.MwsPermissionAssignment? AssignAndEntitle(PlannedChildren children, string? assignmentName, string? entitlementsName,
        AccountSpec? account, Output<string> id, WorkspaceAccess access, IReadOnlyList<string> entitlements,
        Action<Dbx.EntitlementsArgs, Input<string>> subject)
    {
        Dbx.MwsPermissionAssignment? assignment = null;
        if (assignmentName is { } a)
        {
            assignment = children.Create(a, o => new Dbx.MwsPermissionAssignment(a, Assignment(account, id, access), o));
        }

        if (entitlementsName is { } e)
        {
            var entitlementArgs = Entitlements(entitlements);
            subject(entitlementArgs, After(id, assignment));
            children.Create(e, o => new Dbx.Entitlements(e, entitlementArgs, o));
        }

        return assignment;
    }

    /// <summary>Assigns an account identity to the workspace (account provider).</summary>
    public static Dbx.MwsPermissionAssignmentArgs Assignment(AccountSpec? account, Output<string> principalId, WorkspaceAccess access) => new()
    {
        WorkspaceId = (account ?? throw new InvalidOperationException("a workspace assignment needs databricks-access:account")).WorkspaceId,
        PrincipalId = principalId,
        Permissions = { Vocabulary.Name(access) },
    };

    /// <summary><paramref name="value"/>, resolved only once <paramref name="gates"/> exist (a dependency, not a value).</summary>
    public static Output<string> After(Output<string> value, params Resource?[] gates)
    {
        var ids = gates.OfType<CustomResource>().Select(g => g.Id).ToList();
        return ids.Count == 0 ? value : Output.Tuple(value, Output.All(ids)).Apply(t => t.Item1);
    }
}
