using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Components;

/// <summary>How components refer to principals declared elsewhere in the stack.</summary>
public interface IPrincipalResolver
{
    /// <summary>The principal's SCIM id as seen by the provider of <paramref name="scope"/> (for group memberships).</summary>
    Output<string> MemberId(PrincipalRef principal, ProviderScope scope);

    /// <summary>
    /// The name Databricks expects in secret ACLs, Unity Catalog grants, job permissions and run-as: a user's email,
    /// a group's display name, a service principal's application id. It carries no dependency on the principal's
    /// workspace assignment: whoever names the principal waits for <see cref="Gates"/> with <c>DependsOn</c> instead, so a
    /// replaced assignment never cascades into the ACLs, grants, entitlements and tokens that name the principal.
    /// </summary>
    Output<string> AccessName(PrincipalRef principal);

    /// <summary>What must exist before anything refers to the principal: its workspace assignment and rule set (none for users).</summary>
    IReadOnlyList<Resource> Gates(PrincipalRef principal);

    /// <summary>A permission entry (job or token permissions) naming the principal by its kind.</summary>
    Pulumi.Databricks.Inputs.PermissionsAccessControlArgs AccessControl(PrincipalRef principal, string level);
}

/// <summary>
/// What the group, service-principal and web-app components share: the resolver finds a built identity by reference
/// through it, as Topology finds its spec through <see cref="IIdentitySpec"/>.
/// </summary>
public interface IIdentityComponent
{
    /// <summary>The SCIM id (<see cref="IPrincipalResolver.MemberId"/>).</summary>
    Output<string> PrincipalId { get; }

    /// <summary>See <see cref="IPrincipalResolver.AccessName"/>.</summary>
    Output<string> AccessName { get; }

    /// <summary>See <see cref="IPrincipalResolver.Gates"/>.</summary>
    IReadOnlyList<Resource> Gates { get; }
}

/// <summary>
/// Users are looked up once per (email, provider scope) before anything is registered, with <c>getUsers</c>: it answers
/// an empty list for nobody, where <c>getUser</c> fails the whole run (the provider's data source errors on not found).
/// </summary>
public static class UserDirectory
{
    /// <summary>The SCIM filter for one user name (RFC 7644 3.4.2.2: a quoted string, with <c>\</c> and <c>"</c> escaped).</summary>
    public static string Filter(string email) => $"userName eq \"{email.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    /// <summary>Each lookup's user id, or null when the user was not found.</summary>
    public static async Task<IReadOnlyDictionary<UserLookup, string?>> LookUpAsync(IEnumerable<UserLookup> lookups, ProviderSet providers)
    {
        var pending = lookups.Distinct().Select(async lookup =>
        {
            var found = await Pulumi.Databricks.GetUsers.InvokeAsync(
                new Pulumi.Databricks.GetUsersArgs { Filter = Filter(lookup.Email) },
                new InvokeOptions { Provider = providers.For(lookup.Scope) });
            var user = found.Users.IsDefaultOrEmpty
                ? null
                : found.Users.FirstOrDefault(u => string.Equals(u.UserName, lookup.Email, StringComparison.OrdinalIgnoreCase));
            return (lookup, user?.Id);
        }).ToList();
        var results = await Task.WhenAll(pending);
        return results.ToDictionary(r => r.lookup, r => r.Id);
    }
}

/// <summary>
/// Looked-up groups (<c>existing</c>, <c>source: entra</c>) and service principals (existing, Entra, the deployer's
/// automation identities) are proven to exist first, with list invokes that answer an empty list for no match, where
/// <c>getGroup</c> and <c>getServicePrincipal</c> fail the whole run ("cannot find group", "cannot find SP"
/// [fact: data-group-not-found]). One list per kind and provider scope, matched exactly here: groups by display name
/// with <c>getWorkspaceIamGroupsV2</c> / <c>getAccountIamGroupsV2</c> (the listed groups, no error for none), service
/// principals by application id with <c>getServicePrincipals</c> (no display-name filter lists all; none only logs)
/// [fact: data-lists]. Neither list is
/// filtered server-side: the V2 filter's syntax is not documented upstream, and getServicePrincipals filters by
/// display name only. A found group is then read with <c>getGroup</c> (its SCIM id and members), a found service
/// principal with <c>getServicePrincipal</c>: both succeed once the principal is known to exist.
/// </summary>
public static class IdentityDirectory
{
    /// <summary>The declared groups and service principals that were not found, and the deployer's application ids not found.</summary>
    public static async Task<(HashSet<PrincipalRef> Missing, HashSet<string> MissingApplicationIds)> LookUpAsync(ResourcePlan plan, ProviderSet providers)
    {
        var groups = plan.Groups.Where(g => !g.Creates).ToList();
        var sps = plan.ServicePrincipals.Where(s => !s.Creates).ToList();
        var implicitIds = plan.Groups.SelectMany(g => g.ImplicitMembers).Select(m => m.ApplicationId).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);

        var groupNames = new Dictionary<ProviderScope, HashSet<string>>();
        foreach (var scope in groups.Select(g => g.GroupProvider).Distinct())
        {
            var options = new InvokeOptions { Provider = providers.For(scope) };
            IEnumerable<string> names = scope == ProviderScope.Account
                ? (await Dbx.GetAccountIamGroupsV2.InvokeAsync(new Dbx.GetAccountIamGroupsV2Args(), options)).Groups.Select(g => g.GroupName)
                : (await Dbx.GetWorkspaceIamGroupsV2.InvokeAsync(new Dbx.GetWorkspaceIamGroupsV2Args(), options)).Groups.Select(g => g.GroupName);
            groupNames[scope] = names.ToHashSet(StringComparer.Ordinal);
        }

        var appIds = new Dictionary<ProviderScope, HashSet<string>>();
        var spScopes = sps.Select(s => s.SpProvider).ToHashSet();
        if (implicitIds.Count > 0)
        {
            spScopes.Add(ProviderScope.Workspace);
        }

        foreach (var scope in spScopes.Order())
        {
            var found = await Dbx.GetServicePrincipals.InvokeAsync(new Dbx.GetServicePrincipalsArgs(), new InvokeOptions { Provider = providers.For(scope) });
            appIds[scope] = (found.ApplicationIds.IsDefault ? [] : found.ApplicationIds).ToHashSet(StringComparer.OrdinalIgnoreCase);
        }

        var missing = groups.Where(g => !groupNames[g.GroupProvider].Contains(g.Spec.DisplayName)).Select(g => g.Spec.Ref)
            .Concat(sps.Where(s => !appIds[s.SpProvider].Contains(s.Spec.ApplicationId!)).Select(s => s.Spec.Ref))
            .ToHashSet();
        var missingApplicationIds = implicitIds.Where(id => !appIds[ProviderScope.Workspace].Contains(id)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return (missing, missingApplicationIds);
    }
}
