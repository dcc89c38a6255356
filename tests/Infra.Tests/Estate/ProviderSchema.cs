using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>What a provider's Read does with one field of the state.</summary>
public enum ReadFills
{
    /// <summary>Read sets it from the live object, every time.</summary>
    Live,

    /// <summary>
    /// Read sets it to <c>true</c> when the live principal has the entitlement and leaves it alone otherwise: the prior
    /// state value stays (on an import there is none: null): <c>entitlements.readIntoData</c> sets only the entitlements
    /// present; only the entitlements resource calls <c>generateEmpty</c> first [fact: scim-entitlement-fields].
    /// </summary>
    TrueFromLive,

    /// <summary>Read derives it from the resource id (pair ids, securable ids).</summary>
    FromId,

    /// <summary>Read does not set it: the prior state's value stays; on an import it is null.</summary>
    Kept,
}

/// <summary>
/// One field of a resource schema, by its Pulumi wire name. <see cref="Default"/> is the schema Default the provider
/// puts into the planned value when the program leaves the field unset (SDKv2 schema.Default; the bridge's Check).
/// </summary>
/// <param name="Set">The value is a set (TypeSet, <c>tf:"slice_set"</c>): order does not matter.</param>
/// <param name="SuppressDiff">An unset value is not diffed (<c>tf:"suppress_diff"</c> [fact: tf-shared-fields]).</param>
public sealed record Field(string Name, bool Required = false, bool Optional = false, bool Computed = false, object? Default = null,
    bool ForceNew = false, ReadFills Read = ReadFills.Live, bool Set = false, bool SuppressDiff = false);

/// <summary>The schema of one resource type and where it was read.</summary>
public sealed record TypeSchema(string Type, string Source, IReadOnlyList<Field> Fields)
{
    public Field? this[string name] => Fields.FirstOrDefault(f => f.Name == name);

    public IEnumerable<string> ForceNew => Fields.Where(f => f.ForceNew).Select(f => f.Name);
}

/// <summary>
/// The schema of every resource type the program registers, field by field: Optional, Required, Default, Computed,
/// ForceNew and what Read fills. Databricks types are read from terraform-provider-databricks v1.128.0 (what
/// Pulumi.Databricks 1.106.0 wraps); a resource without Update has every field ForceNew [fact: tf-no-update-all-forcenew].
/// Fields every Databricks resource shares: <c>providerConfig</c> (Optional+Computed) and <c>api</c> (Optional, not
/// read) [fact: tf-shared-fields].
/// <para>
/// The engine's use of it (<see cref="Engine"/>): an unset field is planned at its Default; a Computed field left unset
/// keeps the state's value; a field with neither is planned empty; after an import a field Read does not fill is null
/// in the state, so a Default the program leaves unset is still a change ([fact: bridge-import-read], read for import
/// does not apply Default values; pulumi/pulumi-aws#5241 shows the null-to-default update after an import).
/// </para>
/// </summary>
public static class ProviderSchema
{
    private static readonly Field ProviderConfig = new("providerConfig", Optional: true, Computed: true);
    private static readonly Field Api = new("api", Optional: true, Read: ReadFills.Kept);

    /// <summary>addEntitlementsToSchema: Optional, Default false, one per possible entitlement [fact: scim-entitlement-fields].</summary>
    private static IEnumerable<Field> EntitlementFields(ReadFills read) =>
        new[] { "allowClusterCreate", "allowInstancePoolCreate", "databricksSqlAccess", "workspaceAccess", "workspaceConsume" }
            .Select(n => new Field(n, Optional: true, Default: false, Read: read));

    /// <summary>The entitlement field of a config entitlement name (entitlementMapping [fact: scim-entitlement-vocabulary]).</summary>
    public static readonly IReadOnlyDictionary<string, string> EntitlementField = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["allow-cluster-create"] = "allowClusterCreate",
        ["allow-instance-pool-create"] = "allowInstancePoolCreate",
        ["databricks-sql-access"] = "databricksSqlAccess",
        ["workspace-access"] = "workspaceAccess",
        ["workspace-consume"] = "workspaceConsume",
    };

    private static readonly string[] Securables = ["metastore", "catalog", "schema", "table", "volume", "function", "externalLocation", "storageCredential",
        "foreignConnection", "share", "model", "credential"];

    public static readonly IReadOnlyDictionary<string, TypeSchema> ByType = new TypeSchema[]
    {
        new(PulumiTypes.Group, "ResourceGroup: Read sets display_name, external_id, acl_principal_id, url, then entitlements.readIntoData; Update PUTs name and entitlements [fact: scim-principal-read] [fact: scim-principal-writes-entitlements]",
        [
            new("displayName", Required: true),
            new("externalId", Optional: true, ForceNew: true, SuppressDiff: true),
            new("url", Computed: true),
            new("force", Optional: true, Read: ReadFills.Kept),
            new("aclPrincipalId", Optional: true, Computed: true),
            .. EntitlementFields(ReadFills.TrueFromLive), Api, ProviderConfig,
        ]),
        new(PulumiTypes.ServicePrincipal, "ResourceServicePrincipal: Read sets the common user fields then entitlements.readIntoData; Update PUTs the principal with its entitlements [fact: scim-principal-read] [fact: scim-principal-writes-entitlements]",
        [
            new("applicationId", Optional: true, Computed: true, ForceNew: true),
            new("displayName", Optional: true, Computed: true),
            new("active", Optional: true, Default: true),
            new("externalId", Optional: true, SuppressDiff: true),
            new("home", Optional: true, Computed: true),
            new("repos", Optional: true, Computed: true),
            new("force", Optional: true, Read: ReadFills.Kept),
            new("forceDeleteRepos", Optional: true, Read: ReadFills.Kept),
            new("forceDeleteHomeDir", Optional: true, Read: ReadFills.Kept),
            new("disableAsUserDeletion", Optional: true, Read: ReadFills.Kept),
            new("aclPrincipalId", Optional: true, Computed: true),
            .. EntitlementFields(ReadFills.TrueFromLive), Api, ProviderConfig,
        ]),
        new(PulumiTypes.GroupMember, "ResourceGroupMember: pair id group_id|member_id, both Required, ForceNew; Read checks the membership [fact: group-member-one-member]",
        [
            new("groupId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("memberId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            Api, ProviderConfig,
        ]),
        new(PulumiTypes.Entitlements, "ResourceEntitlements: Read generateEmpty then readIntoData, every flag set from live; Create/Update PATCH replace; Delete PATCH remove [fact: entitlements-patch-replace]",
        [
            new("groupId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("userId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("servicePrincipalId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            .. EntitlementFields(ReadFills.Live), ProviderConfig,
        ]),
        new(PulumiTypes.MwsPermissionAssignment, "ResourceMwsPermissionAssignment: no Update, so every field ForceNew; Read sets workspace_id, principal_id and permissions from the assignments [fact: mws-assignment-put] [fact: tf-no-update-all-forcenew]",
        [
            new("workspaceId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("principalId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("permissions", Required: true, ForceNew: true, Set: true),
        ]),
        new(PulumiTypes.SecretScope, "ResourceSecretScope: backend_type Computed; no Update, every field ForceNew; Read lists scopes and sets name, backend_type, keyvault_metadata [fact: secret-scope]",
        [
            new("name", Required: true, ForceNew: true),
            new("backendType", Optional: true, Computed: true, ForceNew: true),
            new("keyvaultMetadata", Optional: true, ForceNew: true),
            new("initialManagePrincipal", Optional: true, ForceNew: true, Read: ReadFills.Kept),
            ProviderConfig,
        ]),
        new(PulumiTypes.SecretAcl, "ResourceSecretACL: all Required, ForceNew; Read GetAcl sets permission; scope and principal from the id scope|||principal [fact: secret-acl-put]",
        [
            new("scope", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("principal", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("permission", Required: true, ForceNew: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.Secret, "ResourceSecret: Read cannot read a value, string_value stays as written [fact: secret-put-overwrites]",
        [
            new("stringValue", Required: true, ForceNew: true, Read: ReadFills.Kept),
            new("scope", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("key", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("lastUpdatedTimestamp", Computed: true),
            new("configReference", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.Grant, "ResourceGrant: principal ForceNew, privileges a set, every securable field Optional+ForceNew; Read keeps the principal's privileges on the securable [fact: grant-schema]",
        [
            new("principal", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("privileges", Required: true, Set: true),
            .. Securables.Select(s => new Field(s, Optional: true, ForceNew: true, Read: ReadFills.FromId)),
            ProviderConfig,
        ]),
        new(PulumiTypes.Grants, "ResourceGrants: grant a set of {principal, privileges}; securable fields Optional+ForceNew; Read sets every grant on the securable [fact: grants-securable-authoritative]",
        [
            new("grants", Required: true, Set: true),
            .. Securables.Select(s => new Field(s, Optional: true, ForceNew: true, Read: ReadFills.FromId)),
            ProviderConfig,
        ]),
        new(PulumiTypes.AccessControlRuleSet, "ResourceAccessControlRuleSet: name Required+ForceNew; grant_rules a set; Read GETs the whole rule set; etag Computed [fact: rule-set-put-whole]",
        [
            new("name", Required: true, ForceNew: true),
            new("grantRules", Optional: true, Set: true),
            new("etag", Computed: true),
        ]),
        new(PulumiTypes.Permissions, "ResourcePermissions: each object field Optional+ForceNew; access_control a set; Read the live ACL less the caller's own entry (unless declared), admins and inherited entries; object_type Computed [fact: permissions-put-whole-acl] [fact: permissions-read]",
        [
            new("jobId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("sqlEndpointId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("authorization", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("accessControls", Required: true, Set: true),
            new("objectType", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.OboToken, "ResourceOboToken: token_value Computed; no Update, every field ForceNew; Read drops an expired or missing token, sets comment [fact: obo-token-replace]",
        [
            new("applicationId", Required: true, ForceNew: true, Read: ReadFills.Kept),
            new("lifetimeSeconds", Optional: true, ForceNew: true, Read: ReadFills.Kept),
            new("comment", Optional: true, ForceNew: true),
            new("tokenValue", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.ServicePrincipalSecret, "ResourceServicePrincipalSecret: service_principal_id and lifetime ForceNew, time_rotating Optional+ForceNew, secret and times Computed; Read finds the secret by id [fact: sp-secret-replace]",
        [
            new("servicePrincipalId", Required: true, ForceNew: true, Read: ReadFills.Kept),
            new("lifetime", Optional: true, Computed: true, ForceNew: true),
            new("timeRotating", Optional: true, ForceNew: true, Read: ReadFills.Kept),
            new("secret", Computed: true), new("secretHash", Computed: true), new("createTime", Computed: true),
            new("expireTime", Computed: true), new("updateTime", Computed: true), new("status", Computed: true),
            Api, ProviderConfig,
        ]),
        new(PulumiTypes.ServicePrincipalRole, "ResourceServicePrincipalRole: pair id service_principal_id|role, Required, ForceNew; Read checks the role [fact: sp-role-patch]",
        [
            new("servicePrincipalId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("role", Required: true, ForceNew: true, Read: ReadFills.FromId),
            Api, ProviderConfig,
        ]),
        new(PulumiTypes.WorkspaceConf, "ResourceWorkspaceConf: custom_config an Optional map, updated in place; Read GETs the declared keys [fact: workspace-conf-patch]",
        [
            new("customConfig", Optional: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.Job, "ResourceJob: name, run_as, task, schedule Optional; run_as Optional+Computed; url Computed; Update resets the whole job, Read sets the job's settings [fact: job-resource]",
        [
            new("name", Optional: true),
            new("runAs", Optional: true, Computed: true),
            new("tasks", Optional: true),
            new("schedule", Optional: true),
            new("url", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.DatabricksProvider, "the provider's configuration (pulumi-databricks 1.106.0 sdk/dotnet/Provider.cs): no Read; a change of host or account id replaces it",
        [
            new("host", Optional: true, ForceNew: true), new("accountId", Optional: true, ForceNew: true),
            new("authType", Optional: true), new("azureTenantId", Optional: true), new("azureClientId", Optional: true),
            new("azureUseMsi", Optional: true), new("azureEnvironment", Optional: true),
            new("version", Optional: true, Read: ReadFills.Kept),
        ]),
        // pulumi-azure-native 3.x: native ARM resources; Read is a GET of the resource, which returns what was PUT.
        new(PulumiTypes.ResourceGroup, "pulumi-azure-native resources:ResourceGroup (resourceGroupName and location replace; GET returns them)",
        [
            new("resourceGroupName", Optional: true, Computed: true, ForceNew: true), new("location", Optional: true, Computed: true, ForceNew: true),
            new("name", Computed: true),
        ]),
        new(PulumiTypes.AppServicePlan, "pulumi-azure-native web:AppServicePlan (location, kind replace)",
        [
            new("resourceGroupName", Required: true, ForceNew: true), new("location", Optional: true, Computed: true, ForceNew: true),
            new("kind", Optional: true, ForceNew: true), new("reserved", Optional: true), new("sku", Optional: true), new("name", Computed: true),
        ]),
        new(PulumiTypes.UserAssignedIdentity, "pulumi-azure-native managedidentity:UserAssignedIdentity",
        [
            new("resourceGroupName", Required: true, ForceNew: true), new("location", Optional: true, Computed: true, ForceNew: true),
            new("clientId", Computed: true), new("principalId", Computed: true), new("tenantId", Computed: true),
        ]),
        new(PulumiTypes.WebApp, "pulumi-azure-native web:WebApp (name, resourceGroupName, location replace; the .NET SDK's WebAppArgs() sends clientAffinityEnabled, hyperV, isXenon, scmSiteAlsoStopped at false)",
        [
            new("name", Optional: true, Computed: true, ForceNew: true), new("resourceGroupName", Required: true, ForceNew: true),
            new("location", Optional: true, Computed: true, ForceNew: true), new("serverFarmId", Optional: true), new("kind", Optional: true),
            new("reserved", Optional: true), new("httpsOnly", Optional: true), new("identity", Optional: true), new("siteConfig", Optional: true),
            new("defaultHostName", Computed: true),
            new("clientAffinityEnabled", Optional: true, Default: false), new("hyperV", Optional: true, Default: false),
            new("isXenon", Optional: true, Default: false), new("scmSiteAlsoStopped", Optional: true, Default: false),
        ]),
        new(PulumiTypes.KeyVaultSecret, "pulumi-azure-native keyvault:Secret (vaultName, secretName, resourceGroupName replace; a value is a new version)",
        [
            new("resourceGroupName", Required: true, ForceNew: true), new("vaultName", Required: true, ForceNew: true),
            new("secretName", Optional: true, Computed: true, ForceNew: true), new("properties", Required: true, Read: ReadFills.Kept),
        ]),
        new(PulumiTypes.RandomPassword, "pulumi-random randomPassword (terraform-provider-random: every argument RequiresReplace; result Computed)",
        [
            new("length", Required: true, ForceNew: true), new("special", Optional: true, ForceNew: true), new("upper", Optional: true, ForceNew: true),
            new("lower", Optional: true, ForceNew: true), new("numeric", Optional: true, ForceNew: true), new("overrideSpecial", Optional: true, ForceNew: true),
            new("minSpecial", Optional: true, ForceNew: true), new("minUpper", Optional: true, ForceNew: true), new("minLower", Optional: true, ForceNew: true),
            new("minNumeric", Optional: true, ForceNew: true), new("keepers", Optional: true, ForceNew: true), new("result", Computed: true),
        ]),
    }.ToDictionary(s => s.Type, StringComparer.Ordinal);

    /// <summary>The schema of <paramref name="type"/>; a type nobody classified fails.</summary>
    public static TypeSchema Of(string type) =>
        ByType.TryGetValue(type, out var s) ? s : throw new UnclassifiedException($"resource type {type} is registered but its fields are not classified (Estate/ProviderSchema.cs)");
}

public sealed class UnclassifiedException(string message) : Exception(message);
