using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// Issue 27 on the mocks: account users assigned to the workspace directly (<c>topology.users</c>) are registered as
/// the account-level <c>MwsPermissionAssignment</c> of the account user the program looked up, like account groups
/// and service principals (Create: WorkspaceAssignment.Update of workspace_id, principal_id, permissions [fact: mws-assignment-put]).
/// </summary>
public sealed class DirectUserTests
{
    private const string WorkspaceId = "6543210987654321";

    private static Task<StackRun> Run(AccessMocks? mocks = null, string? imports = null) =>
        StackRun.RunAsync("prod", StackRun.Load("prod", text => text
            .Edit("  databricks-access:policy:\n    standingAdmins: []\n", "  databricks-access:policy:\n    standingAdmins: [\"user:ana@contoso.com\"]\n")
            .Edit("    groups:\n", "    users:\n      Ana@contoso.com: { workspaceAccess: admin }\n      dan@contoso.com: { workspaceAccess: user }\n"
                + (imports is null ? string.Empty : $"    imports:\n{imports}") + "    groups:\n")),
            StackRun.Now, mocks ?? new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));

    [Fact]
    public async Task Each_directly_assigned_user_is_its_account_users_assignment_on_the_account_provider()
    {
        var run = await Run();

        var ana = run.Mocks.Registered("user-ana@contoso.com-assignment");
        var dan = run.Mocks.Registered("user-dan@contoso.com-assignment");
        Assert.Equal((PulumiTypes.MwsPermissionAssignment, AccessMocks.UserId("ana@contoso.com"), WorkspaceId, "ADMIN", run.AccountProviderRef),
            (ana.Type, ana.Inputs.Str("principalId"), ana.Inputs.Str("workspaceId"), string.Join(',', ana.Inputs.Strings("permissions")), ana.Provider));
        Assert.Equal((AccessMocks.UserId("dan@contoso.com"), "USER"), (dan.Inputs.Str("principalId"), string.Join(',', dan.Inputs.Strings("permissions"))));
        var options = run.ObservedNamed("user-dan@contoso.com-assignment").Options;
        Assert.Equal((true, true), (options.Protect, options.RetainOnDelete));
        Assert.Null(options.Parent);

        // Looked up at account level (the assignment's principal) and, for the admin, at workspace level (admins' member).
        var lookups = run.Mocks.Calls.Where(c => c.Token == PulumiTypes.GetUsers).Select(c => (c.Args.Str("filter")!.Split('"')[1], c.Provider == run.AccountProviderRef)).ToList();
        Assert.Contains(("ana@contoso.com", true), lookups);
        Assert.Contains(("ana@contoso.com", false), lookups);
        Assert.Contains(("dan@contoso.com", true), lookups);
        Assert.DoesNotContain(("dan@contoso.com", false), lookups);
    }

    [Fact]
    public async Task A_direct_admin_is_a_declared_member_of_admins_not_drift()
    {
        var mocks = new AccessMocks { LiveMembers = name => [AccessMocks.UserId("platform-lead@contoso.com"), AccessMocks.UserId("ana@contoso.com"), AccessMocks.UnmanagedMemberPrefix + name] };
        var run = await Run(mocks);

        var admins = run.Component<GroupAccess>("group-admins");
        Assert.Equal("unmanaged-admins,user-platform-lead@contoso.com", string.Join(',', await OutputUtilities.GetValueAsync(admins.UnmanagedMembers)));
    }

    [Fact]
    public async Task An_adopted_assignment_is_registered_with_its_import_id_and_a_user_not_found_is_left_out()
    {
        var mocks = new AccessMocks { MissingUsers = new HashSet<string> { "dan@contoso.com" } };
        var run = await Run(mocks, $"      user-ana@contoso.com-assignment: \"{WorkspaceId}|4242\"\n");

        Assert.Equal($"{WorkspaceId}|4242", run.Mocks.Registered("user-ana@contoso.com-assignment").ImportId);
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Name == "user-dan@contoso.com-assignment");
        var unresolved = await run.OutputAsync<ImmutableArray<ImmutableDictionary<string, object?>>>("unresolvedPrincipals");
        Assert.Contains(unresolved, u => (string?)u["principal"] == "user:dan@contoso.com");
    }
}
