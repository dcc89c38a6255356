using System.Text.Json.Nodes;
using static DatabricksAccess.Delivery.Tests.Engine;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// .github/scripts/rotate-due.sh, run for real against the real offline plan of the prod stack and a fake pulumi: only
/// the current slots issued after their deployed resource was created are rotated, with the stores that hold them, in
/// the revocation run mode, checked before and after. At <see cref="Now"/> prod's current slots are OAuth secret
/// slot a (issued 2026-11-03) and token slot b (issued 2026-11-18, stored in scope-app-secrets-secret-ci-token).
/// </summary>
public sealed class RotationScriptTests : IDisposable
{
    private const string Stack = "prod";
    private const string StackName = "contoso/databricks-access/prod";
    private const string Now = "2026-11-25T12:07:00Z";

    private static readonly string OAuthA = Urn(Stack, SpComponent, OAuthSecret, "sp-akto-connector-oauth-secret-a");
    private static readonly string OAuthB = Urn(Stack, SpComponent, OAuthSecret, "sp-akto-connector-oauth-secret-b");
    private static readonly string TokenA = Urn(Stack, SpComponent, OboToken, "sp-ci-deployer-token-a");
    private static readonly string TokenB = Urn(Stack, SpComponent, OboToken, "sp-ci-deployer-token-b");
    private static readonly string Store = Urn(Stack, ScopeComponent, Secret, "scope-app-secrets-secret-ci-token");
    private static readonly string App = Urn(Stack, "databricks-access:index:ManagedIdentityWebApp", WebApp, "webapp-notebook-runner-site");

    private readonly ScriptHarness _h = new(StackName);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Rotates_only_the_due_slot_in_the_revocation_run_mode()
    {
        // OAuth slot a was issued 2026-11-03 but its deployed secret dates from August: due. Token slot b was issued
        // 2026-11-18 and deployed 2 minutes later (written with an offset): not due.
        _h.With("state.json", State(("oauth-a", "2026-08-21T10:00:00.123456789Z"), ("oauth-b", "2026-10-01T00:00:00Z"), ("token-a", "2026-10-11T00:00:00Z"), ("token-b", "2026-11-18T01:02:03.5+01:00")))
            .With("preview.json", Digest(Stack, [Replace(OAuthA, OAuthSecret), Step("update", Res(App, WebApp, "2026-09-01T00:00:00Z"), Res(App, WebApp, null), "siteConfig")]))
            .With("targeted.json", Digest(Stack, [Replace(OAuthA, OAuthSecret)]))
            .With("state-after.json", State(("oauth-a", "2026-11-25T12:07:31Z"), ("oauth-b", "2026-10-01T00:00:00Z"), ("token-a", "2026-10-11T00:00:00Z"), ("token-b", "2026-11-18T01:02:03.5+01:00")));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal(["stack export", "preview", "preview --target", "up", "stack export"], run.Calls.Select(Kind));
        var up = run.Calls[3];
        Assert.Equal([OAuthA], up.Targets);
        Assert.Contains("--target-dependents", up.Words);
        Assert.Equal([OAuthA], run.Calls[2].Targets);

        // Policy that time turned red reports instead of blocking, for these program runs only.
        Assert.All(run.Calls.Where(c => c.Is("preview") || c.Is("up")), c => Assert.Equal("revocation", c.RunMode));
        Assert.All(run.Calls.Where(c => c.Is("stack")), c => Assert.Equal(string.Empty, c.RunMode));
        Assert.DoesNotContain(run.Calls, c => c.Targets.Contains(App));

        Assert.Contains("| sp:akto\\-connector | oauth\\-secret | sp\\-akto\\-connector\\-oauth\\-secret\\-a | 2026\\-11\\-03T00:00:00Z | 2026\\-08\\-21T10:00:00.123456789Z | due |", run.Summary, StringComparison.Ordinal);
        Assert.Contains("| sp:ci\\-deployer | token | sp\\-ci\\-deployer\\-token\\-b | 2026\\-11\\-18T00:00:00Z | 2026\\-11\\-18T01:02:03.5\\+01:00 | no |", run.Summary, StringComparison.Ordinal);
        Assert.Contains("Rotated 1 slot(s); confirmed renewed in the state.", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_token_rotates_with_its_store_and_nothing_else()
    {
        _h.With("state.json", State(("oauth-a", "2026-11-03T00:00:00Z"), ("token-a", "2026-10-11T00:00:00Z"), ("token-b", "2026-10-01T00:00:00Z")))
            .With("preview.json", Digest(Stack, [Replace(TokenB, OboToken)]))
            .With("targeted.json", Digest(Stack, [Replace(TokenB, OboToken), Step("replace", Res(Store, Secret, "2026-10-01T00:00:00Z"), Res(Store, Secret, null), "stringValue")]))
            .With("state-after.json", State(("oauth-a", "2026-11-03T00:00:00Z"), ("token-a", "2026-10-11T00:00:00Z"), ("token-b", "2026-11-25T12:08:00Z")));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal([TokenB], Assert.Single(run.Calls, c => c.Is("up")).Targets);
    }

    [Fact]
    [Trait("fact", "engine-created-timestamp")]
    public void A_slot_deployed_exactly_at_its_issue_instant_is_not_due_and_one_second_earlier_it_is()
    {
        _h.With("state.json", State(("oauth-a", "2026-11-03T00:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")));
        var at = _h.Run("rotate-due.sh", StackName, Plan());
        Assert.True(at.Code == 0, at.ToString());
        Assert.DoesNotContain(at.Calls, c => c.Is("preview") || c.Is("up"));
        Assert.Contains("No credential slot is due.", at.Summary, StringComparison.Ordinal);

        _h.With("state.json", State(("oauth-a", "2026-11-02T23:59:59.999Z"), ("token-b", "2026-11-18T00:00:00Z")))
            .With("preview.json", Digest(Stack, [Replace(OAuthA, OAuthSecret)]))
            .With("targeted.json", Digest(Stack, [Replace(OAuthA, OAuthSecret)]))
            .With("state-after.json", State(("oauth-a", "2026-11-25T12:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")));
        var before = _h.Run("rotate-due.sh", StackName, Plan());
        Assert.True(before.Code == 0, before.ToString());
        Assert.Equal([OAuthA], Assert.Single(before.Calls, c => c.Is("up")).Targets);
    }

    [Fact]
    public void A_preview_that_replaces_a_slot_the_plan_does_not_call_due_stops_before_anything_changes()
    {
        _h.With("state.json", State(("oauth-a", "2026-08-21T10:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")))
            .With("preview.json", Digest(Stack, [Replace(OAuthA, OAuthSecret), Replace(TokenB, OboToken)]));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Contains("the plan says 1 slot(s) are due (sp-akto-connector-oauth-secret-a), the preview replaces 2 slot(s)", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preview_that_does_not_replace_a_due_slot_stops_before_anything_changes()
    {
        _h.With("state.json", State(("oauth-a", "2026-08-21T10:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")))
            .With("preview.json", Digest(Stack, []));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Contains("the preview replaces 0 slot(s) (none)", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_targeted_rotation_that_would_touch_anything_else_stops_before_anything_changes()
    {
        _h.With("state.json", State(("oauth-a", "2026-08-21T10:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")))
            .With("preview.json", Digest(Stack, [Replace(OAuthA, OAuthSecret)]))
            .With("targeted.json", Digest(Stack, [Replace(OAuthA, OAuthSecret), Step("update", Res(App, WebApp, "2026-09-01T00:00:00Z"), Res(App, WebApp, null), "siteConfig")]));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Contains($"- unexpected: update {App}", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_store_the_plan_names_for_the_due_slot_may_change()
    {
        var other = Urn(Stack, ScopeComponent, Secret, "scope-app-secrets-secret-db-password");
        _h.With("state.json", State(("oauth-a", "2026-11-03T00:00:00Z"), ("token-b", "2026-10-01T00:00:00Z")))
            .With("preview.json", Digest(Stack, [Replace(TokenB, OboToken)]))
            .With("targeted.json", Digest(Stack, [Replace(TokenB, OboToken), Step("replace", Res(Store, Secret, "2026-10-01T00:00:00Z"), Res(Store, Secret, null), "stringValue"),
                Step("replace", Res(other, Secret, "2026-10-01T00:00:00Z"), Res(other, Secret, null), "stringValue")]));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Contains($"- unexpected: replace {other}", run.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain($"- unexpected: replace {Store}", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_program_that_fails_stops_the_rotation()
    {
        _h.With("state.json", State(("oauth-a", "2026-08-21T10:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")))
            .With("preview.json", Digest(Stack, [], new JsonArray(Diagnostic("error", "topology.groups.x: invalid"))))
            .With("preview.exit", "255");

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Contains("pulumi preview failed", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slot_not_renewed_afterwards_fails_the_run()
    {
        _h.With("state.json", State(("oauth-a", "2026-08-21T10:00:00Z"), ("token-b", "2026-11-18T00:00:00Z")))
            .With("preview.json", Digest(Stack, [Replace(OAuthA, OAuthSecret)]))
            .With("targeted.json", Digest(Stack, [Replace(OAuthA, OAuthSecret)]));

        var run = _h.Run("rotate-due.sh", StackName, Plan());

        Assert.Equal(1, run.Code);
        Assert.Contains("1 due slot(s) are not renewed in the state after the update", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_without_credential_slots_rotates_nothing()
    {
        var run = _h.Run("rotate-due.sh", StackName, _h.WriteFile("plain.json", """{ "resources": [], "expired": [] }"""));

        Assert.True(run.Code == 0, run.ToString());
        Assert.Empty(run.Calls);
    }

    /// <summary>The real offline plan of the prod stack file at <see cref="Now"/>, as the workflow computes it.</summary>
    private string Plan()
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["plan", "--stack", Stack, "--now", Now, "--format", "json"], @out, err, TimeProvider.System, Repo.Root);
        Assert.True(code is 0 or 1, err.ToString());
        return _h.WriteFile("plan.json", @out.ToString());
    }

    private static string State(params (string Slot, string Created)[] slots)
    {
        var urns = new Dictionary<string, (string Urn, string Type)>
        {
            ["oauth-a"] = (OAuthA, OAuthSecret),
            ["oauth-b"] = (OAuthB, OAuthSecret),
            ["token-a"] = (TokenA, OboToken),
            ["token-b"] = (TokenB, OboToken),
        };
        return Export(Stack, [
            Component(Stack, SpComponent, "sp-akto-connector"),
            Res(Store, Secret, "2026-10-01T00:00:00Z"),
            Res(App, WebApp, "2026-09-01T00:00:00Z"),
            .. slots.Select(s => Res(urns[s.Slot].Urn, urns[s.Slot].Type, s.Created))]);
    }

    private static JsonObject Res(string urn, string type, string? created) =>
        Resource(urn, type, $"id-{urn.Split("::")[^1]}", created, parent: Urn(Stack, null, SpComponent, "sp-akto-connector"));

    private static JsonObject Replace(string urn, string type) =>
        Step("replace", Res(urn, type, "2026-08-21T10:00:00Z"), Res(urn, type, null), "lifetime");

    private static string Kind(ScriptHarness.Call call) =>
        call.Is("stack export") ? "stack export"
        : call.Is("preview") ? (call.Targets.Count > 0 ? "preview --target" : "preview")
        : call.Is("up") ? "up"
        : call.Args;
}
