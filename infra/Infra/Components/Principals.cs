using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;

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
