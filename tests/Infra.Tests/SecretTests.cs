using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Pulumi.Utilities;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Tests;

/// <summary>Every secret value is a secret output, from config, generator or token alike, and none reaches a stack output.</summary>
public sealed class SecretTests
{
    public static readonly TheoryData<string> Stacks = ["dev", "prod"];

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Secret_values_are_secret_and_come_from_their_source(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var scope = run.Component<SecretScopeAccess>("scope-app-secrets");

        var expected = new Dictionary<string, string>
        {
            ["ci-token"] = AccessMocks.TokenValue(run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.Current.ResourceName),
            ["db-password"] = AccessMocks.Password("scope-app-secrets-password-db-password"),
            ["publishing-api"] = StackRun.ConfigValue("publishingApiToken"),
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), scope.SecretValues.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            var output = scope.SecretValues[key];
            Assert.True(await Output.IsSecretAsync(output), $"{key} is not secret");
            Assert.Equal(value, await OutputUtilities.GetValueAsync(output));

            // What the Secret resource was given, and what reached the engine.
            var args = Assert.IsType<Dbx.SecretArgs>(run.ObservedNamed($"scope-app-secrets-secret-{key}").Args);
            Assert.True(await Output.IsSecretAsync((Output<string>)args.StringValue!), $"{key}: string_value is not secret");
            var registered = run.Mocks.Registered($"scope-app-secrets-secret-{key}");
            Assert.Equal(value, registered.Inputs.Str("stringValue"));
            Assert.Equal("app-secrets", registered.Inputs.Str("scope"));
            Assert.Equal(key, registered.Inputs.Str("key"));
        }

        var password = run.Mocks.Registered("scope-app-secrets-password-db-password");
        Assert.Equal(stack == "dev" ? 32 : 48, Convert.ToInt32(password.Inputs["length"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Credentials_are_secret_outputs_and_the_current_slot_is_delivered(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        var deployer = run.Component<DatabricksServicePrincipal>("sp-ci-deployer");
        var token = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        Assert.True(await Output.IsSecretAsync(deployer.TokenValue));
        Assert.Equal(AccessMocks.TokenValue(token.Current.ResourceName), await OutputUtilities.GetValueAsync(deployer.TokenValue));

        var akto = run.Component<DatabricksServicePrincipal>("sp-akto-connector");
        var oauth = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "akto-connector").OAuthSecret!;
        Assert.True(await Output.IsSecretAsync(akto.OAuthSecret));
        Assert.Equal(AccessMocks.OAuthSecret(oauth.Current.ResourceName), await OutputUtilities.GetValueAsync(akto.OAuthSecret));
        Assert.Null(await OutputUtilities.GetValueAsync(akto.TokenValue));

        foreach (var (name, value) in deployer.SlotValues.Concat(akto.SlotValues))
        {
            Assert.True(await Output.IsSecretAsync(value), $"slot {name} is not secret");
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task No_stack_output_carries_a_secret_except_the_secret_oauth_output(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var slots = run.Plan.ServicePrincipals.SelectMany(s => s.Credentials).SelectMany(c => c.Slots.Select(slot => (c, slot))).ToList();
        var secrets = slots.Select(x => x.c.Spec.Kind == Topology.Model.CredentialKind.Token ? AccessMocks.TokenValue(x.slot.ResourceName) : AccessMocks.OAuthSecret(x.slot.ResourceName))
            .Append(AccessMocks.Password("scope-app-secrets-password-db-password"))
            .Append(StackRun.ConfigValue("publishingApiToken"))
            .ToList();

        Assert.Equal(
            ["credentialSchedule", "deployment", "expiringMemberships", "importedResources", "jobIds", "oauthSecrets", "retiredEntitlements", "secretScopes", "servicePrincipalApplicationIds", "unmanagedMembers", "unresolvedPrincipals", "webAppIdentityClientIds", "webAppUrls"],
            run.Outputs.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in run.Outputs.Where(kv => kv.Key != "oauthSecrets"))
        {
            var text = await Render(value);
            Assert.DoesNotContain(secrets, s => text.Contains(s, StringComparison.Ordinal));
        }

        // An OAuth secret without a store is delivered through this one output, and it is a secret; the samples store
        // the Akto connector's (connectors/akto-oauth), so it is not there.
        var oauthSecrets = Assert.IsType<Output<ImmutableDictionary<string, string?>>>(run.Outputs["oauthSecrets"]);
        Assert.True(await Output.IsSecretAsync(oauthSecrets));
        Assert.False((await OutputUtilities.GetValueAsync(oauthSecrets)).ContainsKey("akto-connector"));
    }
    /// <summary>
    /// The program reads the last deployment's credentialSchedule back through a stack reference to itself and keys each
    /// slot by the instant recorded for it; an unreadable entry leaves that credential on the fixed grid (and the run goes on).
    /// </summary>
    [Fact]
    public async Task Slots_are_keyed_by_the_recorded_schedule_and_an_unreadable_entry_falls_back_to_the_grid()
    {
        ImmutableDictionary<string, object> Slot(string issued, string expires) =>
            ImmutableDictionary<string, object>.Empty.Add("issued", issued).Add("expires", expires);
        var recorded = ImmutableDictionary<string, object>.Empty
            .Add("version", 1)
            .Add("credentials", ImmutableDictionary<string, object>.Empty
                .Add("sp-ci-deployer-token", ImmutableDictionary<string, object>.Empty
                    .Add("current", "a")
                    .Add("a", Slot("2026-11-20T00:00:00Z", "2026-12-20T00:00:00Z"))
                    .Add("b", Slot("2026-10-26T00:00:00Z", "2026-11-25T18:00:00Z")))
                .Add("sp-akto-connector-oauth-secret", ImmutableDictionary<string, object>.Empty.Add("current", "c")));
        var mocks = new AccessMocks { PreviousOutputs = ImmutableDictionary<string, object>.Empty.Add(CredentialSchedule.OutputName, recorded) };
        var run = await StackRun.RunAsync("prod", StackRun.Load("prod"), StackRun.Now, mocks, key => Output.Create(StackRun.ConfigValue(key)));

        Assert.Equal(["organization/databricks-access/prod"], mocks.StackReferences);
        var token = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        Assert.True(token.Continued);
        Assert.Equal(["slot-a-2026-11-20T00:00:00Z", "slot-b-2026-10-26T00:00:00Z"],
            await Task.WhenAll(token.Slots.Select(async s => (string)(await OutputUtilities.GetValueAsync(run.ObservedNamed(s.ResourceName).Options.ReplacementTrigger!.ToOutput()))!)));

        var akto = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "akto-connector").OAuthSecret!;
        var grid = CredentialRotation.Plan(akto.Principal, akto.Spec, akto.Key, akto.StoreResource, StackRun.Now, akto.Provider);
        Assert.False(akto.Continued);
        Assert.Equal(grid.Current.Keeper, await OutputUtilities.GetValueAsync(run.ObservedNamed(akto.Current.ResourceName).Options.ReplacementTrigger!.ToOutput()));

        // What this run records: the continued token as read, the fallback credential on the grid.
        var written = CredentialSchedule.FromOutputValue(await run.OutputAsync<ImmutableDictionary<string, object>>(CredentialSchedule.OutputName), []);
        Assert.Equal(new IssuedSlot(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero)), written.Credentials["sp-ci-deployer-token"].CurrentSlot);
        Assert.Equal(grid.Current.Issued, written.Credentials["sp-akto-connector-oauth-secret"].CurrentSlot.Issued);
    }


    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_credential_has_two_slots_with_the_planned_lifetime_and_keeper(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var deployer = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var akto = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "akto-connector").OAuthSecret!;

        Assert.Equal(deployer.Slots.Select(s => s.ResourceName).Order(StringComparer.Ordinal),
            run.Mocks.Registrations.Where(r => r.Type == PulumiTypes.OboToken).Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var slot in deployer.Slots)
        {
            var token = run.Mocks.Registered(slot.ResourceName);
            Assert.Contains(slot.Keeper, token.Inputs.Str("comment"), StringComparison.Ordinal);
            Assert.Equal((deployer.Spec.RotationDays + deployer.Spec.OverlapDays) * 86_400, Convert.ToInt32(token.Inputs["lifetimeSeconds"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(run.Mocks.Registered("sp-ci-deployer-sp").State["applicationId"], token.Inputs.Str("applicationId"));
            // The keeper replaces the slot; the policy inputs wait for the next rotation (ignored changes).
            Assert.Equal(slot.Keeper, await OutputUtilities.GetValueAsync(run.ObservedNamed(slot.ResourceName).Options.ReplacementTrigger!.ToOutput()));
            Assert.Equal(["lifetimeSeconds", "comment"], run.ObservedNamed(slot.ResourceName).Options.IgnoreChanges);

            // Token usage is not managed in these stacks: a token waits only for its principal's gates (assignment, rule set),
            // as a dependency, never through a value (issue 20 item 4).
            var gates = (await OutputUtilities.GetValueAsync(run.ObservedNamed(slot.ResourceName).Options.DependsOn.ToOutput()))
                .Select(r => r.GetResourceName()).Order(StringComparer.Ordinal);
            Assert.Equal(stack == "prod" ? ["sp-ci-deployer-assignment", "sp-ci-deployer-rule-set"] : (string[])[], gates);
        }

        Assert.Equal(akto.Slots.Select(s => s.ResourceName).Order(StringComparer.Ordinal),
            run.Mocks.Registrations.Where(r => r.Type == PulumiTypes.ServicePrincipalSecret).Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var slot in akto.Slots)
        {
            var secret = run.Mocks.Registered(slot.ResourceName);
            Assert.Equal(slot.Keeper, secret.Inputs.Str("timeRotating"));
            Assert.Equal($"{(akto.Spec.RotationDays + akto.Spec.OverlapDays) * 86_400}s", secret.Inputs.Str("lifetime"));
            Assert.Equal("scim-sp-akto-connector-sp", secret.Inputs.Str("servicePrincipalId"));
        }
    }

    [Fact]
    public async Task Token_usage_when_opted_in_is_one_protected_permission_that_tokens_wait_for()
    {
        var file = StackRun.Load("dev", text => text.Edit(
            "    resourceGroup: rg-dbx-access-dev\n",
            "    resourceGroup: rg-dbx-access-dev\n    tokenUsage: { canUse: [group:data-engineers] }\n"));
        var run = await StackRun.RunAsync("dev", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));

        var usage = run.Mocks.Registered("token-usage");
        Assert.Equal("tokens", usage.Inputs.Str("authorization"));
        Assert.Equal(
            ["CAN_USE group data-engineers", $"CAN_USE sp {run.Mocks.Registered("sp-ci-deployer-sp").State["applicationId"]}"],
            usage.Inputs.Maps("accessControls").Select(c => $"{c["permissionLevel"]} {(c.ContainsKey("groupName") ? "group " + c["groupName"] : "sp " + c["servicePrincipalName"])}"));
        Assert.True(run.ObservedNamed("token-usage").Options.Protect);
        foreach (var slot in run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.Slots.Select(s => s.ResourceName))
        {
            var dependsOn = await OutputUtilities.GetValueAsync(run.ObservedNamed(slot).Options.DependsOn.ToOutput());
            Assert.Equal(["token-usage"], dependsOn.Select(r => r.GetResourceName()));
        }
    }

    private static async Task<string> Render(object? value) => value switch
    {
        Output<ImmutableDictionary<string, string>> o => string.Join(';', (await OutputUtilities.GetValueAsync(o)).Select(kv => $"{kv.Key}={kv.Value}")),
        Output<ImmutableArray<string>> o => string.Join(';', await OutputUtilities.GetValueAsync(o)),
        Output<ImmutableDictionary<string, ImmutableArray<string>>> o => "map:" + string.Join(';', (await OutputUtilities.GetValueAsync(o)).Select(kv => $"{kv.Key}={string.Join(',', kv.Value)}")),
        Output<ImmutableArray<ImmutableDictionary<string, object?>>> o => "list:" + string.Join(';', (await OutputUtilities.GetValueAsync(o)).SelectMany(d => d.Select(kv => $"{kv.Key}={kv.Value}"))),
        Output<ImmutableDictionary<string, object>> o => "object:" + System.Text.Json.JsonSerializer.Serialize(await OutputUtilities.GetValueAsync(o)),
        _ => throw new Xunit.Sdk.XunitException($"unexpected stack output type {value?.GetType()}"),
    };
}
