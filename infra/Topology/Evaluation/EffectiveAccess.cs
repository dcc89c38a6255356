using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

public enum AccessKind
{
    Workspace,
    Group,
    Entitlement,
    SecretScope,
    Job,
    Catalog,

    /// <summary>The principal can act as another (<see cref="AccessEntry.Resource"/>), and so holds that one's access too.</summary>
    ActAs,
    Warehouse,

    /// <summary>Token use (<c>tokens</c>): CAN_USE from <c>topology.tokenUsage</c>, CAN_MANAGE for workspace admins. Only in <see cref="AccessClosure"/>.</summary>
    Tokens,
}

/// <summary>
/// One thing a principal can do in the end, and why: <see cref="Via"/> is null for a direct grant, otherwise
/// the group it comes through (or <c>admins</c> for what workspace admins hold everywhere). Time-bound access
/// carries the <see cref="Reason"/> of the membership whose expiry ends it. <see cref="Resource"/> is the name
/// Databricks shows; <see cref="ResourceKey"/> the stable config key where that differs (jobs, secret scopes).
/// </summary>
public sealed record AccessEntry(
    PrincipalRef Principal,
    AccessKind Kind,
    string Resource,
    string Permission,
    string? Via,
    DateTimeOffset? Until,
    string? Reason = null,
    string? ResourceKey = null)
{
    /// <summary>What one entry is about, by config key (two jobs may share a name); permissions of one key compete and the strongest wins.</summary>
    public (PrincipalRef, AccessKind, string, string) Key =>
        Kind is AccessKind.Catalog or AccessKind.Entitlement ? (Principal, Kind, ResourceKey ?? Resource, Permission) : (Principal, Kind, ResourceKey ?? Resource, string.Empty);

    /// <summary>The resource as a reviewer reads it: its name, and its config key when that is different.</summary>
    public string ResourceLabel => ResourceKey is null || ResourceKey == Resource ? Resource : $"{Resource} ({ResourceKey})";
}

/// <summary>
/// The access matrix: what each principal holds directly or through its groups (MANAGE &gt; WRITE &gt; READ,
/// strongest wins, admins manage everything), and one <see cref="AccessKind.ActAs"/> row per principal it can act
/// as, with the path, the earliest end along it and its reason. The access of the principal acted as is not copied
/// into the actor's rows: it is that principal's own rows, and <see cref="AccessClosure"/> answers the full question.
/// </summary>
public static class EffectiveAccess
{
    public static IReadOnlyList<AccessEntry> Compute(AccessGraph graph) => Enumerate(graph).ToList();

    /// <summary>
    /// The same entries in the same order, computed one principal at a time as they are read: a plan streams the
    /// matrix of a large estate instead of holding all of it.
    /// </summary>
    public static IEnumerable<AccessEntry> Enumerate(AccessGraph graph) => new AccessClosure(graph, paths: false).Matrix();
}
