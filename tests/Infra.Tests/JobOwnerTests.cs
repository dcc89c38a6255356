using Pulumi;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// A job's declared owner is IS_OWNER in its <c>Permissions</c>: the provider adds the caller as IS_OWNER only to a list
/// without one [fact: permissions-owner-added], so the declared owner stays the owner.
/// </summary>
public sealed class JobOwnerTests
{
    private static string Acl(IReadOnlyDictionary<string, object?> c) =>
        $"{c.GetValueOrDefault("servicePrincipalName") ?? c.GetValueOrDefault("groupName") ?? c.GetValueOrDefault("userName")} {c["permissionLevel"]}";

    [Fact]
    [Trait("fact", "permissions-owner-added")]
    public async Task A_declared_owner_is_registered_as_IS_OWNER_and_an_undeclared_one_is_not()
    {
        var file = StackRun.Load("dev", t => t.Edit("runAs: webapp:notebook-runner\n        canManageRun", "runAs: webapp:notebook-runner\n        owner: user:lead@contoso.com\n        canManageRun"));
        var run = await StackRun.RunAsync("dev", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var acl = run.Mocks.Registered("job-nightly-etl-permissions").Inputs.Maps("accessControls").Select(Acl).ToList();
        Assert.Single(acl, a => a.EndsWith(" IS_OWNER", StringComparison.Ordinal));
        Assert.Contains("lead@contoso.com IS_OWNER", acl);

        var plain = await StackRun.RunAsync("dev");
        Assert.DoesNotContain(plain.Mocks.Registered("job-nightly-etl-permissions").Inputs.Maps("accessControls").Select(Acl), a => a.EndsWith(" IS_OWNER", StringComparison.Ordinal));
    }
}
