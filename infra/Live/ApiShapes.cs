using System.Text.Json.Serialization;

namespace DatabricksAccess.Live.Api;

// The response bodies of the Databricks REST API that the audit reads, reduced to the fields it uses. Field names
// follow the Databricks REST API reference (docs.databricks.com/api) and the generated models of the official Go
// SDK (github.com/databricks/databricks-sdk-go, v0.175.0), which are generated from the same OpenAPI description:
// the type each record mirrors is named on it, with the fact (docs/facts.md) that holds its path and paging. Unknown fields are ignored; absent lists read as empty.

/// <summary>SCIM list response [fact: sdk-scim-paths]: ListUsersResponse, ListGroupsResponse,
/// ListServicePrincipalResponse (<c>Resources</c>, <c>totalResults</c>, <c>startIndex</c>, <c>itemsPerPage</c>).</summary>
public sealed record ScimList<T>(
    [property: JsonPropertyName("Resources")] IReadOnlyList<T>? Resources,
    [property: JsonPropertyName("totalResults")] long? TotalResults,
    [property: JsonPropertyName("startIndex")] long? StartIndex,
    [property: JsonPropertyName("itemsPerPage")] long? ItemsPerPage);

/// <summary>User and AccountUser [fact: sdk-scim-shapes]: <c>id</c>, <c>userName</c>,
/// <c>displayName</c>. The audit lists users with <c>attributes=id,userName</c>: only what names a member.</summary>
public sealed record ScimUser(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("userName")] string? UserName,
    [property: JsonPropertyName("displayName")] string? DisplayName);

/// <summary>
/// Group (<c>id</c>, <c>displayName</c>, <c>externalId</c>, <c>members</c>, <c>entitlements</c>, <c>roles</c>) and
/// AccountGroup (the same without <c>entitlements</c>) [fact: sdk-scim-shapes]. Lists carry no members: the account
/// list stopped returning them on 2025-08-22 [fact: sdk-account-groups-no-members], and the audit lists
/// with <c>attributes=id,displayName</c>; members, entitlements and roles come from GET of one group.
/// </summary>
public sealed record ScimGroup(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("members")] IReadOnlyList<ScimMember>? Members,
    [property: JsonPropertyName("entitlements")] IReadOnlyList<ScimMember>? Entitlements = null,
    [property: JsonPropertyName("roles")] IReadOnlyList<ScimMember>? Roles = null,
    [property: JsonPropertyName("externalId")] string? ExternalId = null);

/// <summary>
/// ComplexValue (<c>value</c>, <c>display</c>, <c>$ref</c>) [fact: sdk-scim-shapes]: a member, an entitlement
/// (<c>value</c>: <c>workspace-access</c>, <c>allow-cluster-create</c>...) or a role (<c>value</c>:
/// <c>account_admin</c>). For a member <c>value</c> is its SCIM id and <c>$ref</c> starts with <c>Users/</c>,
/// <c>Groups/</c> or <c>ServicePrincipals/</c> [fact: exporter-scim-ref].
/// </summary>
public sealed record ScimMember(
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("display")] string? Display,
    [property: JsonPropertyName("$ref")] string? Ref);

/// <summary>ServicePrincipal (<c>id</c>, <c>applicationId</c>, <c>displayName</c>, <c>entitlements</c>) and
/// AccountServicePrincipal (<c>roles</c>, no entitlements) [fact: sdk-scim-shapes].</summary>
public sealed record ScimServicePrincipal(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("applicationId")] string? ApplicationId,
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("entitlements")] IReadOnlyList<ScimMember>? Entitlements = null,
    [property: JsonPropertyName("roles")] IReadOnlyList<ScimMember>? Roles = null);

/// <summary>GET /api/2.0/secrets/scopes/list: ListScopesResponse, SecretScope [fact: sdk-secrets-api].</summary>
public sealed record ScopeList([property: JsonPropertyName("scopes")] IReadOnlyList<ScopeItem>? Scopes);

public sealed record ScopeItem(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("backend_type")] string? BackendType);

/// <summary>GET /api/2.0/secrets/acls/list: ListAclsResponse, AclItem [fact: sdk-secrets-api]
/// (<c>principal</c>: a user's email, a group's name or a service principal's application id).</summary>
public sealed record AclList([property: JsonPropertyName("items")] IReadOnlyList<AclItem>? Items);

public sealed record AclItem(
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("permission")] string? Permission);

/// <summary>GET /api/2.2/jobs/list: ListJobsResponse (<c>jobs</c>, <c>has_more</c> omitempty, <c>next_page_token</c>),
/// BaseJob (<c>job_id</c>, <c>creator_user_name</c>, <c>settings.name</c>). Paging follows <c>next_page_token</c>
/// alone, as the SDK does [fact: sdk-jobs-list].</summary>
public sealed record JobList(
    [property: JsonPropertyName("jobs")] IReadOnlyList<JobItem>? Jobs,
    [property: JsonPropertyName("has_more")] bool? HasMore,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

public sealed record JobItem(
    [property: JsonPropertyName("job_id")] long JobId,
    [property: JsonPropertyName("settings")] JobSettings? Settings,
    [property: JsonPropertyName("creator_user_name")] string? CreatorUserName = null);

public sealed record JobSettings([property: JsonPropertyName("name")] string? Name);

/// <summary>GET /api/2.0/permissions/{type}/{id} [fact: sdk-permissions-get]: ObjectPermissions
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

/// <summary>GET /api/2.1/unity-catalog/permissions/{securable_type}/{full_name} [fact: sdk-uc-permissions]:
/// GetPermissionsResponse (<c>privilege_assignments</c>, <c>next_page_token</c>), PrivilegeAssignment
/// (<c>principal</c>, <c>privileges</c>).</summary>
public sealed record GrantList(
    [property: JsonPropertyName("privilege_assignments")] IReadOnlyList<PrivilegeAssignment>? PrivilegeAssignments,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

/// <remarks>The SDK's PrivilegeAssignment [fact: sdk-uc-permissions]: "For deleted principals, <c>principal</c> is empty while
/// <c>principal_id</c> is populated" (the model has no such field; it is read here as any JSON value).</remarks>
public sealed record PrivilegeAssignment(
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("privileges")] IReadOnlyList<string>? Privileges,
    [property: JsonPropertyName("principal_id")] System.Text.Json.JsonElement? PrincipalId = null);

/// <summary>GET /api/2.1/unity-catalog/current-metastore-assignment (MetastoreAssignment: <c>metastore_id</c>,
/// <c>workspace_id</c> [fact: sdk-current-metastore]).</summary>
public sealed record MetastoreAssignment(
    [property: JsonPropertyName("metastore_id")] string? MetastoreId,
    [property: JsonPropertyName("workspace_id")] long? WorkspaceId);

/// <summary>GET /api/2.0/token-management/tokens (one page: no next-page function): ListTokensResponse
/// (<c>token_infos</c>), TokenInfo [fact: sdk-tokens-list].</summary>
public sealed record TokenInfoList([property: JsonPropertyName("token_infos")] IReadOnlyList<TokenInfo>? TokenInfos);

/// <summary>TokenInfo [fact: sdk-tokens-list]; times in epoch milliseconds, <c>expiry_time</c> -1 or
/// absent (0) when the token never expires. Never the token's value: the API does not return it.</summary>
public sealed record TokenInfo(
    [property: JsonPropertyName("token_id")] string? TokenId,
    [property: JsonPropertyName("created_by_username")] string? CreatedByUsername,
    [property: JsonPropertyName("owner_id")] long? OwnerId,
    [property: JsonPropertyName("creation_time")] long? CreationTime,
    [property: JsonPropertyName("expiry_time")] long? ExpiryTime,
    [property: JsonPropertyName("comment")] string? Comment);

/// <summary>GET /api/2.0/accounts/{account_id}/workspaces/{workspace_id}/permissionassignments
/// [fact: sdk-permission-assignments]: PermissionAssignments, PermissionAssignment (<c>principal</c>, <c>permissions</c>:
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

/// <summary>The error body of the Databricks REST API, as the Go SDK parses it [fact: sdk-error-body]:
/// <c>error_code</c>, <c>message</c>; SCIM errors carry <c>detail</c>, <c>status</c> and <c>scimType</c> instead.</summary>
public sealed record ApiError(
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("detail")] string? ScimDetail = null,
    [property: JsonPropertyName("status")] string? ScimStatus = null,
    [property: JsonPropertyName("error")] string? OAuthError = null,
    [property: JsonPropertyName("error_description")] string? OAuthErrorDescription = null);

/// <summary>An OAuth token response (RFC 6749 section 5.1), as golang.org/x/oauth2 reads it for the Go SDK's
/// client-credentials flow [fact: sdk-m2m-auth].</summary>
public sealed record OAuthToken(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);

/// <summary>GET /api/2.2/jobs/get (jobsImpl.Get; Job [fact: sdk-jobs-get]:
/// <c>job_id</c>, <c>creator_user_name</c>, <c>run_as_user_name</c> (the email or application id the job runs as,
/// explicit or implicit; <c>settings.run_as</c> is only the explicit request), <c>settings</c>).</summary>
public sealed record JobDetail(
    [property: JsonPropertyName("job_id")] long JobId,
    [property: JsonPropertyName("creator_user_name")] string? CreatorUserName,
    [property: JsonPropertyName("run_as_user_name")] string? RunAsUserName,
    [property: JsonPropertyName("settings")] JobDetailSettings? Settings);

/// <summary>JobSettings [fact: sdk-jobs-get], the fields adoption reads; every other field is kept in <see cref="Other"/> so
/// that a setting the model cannot express is named, never dropped.</summary>
public sealed class JobDetailSettings
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("tasks")]
    public IReadOnlyList<JobTaskDetail>? Tasks { get; init; }

    [JsonPropertyName("schedule")]
    public JobCron? Schedule { get; init; }

    /// <summary><c>max_concurrent_runs</c> (default 1) [fact: sdk-jobs-get].</summary>
    [JsonPropertyName("max_concurrent_runs")]
    public int? MaxConcurrentRuns { get; init; }

    /// <summary>Every other setting (job_clusters, continuous, trigger, git_source, tags, parameters, ...).</summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Other { get; init; }
}

/// <summary>Task [fact: sdk-jobs-get]; the task type is the one <c>*_task</c> field set (notebook_task, spark_python_task...).</summary>
public sealed class JobTaskDetail
{
    [JsonPropertyName("task_key")]
    public string? TaskKey { get; init; }

    /// <summary>NotebookTask [fact: sdk-jobs-get] (<c>notebook_path</c>, <c>source</c>, <c>base_parameters</c>, <c>warehouse_id</c>).</summary>
    [JsonPropertyName("notebook_task")]
    public JobNotebookTask? NotebookTask { get; init; }

    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Other { get; init; }
}

public sealed record JobNotebookTask(
    [property: JsonPropertyName("notebook_path")] string? NotebookPath,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("base_parameters")] IReadOnlyDictionary<string, string>? BaseParameters,
    [property: JsonPropertyName("warehouse_id")] string? WarehouseId);

/// <summary>CronSchedule [fact: sdk-jobs-get] (<c>quartz_cron_expression</c>, <c>timezone_id</c>, <c>pause_status</c>).</summary>
public sealed record JobCron(
    [property: JsonPropertyName("quartz_cron_expression")] string? Cron,
    [property: JsonPropertyName("timezone_id")] string? TimeZone,
    [property: JsonPropertyName("pause_status")] string? PauseStatus);

/// <summary>A Unity Catalog list page (ListCatalogsResponse <c>catalogs</c>, ListSchemasResponse <c>schemas</c>,
/// ListTablesResponse <c>tables</c>, ListVolumesResponseContent <c>volumes</c>, ListFunctionsResponse <c>functions</c>;
/// each with <c>next_page_token</c> [fact: sdk-uc-lists]).</summary>
public sealed record UcList(
    [property: JsonPropertyName("catalogs")] IReadOnlyList<UcItem>? Catalogs,
    [property: JsonPropertyName("schemas")] IReadOnlyList<UcItem>? Schemas,
    [property: JsonPropertyName("tables")] IReadOnlyList<UcItem>? Tables,
    [property: JsonPropertyName("volumes")] IReadOnlyList<UcItem>? Volumes,
    [property: JsonPropertyName("functions")] IReadOnlyList<UcItem>? Functions,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

/// <summary>CatalogInfo, SchemaInfo, TableInfo, VolumeInfo, FunctionInfo: <c>name</c>, <c>full_name</c>.</summary>
public sealed record UcItem(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("full_name")] string? FullName,
    [property: JsonPropertyName("catalog_type")] string? CatalogType = null);

/// <summary>GET /api/2.0/sql/warehouses (paged by <c>next_page_token</c>; ListWarehousesResponse <c>warehouses</c>,
/// EndpointInfo <c>id</c>, <c>name</c>, <c>creator_name</c> [fact: sdk-warehouses-list]).</summary>
public sealed record WarehouseList(
    [property: JsonPropertyName("warehouses")] IReadOnlyList<WarehouseItem>? Warehouses,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

public sealed record WarehouseItem(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("creator_name")] string? CreatorName);

/// <summary>GET /api/2.0/workspace-conf?keys=... (workspaceConfImpl.GetStatus; WorkspaceConf map[string]string
/// [fact: sdk-workspace-conf]).</summary>
public sealed class WorkspaceConf : Dictionary<string, string?>
{
}

/// <summary>GET /api/2.0/preview/accounts/access-control/rule-sets?etag=&amp;name= on the workspace host
/// (accountAccessControlProxyImpl.GetRuleSet; the account API's own path takes the account id and an account
/// credential) [fact: sdk-rule-set]. GetRuleSetRequest, RuleSetResponse <c>name</c>, <c>etag</c>,
/// <c>grant_rules</c>; GrantRule <c>principals</c> (<c>users/{email}</c>, <c>groups/{name}</c>,
/// <c>servicePrincipals/{applicationId}</c>), <c>role</c>.</summary>
public sealed record RuleSet(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("grant_rules")] IReadOnlyList<GrantRule>? GrantRules);

public sealed record GrantRule(
    [property: JsonPropertyName("principals")] IReadOnlyList<string>? Principals,
    [property: JsonPropertyName("role")] string? Role);
