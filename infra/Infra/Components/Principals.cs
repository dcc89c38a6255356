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
    /// a group's display name, a service principal's application id. For identities of this stack the output also
    /// depends on the identity's workspace assignment, so nothing refers to a principal before it is in the workspace.
    /// </summary>
    Output<string> AccessName(PrincipalRef principal);
}

/// <summary>
/// User ids, looked up once per (email, provider scope): several groups may share a member, and an account group
/// and a workspace group see a user through different providers.
/// </summary>
public sealed class UserLookups(ProviderSet providers)
{
    private readonly Dictionary<(string Email, ProviderScope Scope), Output<string>> _ids = [];

    public IReadOnlyCollection<(string Email, ProviderScope Scope)> Keys => _ids.Keys;

    public Output<string> Id(string email, ProviderScope scope)
    {
        if (!_ids.TryGetValue((email, scope), out var id))
        {
            id = Pulumi.Databricks.GetUser.Invoke(
                    new Pulumi.Databricks.GetUserInvokeArgs { UserName = email },
                    new InvokeOptions { Provider = providers.For(scope) })
                .Apply(u => u.Id);
            _ids[(email, scope)] = id;
        }

        return id;
    }
}
