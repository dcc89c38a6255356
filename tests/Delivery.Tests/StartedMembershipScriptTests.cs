using System.Text.Json.Nodes;
using static DatabricksAccess.Delivery.Tests.Engine;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// .github/scripts/add-started.sh, run for real against the real offline plan of the dev stack file with two
/// `starts` added, and a fake pulumi whose targeted `up` creates exactly the targeted resources the preview creates:
/// a membership that started is added exactly once, one that has not started is not, one already present is not
/// touched.
/// </summary>
public sealed class StartedMembershipScriptTests : IDisposable
{
    private const string Stack = "dev";
    private const string StackName = "contoso/databricks-access/dev";

    // bob@ starts 2026-11-30T08:00Z (expires 2026-12-01T18:00Z); dave@ starts 2026-11-30T20:00Z (expires 2026-12-03).
    private const string BobStarted = "2026-11-30T12:00:00Z";

    private static readonly string Bob = Urn(Stack, GroupComponent, GroupMember, "group-data-scientists-member-user-bob@contoso.com");
    private static readonly string Dave = Urn(Stack, GroupComponent, GroupMember, "group-data-scientists-member-user-dave@contoso.com");
    private static readonly string Alice = Urn(Stack, GroupComponent, GroupMember, "group-data-scientists-member-user-alice@contoso.com");

    private readonly ScriptHarness _h = new(StackName);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void A_membership_that_started_is_added_exactly_once_and_one_not_started_is_not()
    {
        var plan = Plan(BobStarted);
        var json = JsonNode.Parse(File.ReadAllText(plan))!;
        Assert.Contains(json["pending"]!.AsArray(), p => (string)p!["principal"]! == "user:dave@contoso.com");
        _h.With("state.json", State(Alice))
            // What the CLI would preview for these targets: the create of bob@ (dave@ is not in the program yet).
            .With("targeted.json", Digest(Stack, [Step("create", null, Member(Bob))]));

        var run = _h.Run("add-started.sh", StackName, plan);

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal(["stack export", "preview", "up", "stack export"], run.Calls.Select(Kind));
        var up = run.Calls[2];
        Assert.Equal([Bob], up.Targets);
        Assert.Equal([Bob], run.Calls[1].Targets);
        Assert.DoesNotContain("--target-dependents", up.Words);
        Assert.Contains(StackName, up.Words);
        Assert.Equal("revocation", up.RunMode);
        Assert.Contains("| data\\-scientists | user:bob@contoso.com | 2026\\-11\\-30T08:00:00Z | 2026\\-12\\-01T18:00:00Z | INC\\-4711 | **to add** |", run.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("dave", run.Summary, StringComparison.Ordinal);
        Assert.Contains("Added 1 membership(s); confirmed in the state.", run.Summary, StringComparison.Ordinal);

        // The next hour, on the state the up left: bob@ is present and not touched again.
        var after = File.ReadAllText(Path.Combine(_h.Dir, "fake", "state-applied.json"));
        Assert.Single(JsonNode.Parse(after)!["deployment"]!["resources"]!.AsArray(), r => (string)r!["urn"]! == Bob);
        _h.With("state.json", after);
        var again = _h.Run("add-started.sh", StackName, plan);
        Assert.True(again.Code == 0, again.ToString());
        Assert.Equal(["stack export"], again.Calls.Select(Kind));
        Assert.Contains("| present |", again.Summary, StringComparison.Ordinal);
        Assert.Contains("Nothing to add.", again.Summary, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 25: one instant per run. The job fixes DATABRICKS_ACCESS_NOW once and makes the plan at it (--now); the
    /// preview and the up the script runs evaluate the program at that same instant, never at a second reading of the
    /// clock, so a membership that starts between the plan and the up is not added by a program the plan did not see.
    /// </summary>
    [Fact]
    public void The_preview_and_the_up_evaluate_at_the_instant_the_plan_was_made_at_and_nothing_runs_without_it()
    {
        var plan = Plan(BobStarted);
        _h.With("state.json", State(Alice)).With("targeted.json", Digest(Stack, [Step("create", null, Member(Bob))]));

        var run = _h.Run("add-started.sh", new Dictionary<string, string> { ["DATABRICKS_ACCESS_NOW"] = BobStarted }, StackName, plan);
        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal([BobStarted, BobStarted], _h.ProgramInstants()); // the preview, then the up

        foreach (var script in new[] { "add-started.sh", "rotate-due.sh" })
        {
            var unset = _h.Run(script, new Dictionary<string, string> { ["DATABRICKS_ACCESS_NOW"] = "" }, StackName, plan);
            Assert.Equal(1, unset.Code);
            Assert.Contains("DATABRICKS_ACCESS_NOW is 'unset': the job fixes one evaluation instant", unset.Err, StringComparison.Ordinal);
            Assert.Empty(unset.Calls);
        }
    }

    /// <summary>
    /// The job read commit A from the stack's record and runs A's program. When a deploy of B finished meanwhile (here:
    /// while the job waited for the lock that deploy held), lib.sh reads the record again before the next attempt and
    /// stops: A's program never writes over B's state (and B's program, run by the deploy, recorded B).
    /// </summary>
    [Fact]
    public void A_deploy_that_finished_while_the_job_waited_for_the_lock_stops_the_update()
    {
        const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        var plan = Plan(BobStarted);
        _h.With("state.json", State(Alice)).With("targeted.json", Digest(Stack, [Step("create", null, Member(Bob))]))
            .With("outputs.json", $$"""{ "deployment": { "commit": "{{A}}", "evaluatedAt": "2026-11-30T11:00:00Z" } }""")
            .With("conflict", "1").With("deploy-on-conflict", B);

        var run = _h.Run("add-started.sh", new Dictionary<string, string> { ["DEPLOYED_COMMIT"] = A, ["DATABRICKS_ACCESS_NOW"] = BobStarted }, StackName, plan);

        Assert.Equal(1, run.Code);
        Assert.Contains($"the stack now records the deployed commit {B}, not {A}", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Equal(["stack export", "stack output", "preview", "stack output"], run.Calls.Select(c => c.Is("stack output") ? "stack output" : Kind(c)));

        // Unchanged record: the same conflict is waited out and the membership is added.
        _h.With("outputs.json", $$"""{ "deployment": { "commit": "{{A}}", "evaluatedAt": "2026-11-30T11:00:00Z" } }""").With("conflict", "1");
        File.Delete(Path.Combine(_h.Dir, "fake", "deploy-on-conflict"));
        var same = _h.Run("add-started.sh", new Dictionary<string, string> { ["DEPLOYED_COMMIT"] = A, ["DATABRICKS_ACCESS_NOW"] = BobStarted }, StackName, plan);
        Assert.True(same.Code == 0, same.ToString());
        Assert.Single(same.Calls, c => c.Is("up"));
    }

    [Fact]
    public void Before_starts_nothing_is_planned_or_added_and_at_starts_it_is()
    {
        _h.With("state.json", State(Alice))
            .With("targeted.json", Digest(Stack, [Step("create", null, Member(Bob))]));

        var before = _h.Run("add-started.sh", StackName, Plan("2026-11-30T07:59:59Z"));
        Assert.True(before.Code == 0, before.ToString());
        Assert.Equal(["stack export"], before.Calls.Select(Kind));
        Assert.Contains("No time-bound membership with `starts` has started.", before.Summary, StringComparison.Ordinal);

        var at = _h.Run("add-started.sh", StackName, Plan("2026-11-30T08:00:00Z"));
        Assert.True(at.Code == 0, at.ToString());
        Assert.Equal([Bob], Assert.Single(at.Calls, c => c.Is("up")).Targets);
    }

    [Fact]
    public void Both_started_memberships_are_added_in_one_up_and_a_present_one_is_not_targeted()
    {
        _h.With("state.json", State(Alice, Bob))
            .With("targeted.json", Digest(Stack, [Step("create", null, Member(Dave))]));

        var run = _h.Run("add-started.sh", StackName, Plan("2026-11-30T20:00:00Z"));

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal([Dave], Assert.Single(run.Calls, c => c.Is("up")).Targets);
        Assert.Contains("| data\\-scientists | user:bob@contoso.com | 2026\\-11\\-30T08:00:00Z | 2026\\-12\\-01T18:00:00Z | INC\\-4711 | present |", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preview_that_would_change_anything_else_stops_before_the_up()
    {
        var group = Resource(Urn(Stack, GroupComponent, Group, "group-data-scientists-group"), Group, "1234", "2026-09-01T10:00:00Z");
        _h.With("state.json", State(Alice))
            .With("targeted.json", Digest(Stack, [Step("create", null, Member(Bob)), Step("update", group, group)]));

        var run = _h.Run("add-started.sh", StackName, Plan(BobStarted));

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up"));
        Assert.Contains("the targeted preview would create 1 and change 1 other(s)", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_membership_not_in_the_state_after_the_up_fails_the_run()
    {
        _h.With("state.json", State(Alice))
            .With("targeted.json", Digest(Stack, [Step("create", null, Member(Bob))]))
            .With("state-after.json", State(Alice));
        // An explicit state-after.json: after the up the fake answers it, the state as it was.

        var run = _h.Run("add-started.sh", StackName, Plan(BobStarted));

        Assert.Equal(1, run.Code);
        Assert.Contains("1 started membership(s) are not in the state exactly once after the update", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_whose_component_is_not_deployed_fails_without_an_up()
    {
        _h.With("state.json", Export(Stack, Member(Alice)));

        var run = _h.Run("add-started.sh", StackName, Plan(BobStarted));

        Assert.Equal(1, run.Code);
        Assert.DoesNotContain(run.Calls, c => c.Is("up") || c.Is("preview"));
        Assert.Contains("group not deployed", run.Summary, StringComparison.Ordinal);
    }

    /// <summary>
    /// The real offline plan at an instant of the dev stack file with bob@'s membership starting 2026-11-30T08:00Z
    /// and a new one for dave@ starting 2026-11-30T20:00Z, as the workflow computes it.
    /// </summary>
    private string Plan(string now)
    {
        var root = Path.Combine(_h.Dir, "repo");
        Directory.CreateDirectory(root);
        File.Copy(Path.Combine(Repo.Root, "Pulumi.yaml"), Path.Combine(root, "Pulumi.yaml"), overwrite: true);
        var dev = File.ReadAllText(Path.Combine(Repo.Root, "Pulumi.dev.yaml"));
        const string bob = "          - principal: user:bob@contoso.com\n            expires: 2026-12-01T18:00:00Z\n            reason: INC-4711\n";
        dev = dev.Edit(bob, bob + "            starts: 2026-11-30T08:00:00Z\n"
            + "          - principal: user:dave@contoso.com\n            starts: 2026-11-30T20:00:00Z\n            expires: 2026-12-03T18:00:00Z\n            reason: INC-4712\n");
        File.WriteAllText(Path.Combine(root, "Pulumi.dev.yaml"), dev);

        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["plan", "--stack", Stack, "--now", now, "--format", "json"], @out, err, TimeProvider.System, root);
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
        call.Is("stack export") ? "stack export" : call.Words[0];
}
