namespace DatabricksAccess.Topology.Planning;

/// <summary>Pulumi type tokens of everything the program registers; the mock tests compare against these.</summary>
public static class PulumiTypes
{
    public const string WebAppComponent = "databricks-access:index:ManagedIdentityWebApp";
    public const string ServicePrincipalComponent = "databricks-access:index:DatabricksServicePrincipal";
    public const string GroupComponent = "databricks-access:index:GroupAccess";
    public const string ScopeComponent = "databricks-access:index:SecretScopeAccess";
    public const string GrantsComponent = "databricks-access:index:CatalogGrants";
    public const string JobComponent = "databricks-access:index:NotebookJob";

    public const string DatabricksProvider = "pulumi:providers:databricks";
    public const string Group = "databricks:index/group:Group";
    public const string GroupMember = "databricks:index/groupMember:GroupMember";
    public const string ServicePrincipal = "databricks:index/servicePrincipal:ServicePrincipal";
    public const string Entitlements = "databricks:index/entitlements:Entitlements";
    public const string SecretScope = "databricks:index/secretScope:SecretScope";
    public const string SecretAcl = "databricks:index/secretAcl:SecretAcl";
    public const string Secret = "databricks:index/secret:Secret";
    public const string Grants = "databricks:index/grants:Grants";
    public const string Grant = "databricks:index/grant:Grant";
    public const string AccessControlRuleSet = "databricks:index/accessControlRuleSet:AccessControlRuleSet";
    public const string Job = "databricks:index/job:Job";
    public const string Permissions = "databricks:index/permissions:Permissions";
    public const string OboToken = "databricks:index/oboToken:OboToken";
    public const string ServicePrincipalSecret = "databricks:index/servicePrincipalSecret:ServicePrincipalSecret";
    public const string ServicePrincipalRole = "databricks:index/servicePrincipalRole:ServicePrincipalRole";
    public const string WorkspaceConf = "databricks:index/workspaceConf:WorkspaceConf";
    public const string MwsPermissionAssignment = "databricks:index/mwsPermissionAssignment:MwsPermissionAssignment";

    public const string GetGroup = "databricks:index/getGroup:getGroup";
    public const string GetUser = "databricks:index/getUser:getUser";
    public const string GetUsers = "databricks:index/getUsers:getUsers";
    public const string GetServicePrincipal = "databricks:index/getServicePrincipal:getServicePrincipal";
    public const string GetServicePrincipals = "databricks:index/getServicePrincipals:getServicePrincipals";
    public const string GetWorkspaceIamGroupsV2 = "databricks:index/getWorkspaceIamGroupsV2:getWorkspaceIamGroupsV2";
    public const string GetAccountIamGroupsV2 = "databricks:index/getAccountIamGroupsV2:getAccountIamGroupsV2";
    public const string GetSqlWarehouse = "databricks:index/getSqlWarehouse:getSqlWarehouse";
    public const string GetCurrentMetastore = "databricks:index/getCurrentMetastore:getCurrentMetastore";
    public const string GetResourceGroup = "azure-native:resources:getResourceGroup";

    public const string ResourceGroup = "azure-native:resources:ResourceGroup";
    public const string AppServicePlan = "azure-native:web:AppServicePlan";
    public const string WebApp = "azure-native:web:WebApp";
    public const string UserAssignedIdentity = "azure-native:managedidentity:UserAssignedIdentity";
    public const string KeyVaultSecret = "azure-native:keyvault:Secret";
    public const string RandomPassword = "random:index/randomPassword:RandomPassword";
}
