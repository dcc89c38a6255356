using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Account users assigned to the workspace directly (<c>topology.users</c>).</summary>
internal sealed partial class TopologyBinder
{
    private static readonly Dictionary<string, WorkspaceAccess> UserAccessValues = new()
    {
        ["user"] = WorkspaceAccess.User,
        ["admin"] = WorkspaceAccess.Admin,
    };

    /// <summary>
    /// <c>users.&lt;email&gt;: { workspaceAccess: user | admin }</c>: one workspace permission assignment of the account
    /// user (the account API's assignment, as for account groups and service principals). Emails are normalised to
    /// lower case; two equal after that are an error. A user with no direct assignment is simply not listed.
    /// </summary>
    private SortedDictionary<string, UserSpec> BindUsers(ConfigMap root, AccountSpec? account)
    {
        var result = new SortedDictionary<string, UserSpec>(StringComparer.Ordinal);
        var map = _r.Map(root["users"], root.Child("users"));
        if (map is null)
        {
            return result;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (written, node) in map.Entries)
        {
            var email = written.Trim().ToLowerInvariant();
            if (!Names.IsEmail(email))
            {
                _d.Error(node.Path, $"'{NodeReader.Shorten(written)}' is not a user email (the account user's userName)");
                continue;
            }

            if (seen.TryGetValue(email, out var first))
            {
                _d.Error(node.Path, $"duplicate user '{NodeReader.Shorten(written)}' (same as '{first}' after normalisation)");
                continue;
            }

            seen[email] = written;
            var user = _r.Map(node, node.Path);
            if (user is null)
            {
                continue;
            }

            _r.AllowOnly(user, "workspaceAccess");
            if (user["workspaceAccess"] is null)
            {
                _d.Error(user.Child("workspaceAccess"), "is required: user or admin (the user's direct workspace assignment)");
                continue;
            }

            var access = _r.Enum(user, "workspaceAccess", UserAccessValues);
            if (access is null)
            {
                continue;
            }

            if (account is null)
            {
                _d.Error(user.Child("workspaceAccess"), "a direct workspace assignment is made through the account: it needs databricks-access:account (id, host, workspaceId)");
                continue;
            }

            result[email] = new UserSpec(email, access.Value, node.Path);
        }

        return result;
    }
}
