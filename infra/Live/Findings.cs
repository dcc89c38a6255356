namespace DatabricksAccess.Live;

/// <summary>How much a finding matters: what the access it is about allows.</summary>
public enum Severity
{
    /// <summary>Read (READ, CAN_VIEW, SELECT, USE_*, BROWSE, workspace access), and what is declared but absent.</summary>
    Low = 1,

    /// <summary>Any other write or run (CAN_MANAGE_RUN, CAN_USE, CREATE_*, WRITE_VOLUME, EXECUTE, cluster creation...).</summary>
    Medium = 2,

    /// <summary>MANAGE, WRITE, CAN_MANAGE, IS_OWNER, ALL_PRIVILEGES, MODIFY.</summary>
    High = 3,

    /// <summary>Workspace or account admin.</summary>
    Critical = 4,
}

/// <summary>The kinds of finding, as they are written in every output.</summary>
public static class FindingKinds
{
    /// <summary>A member of a group the stack owns that the stack does not declare.</summary>
    public const string UndeclaredMember = "undeclared-member";

    /// <summary>A workspace admin the stack does not declare: a member of <c>admins</c> or an ADMIN assignment.</summary>
    public const string UndeclaredAdmin = "undeclared-admin";

    public const string UndeclaredAcl = "undeclared-acl";

    public const string UndeclaredGrant = "undeclared-grant";

    public const string UndeclaredJobPermission = "undeclared-job-permission";

    public const string UndeclaredAssignment = "undeclared-assignment";

    /// <summary>A job the stack does not declare that runs as a principal it declares: whoever can run or manage it
    /// (CAN_MANAGE_RUN, CAN_MANAGE, IS_OWNER) acts as that principal; always high.</summary>
    public const string UndeclaredActingAs = "undeclared-acting-as";

    /// <summary>A permission on a declared SQL warehouse beyond its declared ACL, or an owner other than the declared one.</summary>
    public const string UndeclaredWarehousePermission = "undeclared-warehouse-permission";

    /// <summary>A grant rule on an account rule set the stack owns (a service principal it creates) that it does not declare.</summary>
    public const string UndeclaredManager = "undeclared-manager";

    /// <summary>A workspace entitlement beyond what the stack declares, on a group or service principal it declares
    /// (and on <c>users</c> and <c>admins</c> when it manages built-in entitlements).</summary>
    public const string UndeclaredEntitlement = "undeclared-entitlement";

    /// <summary>A personal access token that never expires or outlives the stack's token policy; or the workspace conf
    /// <c>maxTokenLifetimeDays</c> differing from the declared <c>tokenPolicy</c>.</summary>
    public const string TokenPolicy = "token-policy";

    /// <summary>Can use tokens while the stack manages token usage and does not list the principal.</summary>
    public const string TokenUser = "token-user";

    /// <summary>
    /// A key in a Databricks-backed scope the stack creates that the stack does not declare: typically a secret or a
    /// credential's store removed from config, which is kept with its last value (its Secret is retained on delete).
    /// </summary>
    public const string UndeclaredSecret = "undeclared-secret";

    /// <summary>A membership whose declared expiry has passed and that is still live.</summary>
    public const string ExpiredStillPresent = "expired-still-present";

    /// <summary>Declared, but absent from the workspace or account.</summary>
    public const string Missing = "missing";

    /// <summary>A declared principal that is not found.</summary>
    public const string Unresolved = "unresolved";

    public static readonly IReadOnlyList<string> All =
    [
        UndeclaredMember, UndeclaredAdmin, UndeclaredAcl, UndeclaredGrant, UndeclaredJobPermission, UndeclaredActingAs,
        UndeclaredWarehousePermission, UndeclaredManager, UndeclaredAssignment, UndeclaredEntitlement, UndeclaredSecret, TokenUser, TokenPolicy, ExpiredStillPresent, Missing, Unresolved,
    ];
}

/// <summary>
/// One difference between the live workspace (or account) and the stack's declaration. <see cref="Principal"/> is the
/// stack's name for the principal where it declares it (<c>sp:akto-connector</c>), otherwise the live name
/// (<c>user:&lt;email&gt;</c>, <c>group:&lt;display name&gt;</c>, <c>sp:&lt;application id&gt;</c>); null when the
/// finding is about an object alone (a missing job). Values come from live data: escape them before display.
/// </summary>
public sealed record Finding(string Kind, Severity Severity, string? Principal, string Object, string Detail);

public static class Severities
{
    private static readonly HashSet<string> High = new(StringComparer.OrdinalIgnoreCase)
    {
        "MANAGE", "WRITE", "CAN_MANAGE", "IS_OWNER", "ALL_PRIVILEGES", "MODIFY",
    };

    private static readonly HashSet<string> Read = new(StringComparer.OrdinalIgnoreCase)
    {
        // Secret ACL, job and Unity Catalog read levels; group membership and workspace access by themselves.
        "READ", "CAN_VIEW", "CAN_READ", "SELECT", "USE_CATALOG", "USE_SCHEMA", "BROWSE", "READ_VOLUME", "READ_FILES",
        "MEMBER", "USER", "workspace-access", "databricks-sql-access",
    };

    /// <summary>The severity of holding one permission, privilege, workspace access level or entitlement.</summary>
    public static Severity Of(string permission) =>
        permission.Equals("ADMIN", StringComparison.OrdinalIgnoreCase) ? Severity.Critical
        : High.Contains(permission) ? Severity.High
        : Read.Contains(permission) ? Severity.Low
        : Severity.Medium;

    /// <summary>The strongest of several; <see cref="Severity.Low"/> for none.</summary>
    public static Severity Max(IEnumerable<string> permissions) =>
        permissions.Select(Of).DefaultIfEmpty(Severity.Low).Max();

    public static string Name(Severity severity) => severity switch
    {
        Severity.Critical => "critical",
        Severity.High => "high",
        Severity.Medium => "medium",
        _ => "low",
    };
}
