using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
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
            ["ci-token"] = AccessMocks.TokenValue("sp-ci-deployer-token"),
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
    public async Task Credentials_are_secret_outputs(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        var deployer = run.Component<DatabricksServicePrincipal>("sp-ci-deployer");
        Assert.True(await Output.IsSecretAsync(deployer.TokenValue));
        Assert.Equal(AccessMocks.TokenValue("sp-ci-deployer-token"), await OutputUtilities.GetValueAsync(deployer.TokenValue));

        var akto = run.Component<DatabricksServicePrincipal>("sp-akto-connector");
        Assert.True(await Output.IsSecretAsync(akto.OAuthSecret));
        Assert.Equal(AccessMocks.OAuthSecret("sp-akto-connector-oauth-secret"), await OutputUtilities.GetValueAsync(akto.OAuthSecret));
        Assert.Null(await OutputUtilities.GetValueAsync(akto.TokenValue));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task No_stack_output_carries_a_secret(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var secrets = new[]
        {
            AccessMocks.TokenValue("sp-ci-deployer-token"),
            AccessMocks.OAuthSecret("sp-akto-connector-oauth-secret"),
            AccessMocks.Password("scope-app-secrets-password-db-password"),
            StackRun.ConfigValue("publishingApiToken"),
        };

        Assert.Equal(
            ["expiringMemberships", "jobIds", "secretScopes", "servicePrincipalApplicationIds", "unmanagedMembers", "webAppIdentityClientIds", "webAppUrls"],
            run.Outputs.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in run.Outputs)
        {
            var text = await Render(value);
            Assert.DoesNotContain(secrets, s => text.Contains(s, StringComparison.Ordinal));
            Assert.False(string.IsNullOrEmpty(text), key);
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Credentials_rotate_through_the_plans_keeper(string stack)
    {
        var run = await StackRun.RunAsync(stack);
        var deployer = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer");
        var akto = run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "akto-connector");

        var token = run.Mocks.Registered("sp-ci-deployer-token");
        Assert.Contains(deployer.TokenRotation!.Keeper, token.Inputs.Str("comment"), StringComparison.Ordinal);
        Assert.Equal(30 * 86_400, Convert.ToInt32(token.Inputs["lifetimeSeconds"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(deployer.Spec.ApplicationId ?? run.Mocks.Registered("sp-ci-deployer-sp").State["applicationId"], token.Inputs.Str("applicationId"));
        Assert.Equal(["comment"], run.ObservedNamed("sp-ci-deployer-token").Options.ReplaceOnChanges);

        // The token waits for the stack's `tokens` permission.
        var dependsOn = await OutputUtilities.GetValueAsync(run.ObservedNamed("sp-ci-deployer-token").Options.DependsOn.ToOutput());
        Assert.Equal(["token-usage"], dependsOn.Select(r => r.GetResourceName()));

        var secret = run.Mocks.Registered("sp-akto-connector-oauth-secret");
        Assert.Equal(akto.OAuthRotation!.Keeper, secret.Inputs.Str("timeRotating"));
        Assert.Equal($"{akto.OAuthLifetimeDays * 86_400}s", secret.Inputs.Str("lifetime"));
        Assert.Equal("scim-sp-akto-connector-sp", secret.Inputs.Str("servicePrincipalId"));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Token_usage_is_one_permission_for_every_principal_with_a_token(string stack)
    {
        var run = await StackRun.RunAsync(stack);

        var usage = run.Mocks.Registered("token-usage");
        Assert.Equal("tokens", usage.Inputs.Str("authorization"));
        var controls = usage.Inputs.Maps("accessControls");
        var control = Assert.Single(controls);
        Assert.Equal("CAN_USE", control["permissionLevel"]);
        Assert.Equal(run.Mocks.Registered("sp-ci-deployer-sp").State["applicationId"], control["servicePrincipalName"]);
    }

    private static async Task<string> Render(object? value) => value switch
    {
        Output<ImmutableDictionary<string, string>> o => string.Join(';', (await OutputUtilities.GetValueAsync(o)).Select(kv => $"{kv.Key}={kv.Value}")),
        Output<ImmutableArray<string>> o => string.Join(';', await OutputUtilities.GetValueAsync(o)),
        Output<ImmutableDictionary<string, ImmutableArray<string>>> o => "map:" + string.Join(';', (await OutputUtilities.GetValueAsync(o)).Select(kv => $"{kv.Key}={string.Join(',', kv.Value)}")),
        Output<ImmutableArray<ImmutableDictionary<string, object?>>> o => "list:" + string.Join(';', (await OutputUtilities.GetValueAsync(o)).SelectMany(d => d.Select(kv => $"{kv.Key}={kv.Value}"))),
        _ => throw new Xunit.Sdk.XunitException($"unexpected stack output type {value?.GetType()}"),
    };
}
