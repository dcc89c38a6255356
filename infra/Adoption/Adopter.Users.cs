using System.Globalization;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>Users: account users assigned to the workspace directly.</summary>
public sealed partial class Adopter
{
    /// <summary>
    /// An account user assigned to the workspace directly: <c>users.&lt;email&gt;.workspaceAccess</c>, imported as the
    /// account-level assignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> (the assignment's principal is the user's id).
    /// </summary>
    private void AdoptUser(AssignmentItem a)
    {
        var written = a.Principal!.UserName!;
        var email = written.ToLowerInvariant();
        if (input.Users.ContainsKey(email))
        {
            _report.AlreadyDeclared++;
            return;
        }

        if (!Names.IsEmail(email) || a.Principal.PrincipalId is not { } principalId)
        {
            Skip($"user {Comment(written)}: assigned to the workspace directly, but {(a.Principal.PrincipalId is null ? "the assignment names no principal id" : "its user name is not an email the model can key")} (audit reports the assignment as undeclared-assignment)");
            return;
        }

        if (_ids.Users.ContainsKey(email))
        {
            _report.Notes.Add($"user {Comment(written)} is assigned to the workspace twice under names that differ only in case: adopted once as {Comment(email)}; review the assignments");
            return;
        }

        var e = Entry("users", email, $"user {Comment(written)}");
        e.Lines.Add($"# adopted {stamp} from the direct workspace assignment of the account user '{Comment(written)}' (principal id {principalId.ToString(CultureInfo.InvariantCulture)}: {Comment(string.Join(", ", a.Permissions ?? []))})");
        e.Lines.Add($"{Scalar(email)}:");
        e.Lines.Add($"  workspaceAccess: {Access(a)}");
        _ids.Users[email] = principalId;
    }
}
