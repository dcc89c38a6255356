using System.Globalization;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

public static partial class ResourceTraits
{
    /// <summary>
    /// The provider import id of each resource type <c>adopt</c> imports: one function per type, beside the type's
    /// traits. Formats follow terraform-provider-databricks v1.128.0 (each resource's Read of <c>d.Id()</c>).
    /// </summary>
    public static class ImportId
    {
        /// <summary>Group <c>&lt;id&gt;</c> (scim/resource_group.go:70).</summary>
        public static string Group(string id) => id;

        /// <summary>ServicePrincipal <c>&lt;id&gt;</c> (scim/resource_service_principal.go:187).</summary>
        public static string ServicePrincipal(string id) => id;

        /// <summary>
        /// GroupMember <c>&lt;groupId&gt;|&lt;memberId&gt;</c> (scim/resource_group_member.go:122, common.NewPairID with "|",
        /// common/pair.go:21).
        /// </summary>
        public static string GroupMember(string groupId, string memberId) => $"{groupId}|{memberId}";

        /// <summary>Entitlements of a group <c>group/&lt;id&gt;</c> (scim/resource_entitlement.go:52).</summary>
        public static string GroupEntitlements(string id) => $"group/{id}";

        /// <summary>Entitlements of a service principal <c>spn/&lt;id&gt;</c> (scim/resource_entitlement.go:52).</summary>
        public static string ServicePrincipalEntitlements(string id) => $"spn/{id}";

        /// <summary>
        /// MwsPermissionAssignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> (mws/resource_mws_permission_assignment.go:40).
        /// A user's direct assignment is the same MwsPermissionAssignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> with
        /// the account user's id as principal (its Read unpacks the pair and finds the principal in
        /// WorkspaceAssignment.ListByWorkspaceId, mws/resource_mws_permission_assignment.go:62-81).
        /// </summary>
        public static string MwsPermissionAssignment(string workspaceId, long principalId) =>
            $"{workspaceId}|{principalId.ToString(CultureInfo.InvariantCulture)}";

        /// <summary>SecretScope <c>&lt;name&gt;</c> (secrets/resource_secret_scope.go:98).</summary>
        public static string SecretScope(string name) => name;

        /// <summary>SecretAcl <c>&lt;scope&gt;|||&lt;principal&gt;</c> (secrets/resource_secret_acl.go:20).</summary>
        public static string SecretAcl(string scope, string principal) => $"{scope}|||{principal}";

        /// <summary>
        /// Grant <c>&lt;type&gt;/&lt;name&gt;/&lt;principal&gt;</c> (catalog/resource_grant.go:122 toSecurableId, the securable
        /// part from catalog/permissions/permissions.go:120). The metastore is named by its id
        /// (catalog/permissions/permissions.go:120 Mappings.Id: "metastore/&lt;id&gt;").
        /// </summary>
        public static string Grant(SecurableKind kind, string name, string principal) => $"{Securable.Prefix(kind)}/{name}/{principal}";

        /// <summary>Job <c>&lt;job id&gt;</c> (jobs/resource_job.go:1142 d.SetId of the numeric id, read back at :1159).</summary>
        public static string Job(long id) => id.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Permissions of a job <c>/jobs/&lt;job id&gt;</c> (permissions/resource_permissions.go:310,
        /// permission_definitions.go:398-400).
        /// </summary>
        public static string JobPermissions(long id) => $"/jobs/{id.ToString(CultureInfo.InvariantCulture)}";
    }
}
