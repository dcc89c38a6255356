namespace DatabricksAccess.Adoption;

/// <summary>The live id of an adopted object, for its import ids once the plan has named its resources.</summary>
public sealed record AdoptedIds
{
    /// <summary>group key → its live ids.</summary>
    public Dictionary<string, AdoptedGroupIds> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>sp key → its live ids.</summary>
    public Dictionary<string, AdoptedServicePrincipalIds> Sps { get; } = new(StringComparer.Ordinal);

    /// <summary>(group key, member ref) → member SCIM id.</summary>
    public Dictionary<AdoptedMembership, string> Members { get; } = [];

    /// <summary>scope key → its name and ACL principals.</summary>
    public Dictionary<string, AdoptedScopeIds> Scopes { get; } = new(StringComparer.Ordinal);

    /// <summary>(securable, principal ref) → the principal as the grants API names it.</summary>
    public Dictionary<AdoptedGrant, string> Grants { get; } = [];

    /// <summary>job key → job id.</summary>
    public Dictionary<string, long> Jobs { get; } = new(StringComparer.Ordinal);

    /// <summary>email (lower case) → the account user's id, the principal of its direct workspace assignment.</summary>
    public Dictionary<string, long> Users { get; } = new(StringComparer.Ordinal);
}

/// <summary>An adopted principal's live ids: its SCIM id at its level, the workspace id of its entitlements (or null), its assignment's principal id (or null).</summary>
public abstract record AdoptedPrincipalIds(string Id, string? EntitlementsId, long? AssignmentId);

/// <summary>An adopted group's live ids.</summary>
public sealed record AdoptedGroupIds(string Id, string? EntitlementsId, long? AssignmentId) : AdoptedPrincipalIds(Id, EntitlementsId, AssignmentId);

/// <summary>An adopted service principal's live ids; Managed: the stack owns it (import the principal).</summary>
public sealed record AdoptedServicePrincipalIds(string Id, string? EntitlementsId, long? AssignmentId, bool Managed) : AdoptedPrincipalIds(Id, EntitlementsId, AssignmentId);

/// <summary>A membership by the group's key and the member's ref.</summary>
public readonly record struct AdoptedMembership(string Group, string Member);

/// <summary>An adopted secret scope: its name, and each ACL principal by ref as the API names it.</summary>
public sealed record AdoptedScopeIds(string Name, IReadOnlyDictionary<string, string> Principals);

/// <summary>A grant by its securable and the principal's ref.</summary>
public readonly record struct AdoptedGrant(string On, string To);
