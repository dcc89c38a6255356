using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;
using Resources = Pulumi.AzureNative.Resources;

namespace DatabricksAccess.Infra;

public static partial class AccessStack
{
    private sealed partial class StackBuilder
    {
        /// <summary>A job, token or other permission entry for any kind of principal.</summary>
        public Dbx.Inputs.PermissionsAccessControlArgs AccessControl(PrincipalRef principal, string level)
        {
            var control = new Dbx.Inputs.PermissionsAccessControlArgs { PermissionLevel = level };
            var who = AccessName(principal);
            switch (principal.Kind)
            {
                case PrincipalKind.User:
                    control.UserName = who;
                    break;
                case PrincipalKind.Group:
                    control.GroupName = who;
                    break;
                default:
                    control.ServicePrincipalName = who;
                    break;
            }

            return control;
        }

        public Output<string> MemberId(PrincipalRef principal, ProviderScope scope) => principal.Kind switch
        {
            PrincipalKind.User => userIds.TryGetValue(new UserLookup(principal.Key, scope), out var id)
                ? Output.Create(id)
                : throw new InvalidOperationException($"{principal} was not looked up at {scope} level"),
            _ when Built(principal) is { } identity => identity.PrincipalId,
            PrincipalKind.Group when Names.IsBuiltInGroup(principal.Key) => BuiltInGroupId(principal.Key),
            _ => throw Unknown(principal),
        };

        public Output<string> AccessName(PrincipalRef principal) => principal.Kind switch
        {
            PrincipalKind.User => Output.Create(principal.Key),
            _ when Built(principal) is { } identity => identity.AccessName,
            PrincipalKind.Group when Names.IsBuiltInGroup(principal.Key) => Output.Create(principal.Key),
            _ => throw Unknown(principal),
        };

        public IReadOnlyList<Resource> Gates(PrincipalRef principal) => Built(principal)?.Gates ?? [];

        /// <summary>The built group, service principal or web app a reference names; null for a user, or one not built (yet).</summary>
        private IIdentityComponent? Built(PrincipalRef principal) => principal.Kind switch
        {
            PrincipalKind.Group => _groups.GetValueOrDefault(principal.Key),
            PrincipalKind.ServicePrincipal => _sps.GetValueOrDefault(principal.Key),
            PrincipalKind.WebApp => _webApps.GetValueOrDefault(principal.Key),
            _ => null,
        };

        /// <summary>The SCIM id of a member the stack puts into a group without a membership resource.</summary>
        private Output<string> ImplicitMemberId(ImplicitMember member)
        {
            if (member.Principal is { } p)
            {
                return MemberId(p, ProviderScope.Workspace);
            }

            var applicationId = member.ApplicationId ?? throw new InvalidOperationException($"implicit member without principal or application id ({member.Why})");
            return Dbx.GetServicePrincipal.Invoke(new Dbx.GetServicePrincipalInvokeArgs { ApplicationId = applicationId }).Apply(sp => sp.Id);
        }

        private static InvalidOperationException Unknown(PrincipalRef principal) =>
            new($"{principal} is not built (yet): groups are built members first, after service principals and web apps");

        /// <summary>The built-in workspace groups may be referred to without being declared; looked up once.</summary>
        private Output<string> BuiltInGroupId(string key)
        {
            if (!_builtInGroups.TryGetValue(key, out var id))
            {
                id = Dbx.GetGroup.Invoke(new Dbx.GetGroupInvokeArgs { DisplayName = key }).Apply(g => g.Id);
                _builtInGroups[key] = id;
            }

            return id;
        }
    }
}
