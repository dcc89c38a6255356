using System.Globalization;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

public static partial class ResourceTraits
{
    /// <summary>
    /// The provider import id of each resource type <c>adopt</c> imports: one function per type, beside the type's
    /// traits. Formats follow the provider (each resource's Read of <c>d.Id()</c>), one fact each in docs/facts.md.
    /// </summary>
    public static class ImportId
    {
        /// <summary>Group <c>&lt;id&gt;</c>, the SCIM id [fact: scim-principal-read].</summary>
        public static string Group(string id) => id;

        /// <summary>ServicePrincipal <c>&lt;id&gt;</c>, the SCIM id [fact: scim-principal-read].</summary>
        public static string ServicePrincipal(string id) => id;

        /// <summary>
        /// GroupMember <c>&lt;groupId&gt;|&lt;memberId&gt;</c> [fact: group-member-one-member], a pair id with "|"
        /// [fact: tf-pair-id].
        /// </summary>
        public static string GroupMember(string groupId, string memberId) => $"{groupId}|{memberId}";

        /// <summary>Entitlements of a group <c>group/&lt;id&gt;</c> [fact: entitlements-patch-replace].</summary>
        public static string GroupEntitlements(string id) => $"group/{id}";

        /// <summary>Entitlements of a service principal <c>spn/&lt;id&gt;</c> [fact: entitlements-patch-replace].</summary>
        public static string ServicePrincipalEntitlements(string id) => $"spn/{id}";

        /// <summary>
        /// MwsPermissionAssignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> [fact: mws-assignment-put].
        /// A user's direct assignment is the same MwsPermissionAssignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> with
        /// the account user's id as principal (its Read unpacks the pair and finds the principal in
        /// the workspace's assignments [fact: mws-assignment-put]).
        /// </summary>
        public static string MwsPermissionAssignment(string workspaceId, long principalId) =>
            $"{workspaceId}|{principalId.ToString(CultureInfo.InvariantCulture)}";

        /// <summary>SecretScope <c>&lt;name&gt;</c> [fact: secret-scope].</summary>
        public static string SecretScope(string name) => name;

        /// <summary>SecretAcl <c>&lt;scope&gt;|||&lt;principal&gt;</c> [fact: secret-acl-put].</summary>
        public static string SecretAcl(string scope, string principal) => $"{scope}|||{principal}";

        /// <summary>
        /// Grant <c>&lt;type&gt;/&lt;name&gt;/&lt;principal&gt;</c>. The metastore is named by its id ("metastore/&lt;id&gt;")
        /// [fact: grant-schema].
        /// </summary>
        public static string Grant(SecurableKind kind, string name, string principal) => $"{Securable.Prefix(kind)}/{name}/{principal}";

        /// <summary>Job <c>&lt;job id&gt;</c>, the numeric id [fact: job-resource].</summary>
        public static string Job(long id) => id.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Permissions of a job <c>/jobs/&lt;job id&gt;</c>, the object path [fact: permissions-put-whole-acl].
        /// </summary>
        public static string JobPermissions(long id) => $"/jobs/{id.ToString(CultureInfo.InvariantCulture)}";
    }
}
