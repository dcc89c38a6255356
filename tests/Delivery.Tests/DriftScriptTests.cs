using System.Text.Json.Nodes;
using static DatabricksAccess.Delivery.Tests.Engine;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// .github/scripts/drift.sh with the stand-in pulumi (fake-pulumi.sh) and the real offline plan of the prod stack:
/// every real change and every unmanaged member is drift; refresh, read and same steps are not changes; the
/// re-creation of an expired previous credential slot is expected. And revocation-liveness.sh: a revocation older
/// than 2 hours is an alert.
/// </summary>
public sealed class DriftScriptTests : IDisposable
{
    private const string Stack = "prod";
    private const string StackName = "contoso/databricks-access/prod";
    private const string Now = "2026-11-25T12:07:00Z";
    private static readonly string Member = Urn(Stack, GroupComponent, GroupMember, "group-platform-admins-member-user-oncall@contoso.com");
    private static readonly string Other = Urn(Stack, GroupComponent, GroupMember, "group-platform-admins-member-user-ann@contoso.com");
    private static readonly string GroupUrn = Urn(Stack, GroupComponent, Group, "group-platform-admins");

    // At Now, prod's token slot a is the previous slot and expired 2026-11-23T00:00Z; OAuth slot b (previous) expires
    // 2026-12-03T00:00Z.
    private static readonly string TokenA = Urn(Stack, SpComponent, OboToken, "sp-ci-deployer-token-a");
    private static readonly string OAuthB = Urn(Stack, SpComponent, OAuthSecret, "sp-akto-connector-oauth-secret-b");

    private readonly ScriptHarness _h = new(StackName);

    public void Dispose() => _h.Dispose();

    private static JsonObject State(string urn, string type = GroupMember) => Resource(urn, type, "1|2", "2026-10-01T00:00:00Z");

    /// <summary>A clean stack's preview --refresh: every resource refreshed (unchanged), one looked up.</summary>
    private static List<JsonObject> Refreshed() =>
        [Refresh(State(Member)), Refresh(State(Other)), Refresh(State(GroupUrn, Group)), Read(State(GroupUrn, Group))];

    private ScriptHarness.Result Run(string? now = null) =>
        _h.Run("drift.sh", new Dictionary<string, string> { ["NOW"] = now ?? Now }, StackName, Plan(now ?? Now));

    [Fact]
    public void A_clean_stack_whose_preview_lists_refresh_and_read_steps_has_0_changes_and_passes()
    {
        _h.With("refresh.json", Digest(Stack, Refreshed()))
            .With("outputs.json", """{ "unmanagedMembers": {}, "jobIds": { "nightly-etl": "42" } }""");

        var run = Run();

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal(("success", "0", "0"), (run.Outputs["preview"], run.Outputs["changes"], run.Outputs["unmanaged"]));
        Assert.Contains("- changes against the deployed commit: **0** (3 resource(s) refreshed; refresh, read and same steps are not changes)", run.Summary, StringComparison.Ordinal);
        var preview = Assert.Single(run.Calls, c => c.Is("preview"));
        Assert.Contains("--refresh", preview.Words);
        Assert.Contains("--json", preview.Words);
        Assert.Equal(StackName, preview.Words[preview.Words.ToList().IndexOf("--stack") + 1]);
        Assert.Empty(preview.Targets);
        Assert.Equal(string.Empty, preview.RunMode);
        Assert.Equal(_h.Deployed, preview.Cwd);
    }

    [Fact]
    public void One_update_is_one_change_and_fails()
    {
        var drifted = Refresh(State(Member), "memberId");
        var update = Step("update", State(Member), State(Member), "memberId");
        _h.With("refresh.json", Digest(Stack, [drifted, Refresh(State(Other)), update]))
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = Run();

        Assert.Equal(1, run.Code);
        Assert.Equal("1", run.Outputs["changes"]);
        Assert.Contains("  - update `databricks:index/groupMember:GroupMember` group\\-platform\\-admins\\-member\\-user\\-oncall@contoso.com", run.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("  - refresh", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proposed_create_is_drift()
    {
        _h.With("refresh.json", Digest(Stack, [.. Refreshed(), Step("create", null, State(Member))]))
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = Run();

        Assert.Equal(1, run.Code);
        Assert.Equal("1", run.Outputs["changes"]);
        Assert.Contains("  - create `databricks:index/groupMember:GroupMember` group\\-platform\\-admins\\-member\\-user\\-oncall@contoso.com", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Re_creating_the_expired_previous_slot_is_expected_and_said_so_but_not_before_it_expired()
    {
        var create = Step("create", null, Resource(TokenA, OboToken, "t-1", null));
        _h.With("refresh.json", Digest(Stack, [.. Refreshed(), create]))
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        // Exactly at its expiry instant the previous slot is past expiry.
        var at = Run("2026-11-23T00:00:00Z");
        Assert.True(at.Code == 0, at.ToString());
        Assert.Equal(("0", "1"), (at.Outputs["changes"], at.Outputs["expected"]));
        Assert.Contains("- expected, not drift: **1** re-creation(s) of an expired previous credential slot", at.Summary, StringComparison.Ordinal);
        Assert.Contains("  - create `databricks:index/oboToken:OboToken` sp\\-ci\\-deployer\\-token\\-a (expired 2026\\-11\\-23T00:00:00Z)", at.Summary, StringComparison.Ordinal);

        // One second earlier it has not expired: its re-creation is drift.
        var before = Run("2026-11-22T23:59:59Z");
        Assert.Equal(1, before.Code);
        Assert.Equal(("1", "0"), (before.Outputs["changes"], before.Outputs["expected"]));
    }

    [Fact]
    public void Only_a_create_of_the_non_current_expired_slot_is_expected()
    {
        // The previous OAuth slot has not expired at Now; the expired token slot is replaced, not created; the current
        // token slot is created: all three are changes.
        _h.With("refresh.json", Digest(Stack, [
                Step("create", null, Resource(OAuthB, OAuthSecret, "s-1", null)),
                Step("replace", Resource(TokenA, OboToken, "t-0", "2026-10-24T00:00:00Z"), Resource(TokenA, OboToken, "t-1", null), "comment"),
                Step("create", null, Resource(Urn(Stack, SpComponent, OboToken, "sp-ci-deployer-token-b"), OboToken, "t-2", null))]))
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = Run();

        Assert.Equal(1, run.Code);
        Assert.Equal(("3", "0"), (run.Outputs["changes"], run.Outputs["expected"]));
    }

    [Fact]
    public void Without_a_plan_nothing_is_expected()
    {
        _h.With("refresh.json", Digest(Stack, [Step("create", null, Resource(TokenA, OboToken, "t-1", null))]))
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = _h.Run("drift.sh", new Dictionary<string, string> { ["NOW"] = Now }, StackName, "");

        Assert.Equal(1, run.Code);
        Assert.Equal(("1", "0"), (run.Outputs["changes"], run.Outputs["expected"]));
    }

    [Fact]
    public void Unmanaged_members_are_drift_are_counted_and_may_be_stale()
    {
        _h.With("refresh.json", Digest(Stack, Refreshed()))
            .With("outputs.json", """{ "unmanagedMembers": { "admins": ["7001", "7002"], "users": [], "analysts": ["sp-9"] } }""");

        var run = Run();

        Assert.Equal(1, run.Code);
        Assert.Equal("3", run.Outputs["unmanaged"]);
        Assert.Contains("- unmanaged members: **3** (stack output of the last `up`, a deploy or a rotation: it may be stale; deploy, then re-run to confirm)", run.Summary, StringComparison.Ordinal);
        Assert.Contains("  - admins: 7001, 7002", run.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("  - users:", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absent_output_is_clean_but_a_malformed_one_is_not()
    {
        _h.With("refresh.json", Digest(Stack, [])).With("outputs.json", """{ "jobIds": {} }""");
        var absent = Run();
        Assert.True(absent.Code == 0, absent.ToString());

        _h.With("outputs.json", """{ "unmanagedMembers": ["7001"] }""");
        var malformed = Run();
        Assert.Equal(1, malformed.Code);
        Assert.Equal("unknown", malformed.Outputs["unmanaged"]);
    }

    [Fact]
    public void A_failed_preview_is_reported_as_such_with_its_errors()
    {
        _h.With("refresh.json", Digest(Stack, [], new JsonArray(Diagnostic("error", "databricks: cannot authenticate: <token expired>"))))
            .With("refresh.exit", "255")
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = Run();

        Assert.Equal(1, run.Code);
        Assert.Equal("failure", run.Outputs["preview"]);
        Assert.Contains("  - databricks: cannot authenticate: \\<token expired\\>", run.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-25T11:52:00Z", 0, "ok")] // exactly 15 minutes, the revocation bound
    [InlineData("2026-11-25T11:51:59Z", 1, "stale")] // 15 minutes and 1 second
    [InlineData("2026-11-25T11:51:59.999Z", 1, "stale")] // 900.001 seconds: past the bound
    [InlineData(null, 1, "missing")]
    [InlineData("soon", 1, "missing")]
    public void A_revocation_older_than_the_15_minute_bound_or_none_is_an_alert(string? last, int code, string revocation)
    {
        // LAST_REVOCATION: when expire.yml's revoke job for the stack last succeeded (drift.yml step `revoked`).
        var run = _h.Run("revocation-liveness.sh", new Dictionary<string, string> { ["NOW"] = Now, ["LAST_REVOCATION"] = last ?? "" }, StackName);

        Assert.True(run.Code == code, run.ToString());
        Assert.Equal(revocation, run.Outputs["revocation"]);
        Assert.Empty(run.Calls); // no Pulumi call: no tag is read or written
        if (last is null)
        {
            Assert.Contains("**none found**", run.Summary, StringComparison.Ordinal);
        }
        else if (last == "soon")
        {
            Assert.Contains("**unreadable** value", run.Summary, StringComparison.Ordinal);
        }
        else if (last == "2026-11-25T11:51:59Z")
        {
            Assert.Contains($"- last successful revocation in `{StackName}`: **2026-11-25T11:51:59Z, 0 h 15 min ago** (more than 15 min", run.Summary, StringComparison.Ordinal);
        }
        else if (last == "2026-11-25T11:52:00Z")
        {
            Assert.Contains($"- last successful revocation in `{StackName}`: 2026-11-25T11:52:00Z (15 min ago)", run.Summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Drift_itself_reads_no_tag()
    {
        _h.With("refresh.json", Digest(Stack, Refreshed())).With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = Run();

        Assert.True(run.Code == 0, run.ToString());
        Assert.DoesNotContain(run.Calls, c => c.Is("stack tag"));
    }

    [Fact]
    public void A_stack_lock_held_by_a_deploy_is_waited_out()
    {
        _h.With("refresh.json", Digest(Stack, Refreshed())).With("outputs.json", """{ "unmanagedMembers": {} }""").With("conflict", "2");

        var run = Run();

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal(3, run.Calls.Count(c => c.Is("preview")));
        Assert.Contains("another update holds the stack; waiting", run.Err, StringComparison.Ordinal);
    }

    /// <summary>The real offline plan of the prod stack file at an instant, as the workflow computes it.</summary>
    private string Plan(string now)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["plan", "--stack", Stack, "--now", now, "--format", "json"], @out, err, TimeProvider.System, Repo.Root);
        Assert.True(code is 0 or 1, err.ToString());
        return _h.WriteFile($"plan-{now.Replace(':', '-')}.json", @out.ToString());
    }
}
