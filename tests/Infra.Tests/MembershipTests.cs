using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology.Planning;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests;

/// <summary>Memberships: just-in-time expiry, member ids by kind, and drift on looked-up groups.</summary>
public sealed class MembershipTests
{
    public static readonly TheoryData<string, string> OnCall = new()
    {
        { "dev", "group-admins-member-user-oncall@contoso.com" },
        { "prod", "group-platform-admins-member-user-oncall@contoso.com" },
    };

    [Theory]
    [MemberData(nameof(OnCall))]
    public async Task An_expired_membership_is_not_registered(string stack, string member)
    {
        var run = await StackRun.RunAsync(stack, StackRun.Now);

        Assert.Contains(run.Plan.Expired, e => e.Principal.Key == "oncall@contoso.com");
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Name == member);
        Assert.DoesNotContain(run.Mocks.Calls, c => c.Token == PulumiTypes.GetUsers && c.Args.Str("filter")!.Contains("oncall@contoso.com", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OnCall))]
    public async Task Before_expiry_the_membership_is_registered_and_reported_as_expiring(string stack, string member)
    {
        var run = await StackRun.RunAsync(stack, StackRun.BeforeOnCallExpiry);

        var registered = run.Mocks.Registered(member);
        Assert.Equal(PulumiTypes.GroupMember, registered.Type);
        Assert.Equal(AccessMocks.UserId("oncall@contoso.com"), registered.Inputs.Str("memberId"));

        var expiring = await run.OutputAsync<ImmutableArray<ImmutableDictionary<string, object?>>>("expiringMemberships");
        var onCall = Assert.Single(expiring, e => (string?)e["principal"] == "user:oncall@contoso.com");
        Assert.Equal(stack == "dev" ? "admins" : "platform-admins", onCall["group"]);
        Assert.Equal("2026-11-23T08:00:00Z", onCall["expires"]);
        Assert.StartsWith("on-call handover", (string?)onCall["reason"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task Expiring_memberships_are_a_stack_output(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        var expiring = await run.OutputAsync<ImmutableArray<ImmutableDictionary<string, object?>>>("expiringMemberships");
        var bob = Assert.Single(expiring);
        Assert.Equal("data-scientists", bob["group"]);
        Assert.Equal("user:bob@contoso.com", bob["principal"]);
        Assert.Equal("2026-12-01T18:00:00Z", bob["expires"]);
        Assert.Equal("INC-4711", bob["reason"]);
    }

    [Fact]
    public async Task Member_ids_come_from_the_member_kind()
    {
        var run = await StackRun.RunAsync("dev");

        string? MemberId(string name) => run.Mocks.Registered(name).Inputs.Str("memberId");
        string? GroupId(string name) => run.Mocks.Registered(name).Inputs.Str("groupId");

        Assert.Equal(AccessMocks.UserId("carol@contoso.com"), MemberId("group-data-engineers-member-user-carol@contoso.com"));
        Assert.Equal("scim-group-data-scientists-group", MemberId("group-data-engineers-member-group-data-scientists"));
        Assert.Equal("scim-webapp-notebook-runner-sp", MemberId("group-notebook-runners-member-webapp-notebook-runner"));
        Assert.Equal("scim-group-data-engineers-group", GroupId("group-data-engineers-member-user-carol@contoso.com"));
        Assert.Equal(AccessMocks.GroupLookupId("admins"), GroupId("group-admins-member-user-platform-lead@contoso.com"));
    }

    [Theory]
    [InlineData("dev", "unmanaged-admins")]
    [InlineData("prod", "unmanaged-admins,user-platform-lead@contoso.com")]
    public async Task Looked_up_groups_report_undeclared_members(string stack, string expected)
    {
        var run = await StackRun.RunAsync(stack);

        var admins = run.Component<GroupAccess>("group-admins");
        Assert.Equal(expected, string.Join(',', await OutputUtilities.GetValueAsync(admins.UnmanagedMembers)));

        var output = await run.OutputAsync<ImmutableDictionary<string, ImmutableArray<string>>>("unmanagedMembers");
        Assert.Equal(["admins"], output.Keys);
        Assert.Equal(expected, string.Join(',', output["admins"]));

        if (stack == "prod")
        {
            // An Entra group is looked up too, but its members are Entra's business, not drift.
            Assert.Empty(await OutputUtilities.GetValueAsync(run.Component<GroupAccess>("group-data-platform-engineers").UnmanagedMembers));
        }
    }

    [Fact]
    public async Task No_drift_gives_an_empty_map()
    {
        var mocks = new AccessMocks { LiveMembers = _ => [AccessMocks.UserId("platform-lead@contoso.com")] };
        var run = await StackRun.RunAsync("dev", mocks: mocks);

        Assert.Empty(await run.OutputAsync<ImmutableDictionary<string, ImmutableArray<string>>>("unmanagedMembers"));
    }
}
