using System.Text.Json.Nodes;
using static DatabricksAccess.Delivery.Tests.Engine;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// .github/scripts/revoke-expired.sh, run for real against the real offline plan of the dev stack and a fake pulumi:
/// it revokes exactly the expired memberships still deployed, never runs the program, checks counts before and
/// the state after.
/// </summary>
public sealed class RevocationScriptTests : IDisposable
{
    private const string Stack = "dev";
    private const string StackName = "contoso/databricks-access/dev";

    // Dev's stack file: oncall@ in admins expires 2026-11-23T08:00Z, bob@ in data-scientists 2026-12-01T18:00Z.
    private const string BothExpired = "2026-12-02T00:00:00Z";

    private static readonly string Bob = Urn(Stack, GroupComponent, GroupMember, "group-data-scientists-member-user-bob@contoso.com");
    private static readonly string Alice = Urn(Stack, GroupComponent, GroupMember, "group-data-scientists-member-user-alice@contoso.com");
    private static readonly string Oncall = Urn(Stack, GroupComponent, GroupMember, "group-admins-member-user-oncall@contoso.com");

    // A membership a refactor would delete: not expired, so never the revocation's business.
    private static readonly string Refactored = Urn(Stack, GroupComponent, GroupMember, "group-old-analysts-member-user-dave@contoso.com");

    private readonly ScriptHarness _h = new(StackName);

    public void Dispose() => _h.Dispose();

    [Fact]
    [Trait("fact", "cli-destroy-no-program")]
    public void Revokes_exactly_the_expired_memberships_still_deployed_without_running_the_program()
    {
        var plan = Plan(BothExpired);
        _h.With("state.json", State(Bob, Alice, Refactored)) // oncall@ was revoked by an earlier run
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Bob), null)], programRan: false))
            .With("state-after.json", State(Alice, Refactored));

        var run = _h.Run("revoke-expired.sh", StackName, plan);

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal(["stack export", "destroy --preview-only", "destroy --yes", "stack export"], run.Calls.Select(Kind));
        var preview = run.Calls[1];
        var destroy = run.Calls[2];
        Assert.Equal([Bob], preview.Targets);
        Assert.Equal([Bob], destroy.Targets);
        Assert.DoesNotContain("--target-dependents", destroy.Words);
        Assert.Contains("--run-program=false", destroy.Words);
        Assert.Contains("--run-program=false", preview.Words);
        Assert.Contains("--stack", destroy.Words);
        Assert.Contains(StackName, destroy.Words);

        // The program never runs: no preview, no up, so no policy and no lookup can block a revocation.
        Assert.DoesNotContain(run.Calls, c => c.Is("preview") || c.Is("up"));
        Assert.All(run.Calls, c => Assert.Equal(string.Empty, c.RunMode));

        Assert.Contains("| admins | user:oncall@contoso.com | 2026\\-11\\-23T08:00:00Z | on\\-call handover | revoked before |", run.Summary, StringComparison.Ordinal);
        Assert.Contains("| data\\-scientists | user:bob@contoso.com | 2026\\-12\\-01T18:00:00Z | INC\\-4711 | **to revoke** |", run.Summary, StringComparison.Ordinal);
        Assert.Contains("Revoked 1 membership(s); confirmed absent from the state.", run.Summary, StringComparison.Ordinal);
    }

    /// <summary>
    /// The revocation runs no program, so lib.sh is its guard against a newer deploy: the job read commit A and planned
    /// with A's code; a deploy of B (which may have renewed the membership) finished while the job waited for its lock.
    /// Before the next attempt the record is read again, and the destroy is not made.
    /// </summary>
    [Fact]
    public void A_deploy_that_finished_while_the_revocation_waited_stops_it_before_the_destroy()
    {
        const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        var plan = Plan(BothExpired);
        _h.With("state.json", State(Bob, Alice, Refactored))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Bob), null)], programRan: false))
            .With("state-after.json", State(Alice, Refactored))
            .With("outputs.json", $$"""{ "deployment": { "commit": "{{A}}", "evaluatedAt": "2026-12-01T23:00:00Z" } }""")
            .With("conflict", "1").With("deploy-on-conflict", B);

        var run = _h.Run("revoke-expired.sh", new Dictionary<string, string> { ["DEPLOYED_COMMIT"] = A }, StackName, plan);

        Assert.Equal(1, run.Code);
        Assert.Contains($"the stack now records the deployed commit {B}, not {A}", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Calls, c => c.Is("destroy") && c.Words.Contains("--yes"));

        // The record unchanged: the wait ends and the revocation goes through.
        _h.With("outputs.json", $$"""{ "deployment": { "commit": "{{A}}", "evaluatedAt": "2026-12-01T23:00:00Z" } }""").With("conflict", "1");
        File.Delete(Path.Combine(_h.Dir, "fake", "deploy-on-conflict"));
        var same = _h.Run("revoke-expired.sh", new Dictionary<string, string> { ["DEPLOYED_COMMIT"] = A }, StackName, plan);
        Assert.True(same.Code == 0, same.ToString());
        Assert.Single(same.Calls, c => c.Is("destroy") && c.Words.Contains("--yes"));
    }

    [Fact]
    public void Revokes_every_expired_membership_in_one_destroy()
    {
        var plan = Plan(BothExpired);
        _h.With("state.json", State(Bob, Alice, Oncall))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Oncall), null), Step("delete", Member(Bob), null)], programRan: false))
            .With("state-after.json", State(Alice));

        var run = _h.Run("revoke-expired.sh", StackName, plan);

        Assert.True(run.Code == 0, run.ToString());
        var destroy = Assert.Single(run.Calls, c => c.Is("destroy") && c.Words.Contains("--yes"));
        Assert.Equal(new[] { Bob, Oncall }.Order(StringComparer.Ordinal), destroy.Targets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nothing_expired_means_nothing_is_destroyed()
    {
        var plan = Plan("2026-11-20T00:00:00Z");
        _h.With("state.json", State(Bob, Alice, Oncall));

        var run = _h.Run("revoke-expired.sh", StackName, plan);

        Assert.True(run.Code == 0, run.ToString());
        Assert.DoesNotContain(run.Calls, c => c.Is("destroy"));
        Assert.Contains("No membership has expired.", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void At_the_expiry_instant_the_membership_is_revoked_and_one_second_before_it_is_not()
    {
        _h.With("state.json", State(Bob, Alice, Oncall))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Oncall), null)], programRan: false))
            .With("state-after.json", State(Bob, Alice));

        var before = _h.Run("revoke-expired.sh", StackName, Plan("2026-11-23T07:59:59Z"));
        Assert.True(before.Code == 0, before.ToString());
        Assert.DoesNotContain(before.Calls, c => c.Is("destroy"));

        var at = _h.Run("revoke-expired.sh", StackName, Plan("2026-11-23T08:00:00Z"));
        Assert.True(at.Code == 0, at.ToString());
        Assert.Equal([Oncall], Assert.Single(at.Calls, c => c.Is("destroy") && c.Words.Contains("--yes")).Targets);
    }

    [Fact]
    public void A_destroy_that_would_delete_more_than_the_plan_lists_stops_before_anything_changes()
    {
        var group = Resource(Urn(Stack, GroupComponent, Group, "group-data-scientists-group"), Group, "1234", "2026-09-01T10:00:00Z");
        _h.With("state.json", State(Bob, Alice))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Bob), null), Step("delete", group, null)], programRan: false));

        var run = _h.Run("revoke-expired.sh", StackName, Plan(BothExpired));

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("destroy") && c.Words.Contains("--yes"));
        Assert.Contains("the plan lists 1 expired membership(s) to revoke, the destroy preview would delete 2 and change 1 other(s)", run.Summary, StringComparison.Ordinal);
        Assert.Contains("- unexpected: delete urn:pulumi:dev::databricks-access::databricks-access:index:GroupAccess$databricks:index/group:Group::group-data-scientists-group", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destroy_that_would_delete_fewer_than_the_plan_lists_stops_before_anything_changes()
    {
        _h.With("state.json", State(Bob, Alice, Oncall))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Bob), null)], programRan: false));

        var run = _h.Run("revoke-expired.sh", StackName, Plan(BothExpired));

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("destroy") && c.Words.Contains("--yes"));
        Assert.Contains("the plan lists 2 expired membership(s) to revoke, the destroy preview would delete 1", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_membership_still_deployed_afterwards_fails_the_run()
    {
        _h.With("state.json", State(Bob, Alice))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Bob), null)], programRan: false))
            .With("state-after.json", State(Bob, Alice));

        var run = _h.Run("revoke-expired.sh", StackName, Plan(BothExpired));

        Assert.Equal(1, run.Code);
        Assert.Contains("1 expired membership(s) are still in the state after the destroy", run.Summary, StringComparison.Ordinal);
        Assert.Contains("::error::revocation in contoso/databricks-access/dev", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_destroy_fails_the_run()
    {
        _h.With("state.json", State(Bob, Alice))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Bob), null)], programRan: false))
            .With("destroy.exit", "255");

        var run = _h.Run("revoke-expired.sh", StackName, Plan(BothExpired));

        Assert.Equal(1, run.Code);
        Assert.Contains("pulumi destroy failed", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_renewed_membership_is_kept()
    {
        // The same membership declared again with a later expiry: planned again under the same name.
        var plan = JsonNode.Parse(File.ReadAllText(Plan(BothExpired)))!.AsObject();
        plan["resources"]!.AsArray().Add(new JsonObject { ["component"] = "group-data-scientists", ["type"] = GroupMember, ["name"] = "group-data-scientists-member-user-bob@contoso.com" });
        var path = _h.WriteFile("renewed.json", plan.ToJsonString());
        _h.With("state.json", State(Bob, Alice));

        var run = _h.Run("revoke-expired.sh", StackName, path);

        Assert.True(run.Code == 0, run.ToString());
        Assert.DoesNotContain(run.Calls, c => c.Is("destroy"));
        Assert.Contains("renewed: still declared, kept", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_name_that_matches_two_resources_is_refused()
    {
        var elsewhere = Urn(Stack, "databricks-access:index:Other", GroupMember, "group-data-scientists-member-user-bob@contoso.com");
        _h.With("state.json", State(Bob, elsewhere));

        var run = _h.Run("revoke-expired.sh", StackName, Plan(BothExpired));

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("destroy"));
        Assert.Contains("1 expired membership(s) match more than one resource in the state", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_clear_expired_memberships_are_revoked_first_then_an_ambiguous_one_fails_the_run()
    {
        var elsewhere = Urn(Stack, "databricks-access:index:Other", GroupMember, "group-data-scientists-member-user-bob@contoso.com");
        _h.With("state.json", State(Bob, elsewhere, Oncall, Alice))
            .With("destroy-preview.json", Digest(Stack, [Step("delete", Member(Oncall), null)], programRan: false))
            .With("state-after.json", State(Bob, elsewhere, Alice));

        var run = _h.Run("revoke-expired.sh", StackName, Plan(BothExpired));

        Assert.Equal(1, run.Code);
        Assert.Equal([Oncall], Assert.Single(run.Calls, c => c.Is("destroy") && c.Words.Contains("--yes")).Targets);
        Assert.Contains("Revoked 1 membership(s); confirmed absent from the state.", run.Summary, StringComparison.Ordinal);
        Assert.Contains("1 expired membership(s) match more than one resource in the state (not revoked; the clear ones above were handled first)", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_that_does_not_name_the_expired_resources_is_refused_before_any_call()
    {
        var plan = JsonNode.Parse(File.ReadAllText(Plan(BothExpired)))!.AsObject();
        foreach (var e in plan["expired"]!.AsArray())
        {
            e!.AsObject().Remove("resource");
        }

        var run = _h.Run("revoke-expired.sh", StackName, _h.WriteFile("old-plan.json", plan.ToJsonString()));

        Assert.Equal(1, run.Code);
        Assert.Empty(run.Calls);
        Assert.Contains("the deployed commit predates expired[].resource", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Markup_in_a_reason_cannot_forge_the_report()
    {
        var plan = JsonNode.Parse(File.ReadAllText(Plan(BothExpired)))!.AsObject();
        plan["expired"]![0]!["reason"] = "x | y\n### forged <img src=x>";
        _h.With("state.json", State(Alice));

        var run = _h.Run("revoke-expired.sh", StackName, _h.WriteFile("plan-markup.json", plan.ToJsonString()));

        Assert.True(run.Code == 0, run.ToString());
        Assert.Contains("x \\| y \\#\\#\\# forged \\<img src=x\\>", run.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("\n### forged", run.Summary, StringComparison.Ordinal);
    }

    /// <summary>The real offline plan of the dev stack file at an instant, as the workflow computes it.</summary>
    private string Plan(string now)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["plan", "--stack", Stack, "--now", now, "--format", "json"], @out, err, TimeProvider.System, Repo.Root);
        Assert.True(code is 0 or 1, err.ToString());
        return _h.WriteFile($"plan-{now.Replace(':', '-')}.json", @out.ToString());
    }

    private static JsonObject Member(string urn) =>
        Resource(urn, GroupMember, $"1234|{Math.Abs(urn.GetHashCode(StringComparison.Ordinal))}", "2026-10-01T08:00:00.000000001Z",
            parent: Urn(Stack, null, GroupComponent, urn.Split("::")[^1].Split("-member-")[0]),
            inputs: new JsonObject { ["groupId"] = "1234", ["memberId"] = "5678" });

    private static string State(params string[] members) =>
        Export(Stack, [Component(Stack, GroupComponent, "group-data-scientists"), Component(Stack, GroupComponent, "group-admins"), .. members.Select(Member)]);

    private static string Kind(ScriptHarness.Call call) =>
        call.Is("stack export") ? "stack export"
        : call.Is("destroy") ? (call.Words.Contains("--preview-only") ? "destroy --preview-only" : call.Words.Contains("--yes") ? "destroy --yes" : "destroy ?")
        : call.Args;
}
