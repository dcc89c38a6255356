using System.Text.Json.Nodes;
using static DatabricksAccess.Delivery.Tests.Engine;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>.github/scripts/drift.sh with a fake pulumi: every proposed change and every unmanaged member is drift.</summary>
public sealed class DriftScriptTests : IDisposable
{
    private const string Stack = "prod";
    private static readonly string Member = Urn(Stack, GroupComponent, GroupMember, "group-platform-admins-member-user-oncall@contoso.com");

    private readonly ScriptHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void A_clean_stack_passes()
    {
        _h.With("refresh.json", Digest(Stack, []))
            .With("outputs.json", """{ "unmanagedMembers": {}, "jobIds": { "nightly-etl": "42" } }""");

        var run = _h.Run("drift.sh", "contoso/prod");

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal("success", run.Outputs["preview"]);
        Assert.Equal("0", run.Outputs["changes"]);
        Assert.Equal("0", run.Outputs["unmanaged"]);
        var preview = Assert.Single(run.Calls, c => c.Is("preview"));
        Assert.Contains("--refresh", preview.Words);
        Assert.Contains("--json", preview.Words);
        Assert.Empty(preview.Targets);
        Assert.Equal(string.Empty, preview.RunMode);
    }

    [Fact]
    public void A_proposed_change_is_drift()
    {
        var state = Resource(Member, GroupMember, "1|2", "2026-10-01T00:00:00Z");
        _h.With("refresh.json", Digest(Stack, [Step("create", null, state)]))
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = _h.Run("drift.sh", "contoso/prod");

        Assert.Equal(1, run.Code);
        Assert.Equal("1", run.Outputs["changes"]);
        Assert.Contains("  - create `databricks:index/groupMember:GroupMember` group\\-platform\\-admins\\-member\\-user\\-oncall@contoso.com", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Unmanaged_members_are_drift_and_are_counted()
    {
        _h.With("refresh.json", Digest(Stack, []))
            .With("outputs.json", """{ "unmanagedMembers": { "admins": ["7001", "7002"], "users": [], "analysts": ["sp-9"] } }""");

        var run = _h.Run("drift.sh", "contoso/prod");

        Assert.Equal(1, run.Code);
        Assert.Equal("3", run.Outputs["unmanaged"]);
        Assert.Contains("  - admins: 7001, 7002", run.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("  - users:", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absent_output_is_clean_but_a_malformed_one_is_not()
    {
        _h.With("refresh.json", Digest(Stack, [])).With("outputs.json", """{ "jobIds": {} }""");
        var absent = _h.Run("drift.sh", "contoso/prod");
        Assert.True(absent.Code == 0, absent.ToString());

        _h.With("outputs.json", """{ "unmanagedMembers": ["7001"] }""");
        var malformed = _h.Run("drift.sh", "contoso/prod");
        Assert.Equal(1, malformed.Code);
        Assert.Equal("unknown", malformed.Outputs["unmanaged"]);
    }

    [Fact]
    public void A_failed_preview_is_reported_as_such_with_its_errors()
    {
        _h.With("refresh.json", Digest(Stack, [], new JsonArray(Diagnostic("error", "databricks: cannot authenticate: <token expired>"))))
            .With("refresh.exit", "255")
            .With("outputs.json", """{ "unmanagedMembers": {} }""");

        var run = _h.Run("drift.sh", "contoso/prod");

        Assert.Equal(1, run.Code);
        Assert.Equal("failure", run.Outputs["preview"]);
        Assert.Contains("  - databricks: cannot authenticate: \\<token expired\\>", run.Summary, StringComparison.Ordinal);
    }
}
