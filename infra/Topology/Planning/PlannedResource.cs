using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>Which Databricks provider a resource is registered with (None: Azure, Random, components).</summary>
public enum ProviderScope
{
    None,
    Workspace,
    Account,
}

/// <summary>
/// What a resource may change on a live workspace (docs/ownership.md), read from what the provider's
/// Create, Update and Delete do (the provider facts of docs/facts.md):
/// <see cref="Owned"/> acts on an object this stack creates; <see cref="Additive"/> adds exactly what is declared to
/// an object the stack does not own and removes only that; <see cref="PerPrincipal"/> replaces everything ONE principal
/// holds on one object (Grant, Entitlements, workspace assignment, SecretAcl); <see cref="Authoritative"/> replaces all
/// state of an object the stack does not own (only with an explicit opt-in, always protected, always in the blast radius).
/// Every per-principal resource of a principal this stack does not create is in the blast radius too.
/// </summary>
public enum Authority
{
    Owned,
    Additive,
    PerPrincipal,
    Authoritative,
}

public static class AuthorityNames
{
    /// <summary>The one spelling of an authority in every output (JSON, text, markdown, diff, docs): <c>per-principal</c>.</summary>
    public static string Name(this Authority authority) => authority switch
    {
        Authority.Owned => "owned",
        Authority.Additive => "additive",
        Authority.PerPrincipal => "per-principal",
        Authority.Authoritative => "authoritative",
        _ => throw new ArgumentOutOfRangeException(nameof(authority)),
    };
}

/// <summary>
/// One resource the program registers: Pulumi type token, stable logical name, provider and every resource option
/// the program applies. <see cref="DeleteBeforeReplace"/> follows from the type (<see cref="ResourceTraits"/>).
/// </summary>
public sealed record PlannedResource(string Type, string Name, ProviderScope Provider = ProviderScope.None, bool Protect = false)
{
    public Authority Authority { get; init; } = Authority.Owned;

    /// <summary>A delete (removal from config) leaves the object as it is and only forgets it.</summary>
    public bool RetainOnDelete { get; init; }

    /// <summary>The provider's id survives a replacement: the old object is deleted before the new one is created.</summary>
    public bool DeleteBeforeReplace => ResourceTraits.DeleteBeforeReplace(Type);

    /// <summary>
    /// Per-principal resources: the principal (config form, <c>group:data-scientists</c>) whose whole holding on
    /// <see cref="Object"/> an apply replaces.
    /// </summary>
    public string? Principal { get; init; }

    /// <summary>
    /// The provider's import id when the object already exists (<c>topology.imports</c>, written by <c>adopt</c>): the
    /// program passes it as Pulumi's <c>ImportId</c> option. Null for what the stack creates.
    /// </summary>
    public string? ImportId { get; init; }
    /// <summary>Per-principal resources: the object the principal's holding is replaced on (<c>catalog:main</c>, <c>scope app-secrets</c>).</summary>
    public string? Object { get; init; }

    /// <summary>The principal is not created by this stack (a user, a looked-up or synced identity, a built-in group).</summary>
    public bool SharedPrincipal { get; init; }

    /// <summary>
    /// A workspace-level group or service principal the stack creates: the entitlements (config names, comma-separated,
    /// empty for none) its own entitlement fields are set to, every other one false. Null for everything else.
    /// </summary>
    public string? Entitlements { get; init; }

    internal static string? EntitlementsOf(bool carries, IReadOnlyList<string> entitlements) => carries ? string.Join(", ", entitlements) : null;

    /// <summary>
    /// For resources that are neither authoritative nor per-principal but confer power over far more than they name (an
    /// account role): what they grant. Such resources are in the blast radius too.
    /// </summary>
    public string? Confers { get; init; }

    private readonly string? _revokes;

    /// <summary>For blast-radius resources: what an apply (and a delete) revokes beyond what is declared.</summary>
    public string? Revokes
    {
        get => _revokes ?? (Authority == Authority.PerPrincipal && Principal is not null
            ? $"everything {Principal} holds on {Object} beyond what is declared here, including what was granted before this stack; a delete revokes all of it"
            : null);
        init => _revokes = value;
    }

    /// <summary>
    /// In the blast radius: authoritative resources, per-principal resources of principals this stack does not create
    /// (only the stack can hold access through those of its own principals), and resources that confer account-wide power.
    /// </summary>
    public bool InBlastRadius => Authority == Authority.Authoritative || (Authority == Authority.PerPrincipal && SharedPrincipal) || Confers is not null;

    /// <summary>
    /// The owner a <c>Permissions</c> on an object the stack does not create declares as IS_OWNER, and where that came
    /// from; the provider makes the deployer the owner of such an object when the list has none.
    /// </summary>
    public PlannedOwner? Owner { get; init; }

    /// <summary>Registered one last time, retained on delete, so the next run only forgets it (<see cref="EntitlementsHandover"/>).</summary>
    public bool Retiring { get; init; }

    /// <summary>A per-principal resource of <paramref name="principal"/> on <paramref name="obj"/>.</summary>
    internal static PlannedResource PerPrincipal(string type, string name, ProviderScope provider, PrincipalRef principal, string obj, bool shared, bool protect = false) =>
        new(type, name, provider, protect)
        {
            Authority = Authority.PerPrincipal,
            Principal = principal.ToString(),
            Object = obj,
            SharedPrincipal = shared,
        };

    /// <summary>The object a workspace assignment acts on.</summary>
    public const string WorkspaceAssignmentObject = "the workspace assignment (its level)";

    /// <summary>The object an Entitlements resource acts on.</summary>
    public const string EntitlementsObject = "the workspace entitlements";

    /// <summary>
    /// An identity's workspace entitlements (workspace provider) and workspace assignment (account provider). Both are
    /// per-principal (a SCIM PATCH "replace" of the whole list [fact: entitlements-patch-replace]; a PUT of the level
    /// [fact: mws-assignment-put]). For shared principals they are protected, kept on delete and in the blast radius (the stack does
    /// not read and merge what others set: it declares the whole value and says so).
    /// </summary>
    internal static IEnumerable<PlannedResource> WorkspaceSettings(string? entitlements, string? assignment, IdentityOwnership ownership, PrincipalRef principal,
        string? retiring = null)
    {
        if (retiring is not null)
        {
            // The old Entitlements resource, once more and unchanged, retained on delete (EntitlementsHandover).
            yield return new(PulumiTypes.Entitlements, retiring, ProviderScope.Workspace) { RetainOnDelete = true, Retiring = true };
        }

        var shared = ownership != IdentityOwnership.Owned;
        if (entitlements is not null)
        {
            yield return ownership switch
            {
                IdentityOwnership.BuiltIn => new(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace, Protect: true)
                {
                    Authority = Authority.Authoritative,
                    RetainOnDelete = true,
                    Principal = principal.ToString(),
                    Object = EntitlementsObject,
                    SharedPrincipal = true,
                    Revokes = "entitlements beyond those declared, for every workspace identity (all of them reach it through this built-in group)",
                },
                _ => PerPrincipal(PulumiTypes.Entitlements, entitlements, ProviderScope.Workspace, principal, EntitlementsObject, shared, protect: shared)
                    with
                { RetainOnDelete = shared },
            };
        }

        if (assignment is not null)
        {
            yield return PerPrincipal(PulumiTypes.MwsPermissionAssignment, assignment, ProviderScope.Account, principal, WorkspaceAssignmentObject, shared, protect: shared)
                with
            { RetainOnDelete = shared };
        }
    }
}

/// <summary>An object's owner as the plan declares it (<c>user:ana@contoso.com</c>) and where that came from.</summary>
public sealed record PlannedOwner(string Principal, string Source);

/// <summary>Who owns an identity whose workspace settings the stack manages.</summary>
public enum IdentityOwnership
{
    /// <summary>Created by this stack.</summary>
    Owned,

    /// <summary>Looked up (existing, or synced from Entra ID): shared with whoever owns it.</summary>
    Shared,

    /// <summary>The built-in <c>users</c> / <c>admins</c> group: everyone in the workspace reaches it.</summary>
    BuiltIn,
}

/// <summary>A data-source lookup the program makes (no resource is registered for it).</summary>
public sealed record PlannedLookup(string Token, string Subject, ProviderScope Provider);

public interface IComponentPlan
{
    string Type { get; }

    string Name { get; }

    IEnumerable<PlannedResource> Resources { get; }
}
