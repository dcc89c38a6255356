using System.Text.Json.Serialization;

namespace DatabricksAccess.Live.Api;

// The response bodies of the Databricks REST API that the audit reads, reduced to the fields it uses. Field names
// follow the Databricks REST API reference (docs.databricks.com/api) and the generated models of the official Go
// SDK (github.com/databricks/databricks-sdk-go, v0.175.0), which are generated from the same OpenAPI description:
// the file and type each record mirrors is named on it. Unknown fields are ignored; absent lists read as empty.

/// <summary>SCIM list response. Go SDK service/iam/model.go: ListUsersResponse, ListGroupsResponse,
/// ListServicePrincipalResponse (<c>Resources</c>, <c>totalResults</c>, <c>startIndex</c>, <c>itemsPerPage</c>).</summary>
public sealed record ScimList<T>(
    [property: JsonPropertyName("Resources")] IReadOnlyList<T>? Resources,
    [property: JsonPropertyName("totalResults")] long? TotalResults,
    [property: JsonPropertyName("startIndex")] long? StartIndex,
    [property: JsonPropertyName("itemsPerPage")] long? ItemsPerPage);

/// <summary>Go SDK service/iam/model.go: User (<c>id</c>, <c>userName</c>, <c>displayName</c>).</summary>
public sealed record ScimUser(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("userName")] string? UserName,
    [property: JsonPropertyName("displayName")] string? DisplayName);

/// <summary>Go SDK service/iam/model.go: Group (<c>id</c>, <c>displayName</c>, <c>members</c>).</summary>
public sealed record ScimGroup(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("members")] IReadOnlyList<ScimMember>? Members);

/// <summary>
/// Go SDK service/iam/model.go: ComplexValue (<c>value</c>, <c>display</c>, <c>$ref</c>). <c>value</c> is the member's
/// SCIM id; <c>$ref</c> starts with <c>Users/</c>, <c>Groups/</c> or <c>ServicePrincipals/</c> (as the Databricks
/// Terraform provider's exporter reads it, github.com/databricks/terraform-provider-databricks, exporter/importables.go).
/// </summary>
public sealed record ScimMember(
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("display")] string? Display,
    [property: JsonPropertyName("$ref")] string? Ref);

/// <summary>Go SDK service/iam/model.go: ServicePrincipal (<c>id</c>, <c>applicationId</c>, <c>displayName</c>).</summary>
public sealed record ScimServicePrincipal(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("applicationId")] string? ApplicationId,
    [property: JsonPropertyName("displayName")] string? DisplayName);

/// <summary>GET /api/2.0/secrets/scopes/list. Go SDK service/workspace/model.go: ListScopesResponse, SecretScope.</summary>
public sealed record ScopeList([property: JsonPropertyName("scopes")] IReadOnlyList<ScopeItem>? Scopes);

public sealed record ScopeItem(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("backend_type")] string? BackendType);

/// <summary>GET /api/2.0/secrets/acls/list. Go SDK service/workspace/model.go: ListAclsResponse, AclItem
/// (<c>principal</c>: a user's email, a group's name or a service principal's application id).</summary>
public sealed record AclList([property: JsonPropertyName("items")] IReadOnlyList<AclItem>? Items);

public sealed record AclItem(
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("permission")] string? Permission);

/// <summary>GET /api/2.1/jobs/list. Go SDK service/jobs/model.go: ListJobsResponse (<c>jobs</c>, <c>has_more</c>,
/// <c>next_page_token</c>), BaseJob (<c>job_id</c>, <c>settings.name</c>).</summary>
public sealed record JobList(
    [property: JsonPropertyName("jobs")] IReadOnlyList<JobItem>? Jobs,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

public sealed record JobItem(
    [property: JsonPropertyName("job_id")] long JobId,
    [property: JsonPropertyName("settings")] JobSettings? Settings);

public sealed record JobSettings([property: JsonPropertyName("name")] string? Name);

/// <summary>GET /api/2.0/permissions/{type}/{id}. Go SDK service/iam/model.go: ObjectPermissions
/// (<c>access_control_list</c>), AccessControlResponse, Permission (<c>permission_level</c>, <c>inherited</c>).</summary>
public sealed record ObjectPermissions(
    [property: JsonPropertyName("object_id")] string? ObjectId,
    [property: JsonPropertyName("access_control_list")] IReadOnlyList<AccessControl>? AccessControlList);

public sealed record AccessControl(
    [property: JsonPropertyName("user_name")] string? UserName,
    [property: JsonPropertyName("group_name")] string? GroupName,
    [property: JsonPropertyName("service_principal_name")] string? ServicePrincipalName,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("all_permissions")] IReadOnlyList<PermissionLevel>? AllPermissions);

public sealed record PermissionLevel(
    [property: JsonPropertyName("permission_level")] string? Level,
    [property: JsonPropertyName("inherited")] bool Inherited,
    [property: JsonPropertyName("inherited_from_object")] IReadOnlyList<string>? InheritedFromObject);

/// <summary>GET /api/2.1/unity-catalog/permissions/{securable_type}/{full_name}. Go SDK service/catalog/model.go:
/// GetPermissionsResponse (<c>privilege_assignments</c>, <c>next_page_token</c>), PrivilegeAssignment
/// (<c>principal</c>, <c>privileges</c>).</summary>
public sealed record GrantList(
    [property: JsonPropertyName("privilege_assignments")] IReadOnlyList<PrivilegeAssignment>? PrivilegeAssignments,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

public sealed record PrivilegeAssignment(
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("privileges")] IReadOnlyList<string>? Privileges);

/// <summary>GET /api/2.0/accounts/{account_id}/workspaces/{workspace_id}/permissionassignments. Go SDK
/// service/iam/model.go: PermissionAssignments, PermissionAssignment (<c>principal</c>, <c>permissions</c>:
/// <c>USER</c> | <c>ADMIN</c>, <c>error</c>), PrincipalOutput.</summary>
public sealed record AssignmentList(
    [property: JsonPropertyName("permission_assignments")] IReadOnlyList<AssignmentItem>? PermissionAssignments);

public sealed record AssignmentItem(
    [property: JsonPropertyName("principal")] AssignmentPrincipal? Principal,
    [property: JsonPropertyName("permissions")] IReadOnlyList<string>? Permissions,
    [property: JsonPropertyName("error")] string? Error);

public sealed record AssignmentPrincipal(
    [property: JsonPropertyName("principal_id")] long? PrincipalId,
    [property: JsonPropertyName("user_name")] string? UserName,
    [property: JsonPropertyName("group_name")] string? GroupName,
    [property: JsonPropertyName("service_principal_name")] string? ServicePrincipalName,
    [property: JsonPropertyName("display_name")] string? DisplayName);

/// <summary>The error body of the Databricks REST API (<c>error_code</c>, <c>message</c>).</summary>
public sealed record ApiError(
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("message")] string? Message);
