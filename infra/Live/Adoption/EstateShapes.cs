using System.Text.Json.Serialization;

namespace DatabricksAccess.Live.Adoption;

// The response bodies adoption reads beyond the audit's (ApiShapes.cs), reduced to the fields it uses. Field names
// follow the generated models of the official Go SDK, github.com/databricks/databricks-sdk-go v0.175.0; the file,
// type and line each record mirrors is named on it.

/// <summary>ComplexValue (<c>value</c>, <c>display</c>, <c>$ref</c>) [fact: sdk-scim-shapes].</summary>
public sealed record EstateValue(
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("display")] string? Display,
    [property: JsonPropertyName("$ref")] string? Ref);

/// <summary>ResourceMeta [fact: scim-resource-meta]: <c>resourceType</c> is <c>WorkspaceGroup</c> (workspace-local) or <c>Group</c> (account).</summary>
public sealed record EstateMeta([property: JsonPropertyName("resourceType")] string? ResourceType);

/// <summary>
/// A group: Group (workspace: <c>id</c>, <c>displayName</c>, <c>externalId</c>, <c>members</c>, <c>entitlements</c>,
/// <c>meta</c>) and AccountGroup (the same without entitlements) [fact: sdk-scim-shapes].
/// </summary>
public sealed record EstateGroup(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("externalId")] string? ExternalId,
    [property: JsonPropertyName("members")] IReadOnlyList<EstateValue>? Members,
    [property: JsonPropertyName("entitlements")] IReadOnlyList<EstateValue>? Entitlements,
    [property: JsonPropertyName("meta")] EstateMeta? Meta);

/// <summary>ServicePrincipal [fact: sdk-scim-shapes] (<c>id</c>, <c>applicationId</c>, <c>displayName</c>, <c>externalId</c>, <c>entitlements</c>).</summary>
public sealed record EstateServicePrincipal(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("applicationId")] string? ApplicationId,
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("externalId")] string? ExternalId,
    [property: JsonPropertyName("entitlements")] IReadOnlyList<EstateValue>? Entitlements);

/// <summary>User (<c>id</c>, <c>userName</c>) [fact: sdk-scim-shapes].</summary>
public sealed record EstateUser(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("userName")] string? UserName);

/// <summary>ListScopesResponse, SecretScope (<c>name</c>, <c>backend_type</c>, <c>keyvault_metadata</c>),
/// AzureKeyVaultSecretScopeMetadata (<c>resource_id</c>, <c>dns_name</c>) [fact: sdk-secrets-api].</summary>
public sealed record EstateScopeList([property: JsonPropertyName("scopes")] IReadOnlyList<EstateScope>? Scopes);

public sealed record EstateScope(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("backend_type")] string? BackendType,
    [property: JsonPropertyName("keyvault_metadata")] EstateKeyVault? KeyVault);

public sealed record EstateKeyVault(
    [property: JsonPropertyName("resource_id")] string? ResourceId,
    [property: JsonPropertyName("dns_name")] string? DnsName);

/// <summary>ListSecretsResponse, SecretMetadata (<c>key</c>; never a value) [fact: sdk-secrets-api].</summary>
public sealed record EstateSecretList([property: JsonPropertyName("secrets")] IReadOnlyList<EstateSecret>? Secrets);

public sealed record EstateSecret([property: JsonPropertyName("key")] string? Key);
