namespace DatabricksAccess.Topology.Model;

/// <summary>The closed vocabularies of Databricks names that config may use.</summary>
public static class Vocabulary
{
    /// <summary>The provider's possibleEntitlements [fact: scim-entitlement-vocabulary].</summary>
    public static readonly IReadOnlyList<string> Entitlements =
        ["workspace-access", "databricks-sql-access", "allow-cluster-create", "allow-instance-pool-create", "workspace-consume"];

    /// <summary><c>workspace-consume</c> excludes these (workspace_consume ConflictsWith workspace_access, databricks_sql_access [fact: scim-entitlement-vocabulary]).</summary>
    public static readonly IReadOnlyList<string> ConsumeConflicts = ["workspace-access", "databricks-sql-access"];

    public static readonly IReadOnlyDictionary<string, SecretPermission> SecretPermissions =
        new Dictionary<string, SecretPermission>(StringComparer.OrdinalIgnoreCase)
        {
            ["READ"] = SecretPermission.Read,
            ["WRITE"] = SecretPermission.Write,
            ["MANAGE"] = SecretPermission.Manage,
        };

    public static string Name(SecretPermission permission) => permission switch
    {
        SecretPermission.Read => "READ",
        SecretPermission.Write => "WRITE",
        SecretPermission.Manage => "MANAGE",
        _ => permission.ToString().ToUpperInvariant(),
    };

    public static string Name(JobPermission permission) => permission switch
    {
        JobPermission.CanView => "CAN_VIEW",
        JobPermission.CanManageRun => "CAN_MANAGE_RUN",
        JobPermission.CanManage => "CAN_MANAGE",
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    public static string Name(WorkspaceAccess access) => access switch
    {
        WorkspaceAccess.User => "USER",
        WorkspaceAccess.Admin => "ADMIN",
        _ => "NONE",
    };

    public static readonly IReadOnlyDictionary<string, SecurableKind> SecurableKinds =
        new Dictionary<string, SecurableKind>(StringComparer.OrdinalIgnoreCase)
        {
            ["metastore"] = SecurableKind.Metastore,
            ["catalog"] = SecurableKind.Catalog,
            ["schema"] = SecurableKind.Schema,
            ["table"] = SecurableKind.Table,
            ["volume"] = SecurableKind.Volume,
            ["function"] = SecurableKind.Function,
            ["external_location"] = SecurableKind.ExternalLocation,
            ["storage_credential"] = SecurableKind.StorageCredential,
        };

    /// <summary>Number of dot-separated parts a securable's name has (0: no name).</summary>
    public static int NameParts(SecurableKind kind) => kind switch
    {
        SecurableKind.Metastore => 0,
        SecurableKind.Catalog or SecurableKind.ExternalLocation or SecurableKind.StorageCredential => 1,
        SecurableKind.Schema => 2,
        _ => 3,
    };

    /// <summary>Unity Catalog privileges that apply to each securable kind.</summary>
    public static readonly IReadOnlyDictionary<SecurableKind, IReadOnlySet<string>> Privileges =
        new Dictionary<SecurableKind, IReadOnlySet<string>>
        {
            [SecurableKind.Metastore] = Set("CREATE_CATALOG", "CREATE_CONNECTION", "CREATE_EXTERNAL_LOCATION",
                "CREATE_STORAGE_CREDENTIAL", "CREATE_SHARE", "CREATE_RECIPIENT", "CREATE_PROVIDER", "USE_CONNECTION",
                "USE_MARKETPLACE_ASSETS", "USE_PROVIDER", "USE_RECIPIENT", "USE_SHARE", "SET_SHARE_PERMISSION",
                "MANAGE_ALLOWLIST"),
            [SecurableKind.Catalog] = Set("ALL_PRIVILEGES", "APPLY_TAG", "BROWSE", "CREATE_FUNCTION",
                "CREATE_MATERIALIZED_VIEW", "CREATE_MODEL", "CREATE_SCHEMA", "CREATE_TABLE", "CREATE_VOLUME",
                "EXECUTE", "MANAGE", "MODIFY", "READ_VOLUME", "REFRESH", "SELECT", "USE_CATALOG", "USE_SCHEMA",
                "WRITE_VOLUME"),
            [SecurableKind.Schema] = Set("ALL_PRIVILEGES", "APPLY_TAG", "CREATE_FUNCTION", "CREATE_MATERIALIZED_VIEW",
                "CREATE_MODEL", "CREATE_TABLE", "CREATE_VOLUME", "EXECUTE", "MANAGE", "MODIFY", "READ_VOLUME",
                "REFRESH", "SELECT", "USE_SCHEMA", "WRITE_VOLUME"),
            [SecurableKind.Table] = Set("ALL_PRIVILEGES", "APPLY_TAG", "MANAGE", "MODIFY", "SELECT"),
            [SecurableKind.Volume] = Set("ALL_PRIVILEGES", "APPLY_TAG", "MANAGE", "READ_VOLUME", "WRITE_VOLUME"),
            [SecurableKind.Function] = Set("ALL_PRIVILEGES", "EXECUTE", "MANAGE"),
            [SecurableKind.ExternalLocation] = Set("ALL_PRIVILEGES", "BROWSE", "CREATE_EXTERNAL_TABLE",
                "CREATE_EXTERNAL_VOLUME", "CREATE_MANAGED_STORAGE", "MANAGE", "READ_FILES", "WRITE_FILES"),
            [SecurableKind.StorageCredential] = Set("ALL_PRIVILEGES", "CREATE_EXTERNAL_LOCATION",
                "CREATE_EXTERNAL_TABLE", "MANAGE", "READ_FILES", "WRITE_FILES"),
        };

    public static readonly IReadOnlyDictionary<string, string> AppServiceTiers =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["B1"] = "Basic",
            ["B2"] = "Basic",
            ["B3"] = "Basic",
            ["S1"] = "Standard",
            ["S2"] = "Standard",
            ["S3"] = "Standard",
            ["P1v2"] = "PremiumV2",
            ["P2v2"] = "PremiumV2",
            ["P3v2"] = "PremiumV2",
            ["P0v3"] = "PremiumV3",
            ["P1v3"] = "PremiumV3",
            ["P2v3"] = "PremiumV3",
            ["P3v3"] = "PremiumV3",
            ["P1mv3"] = "PremiumMV3",
            ["P2mv3"] = "PremiumMV3",
        };

    public static string Name(WarehousePermission permission) => permission switch
    {
        WarehousePermission.CanUse => "CAN_USE",
        WarehousePermission.CanManage => "CAN_MANAGE",
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    /// <summary>The account role of an account admin (databricks_service_principal_role, docs/resources/service_principal_role.md).</summary>
    public const string AccountAdminRole = "account_admin";

    /// <summary>Account roles config may give a service principal (<c>accountRoles</c>).</summary>
    public static readonly IReadOnlyList<string> AccountRoles = [AccountAdminRole];

    /// <summary>The web app runtime when none is declared (unchanged from before <c>runtime</c> existed).</summary>
    public const string DefaultRuntime = "DOTNETCORE|8.0";

    /// <summary>
    /// App Service on Linux runtimes (<c>linuxFxVersion</c>, "STACK|VERSION"), as <c>az webapp list-runtimes --os linux</c>
    /// lists the supported ones; the stack name is upper case, as App Service writes it.
    /// </summary>
    public static readonly IReadOnlyList<string> WebAppRuntimes =
    [
        "DOTNETCORE|8.0", "DOTNETCORE|9.0",
        "PYTHON|3.9", "PYTHON|3.10", "PYTHON|3.11", "PYTHON|3.12", "PYTHON|3.13",
        "NODE|18-lts", "NODE|20-lts", "NODE|22-lts",
        "PHP|8.2", "PHP|8.3", "PHP|8.4",
        "JAVA|11-java11", "JAVA|17-java17", "JAVA|21-java21",
    ];

    public static class Rules
    {
        public const string StandingAdmin = "standing-admin";
        public const string AdminDuration = "admin-duration";
        public const string ExpiryHorizon = "expiry-horizon";
        public const string ReasonRequired = "reason-required";
        public const string TokenLifetime = "token-lifetime";
        public const string RotationPeriod = "rotation-period";
        public const string AllUsersAccess = "all-users-access";

        public static readonly IReadOnlyList<string> All =
            [StandingAdmin, AdminDuration, ExpiryHorizon, ReasonRequired, TokenLifetime, RotationPeriod, AllUsersAccess];
    }

    private static HashSet<string> Set(params string[] values) => new(values, StringComparer.Ordinal);
}
