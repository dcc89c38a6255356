using System.Text.Json;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// Issue 31.1: the scheduled audit runs without prod's approval, so its identity holds no account role.
/// <c>audit --workspace-only</c> sends nothing to the account host: the workspace's assignments come from the
/// workspace's own API, account groups from the workspace's SCIM view of them; only account roles go unread, and the
/// report says so. The full audit (the prod deploy job's, behind the approval) still reads them.
/// </summary>
public sealed class WorkspaceOnlyAuditTests : IDisposable
{
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    private static (List<(string Kind, string Severity, string? Principal, string Object)> Findings, List<string> Notes) Report(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("principal").GetString(), f.GetProperty("object").GetString()!))
            .ToList();
        var notes = doc.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        return (findings, notes);
    }

    private void ShadowEverywhere()
    {
        _f.Fake.AccountGroupsInWorkspaceView = true;
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(_f.Mallory));                                   // account group member
        _f.Admins.Members.Add(FakeDatabricks.UserRef(_f.Eve));                                         // workspace admin
        _f.Fake.Assignments.Add(new FakeAssignment(104, null, "contractors", null, "contractors", ["USER"])); // assignment
        _f.Fake.AccountSps.Remove(_f.Etl);
        _f.Fake.AccountSps.Add(_f.Etl with { Roles = ["account_admin"] });                              // account role
    }

    [Fact]
    public void The_workspace_only_audit_calls_no_account_host_and_finds_all_but_account_roles()
    {
        ShadowEverywhere();
        var (fullCode, fullJson, fullErr) = _f.Audit("json");
        Assert.Equal((1, string.Empty), (fullCode, fullErr));
        var full = Report(fullJson);
        Assert.Contains(("undeclared-admin", "critical", "sp:etl-runner", "account"), full.Findings);

        _f.Fake.Server.ResetLogEntries();
        _f.Fake.Issued.Clear();
        var (code, json, err) = _f.Audit("json", options: "--workspace-only");
        Assert.Equal((1, string.Empty), (code, err));
        var (findings, notes) = Report(json);
        Assert.Equal(full.Findings.Where(f => f.Object != "account").ToList(), findings);
        Assert.Contains(("undeclared-member", "high", "user:mallory@contoso.com", "group:analysts"), findings);
        Assert.Contains(("undeclared-assignment", "low", "group:contractors", "workspace"), findings);
        Assert.Contains(Auditor.WorkspaceOnlyNote, notes);
        Assert.DoesNotContain(Auditor.WorkspaceOnlyNote, full.Notes);

        var requests = _f.Fake.Requests;
        Assert.DoesNotContain(requests, r => r.Contains("/accounts/" + FakeDatabricks.AccountId, StringComparison.Ordinal));
        Assert.Contains("GET /api/2.0/preview/permissionassignments", requests);
        Assert.Equal(["workspace"], _f.Fake.Issued); // one OAuth token, for the workspace only
    }

    [Fact]
    public void The_workspace_only_audit_needs_no_credential_the_account_accepts()
    {
        // A personal access token is never valid on the account API (the full audit stops with exit 2 on it); the
        // workspace-only audit never asks the account, so a workspace token is all it needs.
        _f.Fake.AccountGroupsInWorkspaceView = true;
        var env = _f.Environment(oauth: false);
        Assert.Equal(2, _f.Audit(environment: env).Code);
        var (code, @out, err) = _f.Audit(environment: env, options: "--workspace-only");
        Assert.True((0, string.Empty) == (code, err), @out);
        Assert.DoesNotContain(" and ", @out.Split('\n')[0][@out.IndexOf("against", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }
}
