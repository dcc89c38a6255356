using System.Collections.Immutable;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Components;

public sealed class GroupAccessArgs
{
    public required GroupPlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public required IPrincipalResolver Principals { get; init; }

    public AccountSpec? Account { get; init; }

    /// <summary>Ids of members the stack accounts for without a membership resource (admins: admin assignments, the deployer).</summary>
    public IReadOnlyList<Output<string>> ImplicitMemberIds { get; init; } = [];
}

/// <summary>
/// A Databricks group (created, or looked up when it exists already or is synced from Entra ID: such a group is
/// never created or deleted here), its entitlements, workspace assignment and declared members. A looked-up
/// <c>existing</c> group also reports the members it has that the stack does not declare.
/// </summary>
public sealed class GroupAccess : ComponentResource, IIdentityComponent
{
    public GroupAccess(string name, GroupAccessArgs args, ComponentResourceOptions? options = null)
        : base(PulumiTypes.GroupComponent, name, options)
    {
        var plan = args.Plan;
        var spec = plan.Spec;

        var children = PlannedChildren.Of(this, plan, args.Providers);
        Output<string> groupId;
        Output<string> displayName;
        Output<Dbx.GetGroupResult>? lookup = null;
        if (plan.Creates)
        {
            var groupArgs = new Dbx.GroupArgs { DisplayName = spec.DisplayName };
            if (plan.CarriesEntitlements)
            {
                (groupArgs.WorkspaceAccess, groupArgs.DatabricksSqlAccess, groupArgs.AllowClusterCreate, groupArgs.AllowInstancePoolCreate, groupArgs.WorkspaceConsume) = Identity.Flags(spec.Entitlements);
            }

            var group = children.Create(plan.GroupResource, o => new Dbx.Group(plan.GroupResource, groupArgs, o));
            groupId = group.Id;
            displayName = group.DisplayName;
        }
        else
        {
            lookup = Dbx.GetGroup.Invoke(new Dbx.GetGroupInvokeArgs { DisplayName = spec.DisplayName }, children.Invoke(plan.GroupProvider));
            groupId = lookup.Apply(g => g.Id);
            displayName = lookup.Apply(g => g.DisplayName);
        }

        var assignment = Identity.AssignAndEntitle(children, plan.AssignmentResource, plan.EntitlementsResource, args.Account,
            groupId, spec.WorkspaceAccess, spec.Entitlements, (e, subject) => e.GroupId = subject, plan.RetiringEntitlementsResource);

        var declared = new List<Output<string>>(args.ImplicitMemberIds);
        foreach (var member in plan.Members)
        {
            var memberId = args.Principals.MemberId(member.Membership.Principal, plan.GroupProvider);
            declared.Add(memberId);
            children.Create(member.ResourceName, o => new Dbx.GroupMember(member.ResourceName, new Dbx.GroupMemberArgs
            {
                GroupId = groupId,
                MemberId = memberId,
            }, o));
        }

        children.Complete();

        GroupId = groupId;
        DisplayName = displayName;
        AccessName = displayName;
        Gates = Identity.Gates(assignment);
        UnmanagedMembers = plan.ReportsUnmanagedMembers && lookup is not null
            ? Output.Tuple(lookup, Output.All(declared)).Apply(t => Unmanaged(t.Item1, t.Item2))
            : Output.Create(ImmutableArray<string>.Empty);
        RegisterOutputs();
    }

    [Output("groupId")]
    public Output<string> GroupId { get; private set; }

    [Output("displayName")]
    public Output<string> DisplayName { get; private set; }

    /// <summary>Ids of live members the stack does not declare (looked-up <c>existing</c> groups only; else empty).</summary>
    [Output("unmanagedMembers")]
    public Output<ImmutableArray<string>> UnmanagedMembers { get; private set; }

    /// <summary>The display name (see <see cref="IPrincipalResolver.AccessName"/>).</summary>
    public Output<string> AccessName { get; }

    /// <summary>The workspace assignment, when planned: what refers to the group waits for it (see <see cref="IPrincipalResolver.Gates"/>).</summary>
    public IReadOnlyList<Resource> Gates { get; }

    Output<string> IIdentityComponent.PrincipalId => GroupId;

    private static ImmutableArray<string> Unmanaged(Dbx.GetGroupResult group, ImmutableArray<string> declared)
    {
        // `members` is the provider's flat list; users, service principals and child groups are its typed split.
        var live = Ids(group.Members).Concat(Ids(group.Users)).Concat(Ids(group.ServicePrincipals)).Concat(Ids(group.ChildGroups));
        return [.. live.Except(declared, StringComparer.Ordinal).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static ImmutableArray<string> Ids(ImmutableArray<string> ids) => ids.IsDefault ? [] : ids;
}
