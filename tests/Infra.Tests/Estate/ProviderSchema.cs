using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>What a provider's Read does with one field of the state.</summary>
public enum ReadFills
{
    /// <summary>Read sets it from the live object, every time.</summary>
    Live,

    /// <summary>
    /// Read sets it to <c>true</c> when the live principal has the entitlement and leaves it alone otherwise: the prior
    /// state value stays (on an import there is none: null). terraform-provider-databricks v1.128.0 scim/scim.go
    /// <c>entitlements.readIntoData</c> sets only the entitlements present; only resource_entitlement.go calls
    /// <c>generateEmpty</c> first.
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
/// <param name="SuppressDiff">An unset value is not diffed (<c>tf:"suppress_diff"</c>, common/reflect_resource.go).</param>
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
/// Pulumi.Databricks 1.106.0 wraps); a resource without Update has every field ForceNew (common/resource.go:211-229).
/// Fields every Databricks resource shares: <c>providerConfig</c> (common/unified_provider.go:40-60
/// AddNamespaceInSchema: Optional+Computed) and <c>api</c> (common/client.go:631-643 AddApiField: Optional, not read).
/// <para>
/// The engine's use of it (<see cref="Engine"/>): an unset field is planned at its Default; a Computed field left unset
/// keeps the state's value; a field with neither is planned empty; after an import a field Read does not fill is null
/// in the state, so a Default the program leaves unset is still a change (pulumi-terraform-bridge#2372, read for import
/// does not apply Default values; pulumi/pulumi-aws#5241 shows the null-to-default update after an import).
/// </para>
/// </summary>
public static class ProviderSchema
{
    private static readonly Field ProviderConfig = new("providerConfig", Optional: true, Computed: true);
    private static readonly Field Api = new("api", Optional: true, Read: ReadFills.Kept);

    /// <summary>scim/scim.go:100-110 addEntitlementsToSchema: Optional, Default false, one per possible entitlement.</summary>
    private static IEnumerable<Field> EntitlementFields(ReadFills read) =>
        new[] { "allowClusterCreate", "allowInstancePoolCreate", "databricksSqlAccess", "workspaceAccess", "workspaceConsume" }
            .Select(n => new Field(n, Optional: true, Default: false, Read: read));

    /// <summary>The entitlement field of a config entitlement name (scim/scim.go:40-46 entitlementMapping).</summary>
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
        new(PulumiTypes.Group, "scim/resource_group.go ResourceGroup (schema :15-40; Read :64-83 sets display_name, external_id, acl_principal_id, url, then entitlements.readIntoData; Update :84-93 PUTs name and entitlements, scim/groups.go:75-90 UpdateNameAndEntitlements)",
        [
            new("displayName", Required: true),
            new("externalId", Optional: true, ForceNew: true, SuppressDiff: true),
            new("url", Computed: true),
            new("force", Optional: true, Read: ReadFills.Kept),
            new("aclPrincipalId", Optional: true, Computed: true),
            .. EntitlementFields(ReadFills.TrueFromLive), Api, ProviderConfig,
        ]),
        new(PulumiTypes.ServicePrincipal, "scim/resource_service_principal.go ResourceServicePrincipal (schema :99-150; Read :179-193 setCommonUserFields (scim/resource_user.go:26-32) then entitlements.readIntoData; Update :194-211 PUTs the principal with its entitlements)",
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
        new(PulumiTypes.GroupMember, "scim/resource_group_member.go ResourceGroupMember (:112-140, common.NewPairID group_id|member_id: both Required, ForceNew; Read checks the membership)",
        [
            new("groupId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("memberId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            Api, ProviderConfig,
        ]),
        new(PulumiTypes.Entitlements, "scim/resource_entitlement.go ResourceEntitlements (schema :14-28; Read :48-82 generateEmpty then readIntoData: every flag set from live; Create/Update :34-47, :84-90 PATCH replace; Delete :91-97 PATCH remove)",
        [
            new("groupId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("userId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("servicePrincipalId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            .. EntitlementFields(ReadFills.Live), ProviderConfig,
        ]),
        new(PulumiTypes.MwsPermissionAssignment, "mws/resource_mws_permission_assignment.go (schema :46-58; no Update, so every field ForceNew, common/resource.go:211-229; Read :61-81 sets workspace_id, principal_id and permissions from the account's assignments)",
        [
            new("workspaceId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("principalId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("permissions", Required: true, ForceNew: true, Set: true),
        ]),
        new(PulumiTypes.SecretScope, "secrets/resource_secret_scope.go (workspace.CreateScope; backend_type SetComputed :22; no Update: every field ForceNew; Read lists scopes and sets name, backend_type, keyvault_metadata :37-56)",
        [
            new("name", Required: true, ForceNew: true),
            new("backendType", Optional: true, Computed: true, ForceNew: true),
            new("keyvaultMetadata", Optional: true, ForceNew: true),
            new("initialManagePrincipal", Optional: true, ForceNew: true, Read: ReadFills.Kept),
            ProviderConfig,
        ]),
        new(PulumiTypes.SecretAcl, "secrets/resource_secret_acl.go (schema :21-38 all Required, ForceNew; Read :63-78 GetAcl sets permission; scope and principal from the id scope|||principal)",
        [
            new("scope", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("principal", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("permission", Required: true, ForceNew: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.Secret, "secrets/resource_secret.go (schema :41-68; Read cannot read a value: string_value stays as written)",
        [
            new("stringValue", Required: true, ForceNew: true, Read: ReadFills.Kept),
            new("scope", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("key", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("lastUpdatedTimestamp", Computed: true),
            new("configReference", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.Grant, "catalog/resource_grant.go ResourceGrant (:140-166: principal ForceNew :143, privileges a set, every securable field Optional+ForceNew :155-163; Read :199-221 keeps the principal's privileges on the securable)",
        [
            new("principal", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("privileges", Required: true, Set: true),
            .. Securables.Select(s => new Field(s, Optional: true, ForceNew: true, Read: ReadFills.FromId)),
            ProviderConfig,
        ]),
        new(PulumiTypes.Grants, "catalog/resource_grants.go ResourceGrants (grant: a set of {principal, privileges} :20-27; securable fields Optional+ForceNew; Read sets every grant on the securable)",
        [
            new("grants", Required: true, Set: true),
            .. Securables.Select(s => new Field(s, Optional: true, ForceNew: true, Read: ReadFills.FromId)),
            ProviderConfig,
        ]),
        new(PulumiTypes.AccessControlRuleSet, "permissions/resource_access_control_rule_set.go (name Required+ForceNew :23; grant_rules a set; Read GETs the whole rule set; etag Computed)",
        [
            new("name", Required: true, ForceNew: true),
            new("grantRules", Optional: true, Set: true),
            new("etag", Computed: true),
        ]),
        new(PulumiTypes.Permissions, "permissions/resource_permissions.go ResourcePermissions (:180-200 each object field Optional+ForceNew; access_control a set, entity/permissions_entity.go:11-12; Read :246-285 prepareResponse, permission_definitions.go:214-254: the live ACL less the caller's own entry (unless declared), admins and inherited entries; object_type Computed)",
        [
            new("jobId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("sqlEndpointId", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("authorization", Optional: true, ForceNew: true, Read: ReadFills.FromId),
            new("accessControls", Required: true, Set: true),
            new("objectType", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.OboToken, "tokens/resource_obo_token.go (:12-16, token_value Computed :46-51; no Update: every field ForceNew; Read :74-96 drops an expired or missing token, sets comment)",
        [
            new("applicationId", Required: true, ForceNew: true, Read: ReadFills.Kept),
            new("lifetimeSeconds", Optional: true, ForceNew: true, Read: ReadFills.Kept),
            new("comment", Optional: true, ForceNew: true),
            new("tokenValue", Computed: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.ServicePrincipalSecret, "tokens/resource_service_principal_secret.go (:17-44: service_principal_id and lifetime ForceNew, time_rotating Optional+ForceNew, secret and times Computed; Read :97-130 finds the secret by id)",
        [
            new("servicePrincipalId", Required: true, ForceNew: true, Read: ReadFills.Kept),
            new("lifetime", Optional: true, Computed: true, ForceNew: true),
            new("timeRotating", Optional: true, ForceNew: true, Read: ReadFills.Kept),
            new("secret", Computed: true), new("secretHash", Computed: true), new("createTime", Computed: true),
            new("expireTime", Computed: true), new("updateTime", Computed: true), new("status", Computed: true),
            Api, ProviderConfig,
        ]),
        new(PulumiTypes.ServicePrincipalRole, "aws/resource_service_principal_role.go (:14-20 common.NewPairID service_principal_id|role: Required, ForceNew; Read :28-45 checks the role)",
        [
            new("servicePrincipalId", Required: true, ForceNew: true, Read: ReadFills.FromId),
            new("role", Required: true, ForceNew: true, Read: ReadFills.FromId),
            Api, ProviderConfig,
        ]),
        new(PulumiTypes.WorkspaceConf, "workspace/resource_workspace_conf.go (custom_config an Optional map, updated in place :28-80; Read GETs the declared keys)",
        [
            new("customConfig", Optional: true),
            ProviderConfig,
        ]),
        new(PulumiTypes.Job, "jobs/resource_job.go (JobSettings: name, run_as, task, schedule Optional; run_as Optional+Computed; url Computed; Update resets the whole job, Read sets the job's settings)",
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
