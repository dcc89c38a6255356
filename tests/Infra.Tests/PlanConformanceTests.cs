using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests;

/// <summary>The program registers exactly the plan: types, names, parents, providers, protect flags and lookups.</summary>
public sealed class PlanConformanceTests
{
    public static readonly TheoryData<string> Stacks = ["dev", "prod"];

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Registers_exactly_the_planned_resources(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        var expected = run.Plan.AllResources.Select(r => $"{r.Resource.Type} {r.Resource.Name}").Order(StringComparer.Ordinal).ToList();
        var registered = run.Mocks.Registrations.Select(r => $"{r.Type} {r.Name}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, registered);
        // Previous credential slots past their expiry are not declared (issue 20); issue 21 added the token policy, the
        // connectors scope with the Akto credential (both stacks) and, in prod, the shared SQL warehouse's permissions.
        Assert.Equal(stack == "dev" ? 44 : 60, registered.Count);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Every_child_is_parented_by_its_component(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var componentTypes = run.Plan.Components.ToDictionary(c => c.Name, c => c.Type);

        Assert.Equal(run.Plan.AllResources.Count(), run.Observed.Count);
        foreach (var (component, resource) in run.Plan.AllResources)
        {
            var observed = run.ObservedNamed(resource.Name);
            Assert.Equal(resource.Type, observed.Type);
            if (component == ResourcePlan.StackComponent || componentTypes.ContainsKey(resource.Name))
            {
                Assert.True(observed.Options.Parent is null, $"{resource.Name} should be top-level, is under {observed.Options.Parent?.GetResourceName()}");
            }
            else
            {
                var parent = observed.Options.Parent;
                Assert.True(parent is not null, $"{resource.Name} has no parent");
                Assert.Equal(component, parent.GetResourceName());
                Assert.Equal(componentTypes[component], parent.GetResourceType());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Protect_flags_follow_the_plan(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        var planned = run.Plan.AllResources.Where(r => r.Resource.Protect).Select(r => r.Resource.Name).Order(StringComparer.Ordinal).ToList();
        var protectedNames = run.Observed.Where(o => o.Options.Protect == true).Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(planned, protectedNames);
        if (stack == "prod")
        {
            Assert.Contains("webapp-notebook-runner-identity", protectedNames);
            Assert.Contains("group-data-scientists-group", protectedNames);
            Assert.Contains("scope-app-secrets-scope", protectedNames);
            Assert.DoesNotContain("group-data-scientists-member-user-bob@contoso.com", protectedNames);
        }
        else
        {
            // Dev protects nothing of its own; an authoritative opt-in is always protected.
            Assert.Equal(["token-policy"], protectedNames);
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Account_resources_use_the_account_provider_and_workspace_resources_the_default(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var scopes = run.Plan.AllResources.ToDictionary(r => r.Resource.Name, r => r.Resource.Provider);

        var account = 0;
        foreach (var registration in run.Mocks.Registrations)
        {
            if (scopes[registration.Name] == ProviderScope.Account)
            {
                account++;
                Assert.Equal(run.AccountProviderRef, registration.Provider);
                Assert.Same(run.Resources.OfType<Pulumi.Databricks.Provider>().Single(), run.ObservedNamed(registration.Name).Provider);
            }
            else
            {
                Assert.True(registration.Provider.Length == 0, $"{registration.Name} is registered with provider {registration.Provider}");
                Assert.Null(run.ObservedNamed(registration.Name).Provider);
            }
        }

        Assert.Equal(stack == "prod" ? 20 : 0, account);
    }

    [Fact]
    public async Task The_account_provider_targets_the_account_with_the_stack_auth_settings()
    {
        var run = await StackRun.RunAsync("prod");

        var provider = run.Mocks.Registered("databricks-account");
        Assert.Equal(PulumiTypes.DatabricksProvider, provider.Type);
        Assert.Equal("https://accounts.azuredatabricks.net", provider.Inputs.Str("host"));
        Assert.Equal("0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e", provider.Inputs.Str("accountId"));
        Assert.Equal(StackRun.TenantId, provider.Inputs.Str("azureTenantId"));
        Assert.Null(provider.Inputs.Str("token"));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Lookups_are_the_planned_ones_each_once_with_the_planned_provider(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        string Subject(MockCall call) => call.Token switch
        {
            PulumiTypes.GetUsers => call.Args.Str("filter")!.Split('"')[1],
            PulumiTypes.GetGroup => call.Args.Str("displayName")!,
            PulumiTypes.GetServicePrincipal => call.Args.Str("applicationId")!,
            PulumiTypes.GetSqlWarehouse => call.Args.Str("name")!,
            PulumiTypes.GetServicePrincipals or PulumiTypes.GetWorkspaceIamGroupsV2 or PulumiTypes.GetAccountIamGroupsV2 => "*",
            _ => call.Args.Str("resourceGroupName")!,
        };
        ProviderScope Scope(MockCall call) =>
            call.Provider.Length > 0 && call.Provider == run.AccountProviderRef ? ProviderScope.Account
            : call.Provider.Length > 0 ? throw new Xunit.Sdk.XunitException($"{call.Token} with provider {call.Provider}")
            : call.Token.StartsWith("databricks:", StringComparison.Ordinal) ? ProviderScope.Workspace
            : ProviderScope.None;

        var expected = run.Plan.Lookups.Select(l => $"{l.Token} {l.Subject} {l.Provider}").Order(StringComparer.Ordinal).ToList();
        var calls = run.Mocks.Calls.Select(c => $"{c.Token} {Subject(c)} {Scope(c)}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, calls);
        Assert.Contains($"{PulumiTypes.GetGroup} admins {ProviderScope.Workspace}", calls);
        if (stack == "prod")
        {
            Assert.Contains($"{PulumiTypes.GetGroup} data-platform-engineers {ProviderScope.Account}", calls);
            Assert.Contains($"{PulumiTypes.GetUsers} bob@contoso.com {ProviderScope.Account}", calls);
        }
    }

    [Fact]
    public async Task An_entra_group_is_looked_up_and_gets_no_members_or_group_resource()
    {
        var run = await StackRun.RunAsync("prod");

        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Name.StartsWith("group-data-platform-engineers-member-", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Type == PulumiTypes.Group && r.Name.StartsWith("group-data-platform-engineers", StringComparison.Ordinal));

        // It is still granted access and can be a member elsewhere, by its looked-up id.
        var entitlements = run.Mocks.Registered("group-data-platform-engineers-entitlements");
        Assert.Equal(AccessMocks.GroupLookupId("data-platform-engineers"), entitlements.Inputs.Str("groupId"));
        var nested = run.Mocks.Registered("group-data-scientists-member-group-data-platform-engineers");
        Assert.Equal(AccessMocks.GroupLookupId("data-platform-engineers"), nested.Inputs.Str("memberId"));
        Assert.Equal("scim-group-data-scientists-group", nested.Inputs.Str("groupId"));
    }

    [Fact]
    public async Task Account_identities_are_assigned_to_the_workspace()
    {
        var run = await StackRun.RunAsync("prod");

        var assignments = run.Mocks.Registrations.Where(r => r.Type == PulumiTypes.MwsPermissionAssignment)
            .ToDictionary(r => r.Name, r => (Principal: r.Inputs.Str("principalId"), Workspace: r.Inputs.Str("workspaceId"), Permissions: string.Join(',', r.Inputs.Strings("permissions"))));
        Assert.Equal(
            new Dictionary<string, (string?, string?, string)>
            {
                ["webapp-notebook-runner-assignment"] = ("scim-webapp-notebook-runner-sp", "6543210987654321", "USER"),
                ["sp-akto-connector-assignment"] = ("scim-sp-akto-connector-sp", "6543210987654321", "USER"),
                ["sp-ci-deployer-assignment"] = ("scim-sp-ci-deployer-sp", "6543210987654321", "USER"),
                ["group-data-platform-engineers-assignment"] = (AccessMocks.GroupLookupId("data-platform-engineers"), "6543210987654321", "USER"),
                ["group-data-scientists-assignment"] = ("scim-group-data-scientists-group", "6543210987654321", "USER"),
                ["group-notebook-runners-assignment"] = ("scim-group-notebook-runners-group", "6543210987654321", "USER"),
                ["group-platform-admins-assignment"] = ("scim-group-platform-admins-group", "6543210987654321", "ADMIN"),
            },
            assignments);
    }

    [Fact]
    public async Task Workspace_local_identities_get_no_workspace_assignment()
    {
        var run = await StackRun.RunAsync("dev");

        Assert.Null(run.Plan.AccountProviderResource);
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Type is PulumiTypes.MwsPermissionAssignment or PulumiTypes.DatabricksProvider);
    }
}
