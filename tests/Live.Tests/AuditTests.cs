using System.Text.Json;

namespace DatabricksAccess.Live.Tests;

/// <summary><c>audit --file</c> end to end against the fake workspace and account.</summary>
public sealed class AuditTests : IDisposable
{
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    private static List<(string Kind, string Severity, string? Principal, string Object, string Detail)> Findings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("principal").GetString(),
                f.GetProperty("object").GetString()!, f.GetProperty("detail").GetString()!))
            .ToList();
    }

    /// <summary>One of each kind of shadow access, made outside the stack.</summary>
    private void Shadow()
    {
        var f = _f.Fake;
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(_f.Mallory));                 // out-of-band member
        _f.Admins.Members.Add(FakeDatabricks.UserRef(_f.Eve));                       // out-of-band admin
        f.Scopes["app-secrets"].Add(new FakeAcl("contractors", "WRITE"));            // out-of-band ACL
        f.Grants["schema/main.sales"].Add(new FakeGrant("mallory@contoso.com", ["MODIFY"])); // out-of-band grant
        f.Jobs.Single(j => j.Id == 42).Acl.Add(new FakePermission("eve@contoso.com", null, null, "CAN_MANAGE")); // job permission
        f.Assignments.Add(new FakeAssignment(104, null, "contractors", null, "contractors", ["USER"])); // assignment
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(_f.Bob));                     // expired but still present
    }

    [Fact]
    public void A_clean_workspace_reports_nothing_and_exits_zero()
    {
        var (code, @out, err) = _f.Audit();
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Equal($"Audit of {_f.WriteStack()} at 2026-11-25T12:00:00Z against {_f.Fake.Url}/ and {_f.Fake.Url}/: no findings", @out.TrimEnd());

        var (jsonCode, json, _) = _f.Audit("json");
        Assert.Equal(0, jsonCode);
        Assert.Empty(Findings(json));
    }

    [Fact]
    public void Each_out_of_band_access_is_reported_exactly_once_with_its_kind_and_severity()
    {
        Shadow();
        var (code, json, err) = _f.Audit("json");
        Assert.Equal((1, string.Empty), (code, err));
        var findings = Findings(json);
        Assert.Equal(
            [
                ("undeclared-admin", "critical", "user:eve@contoso.com", "group:admins"),
                // Membership of analysts grants CAN_MANAGE_RUN on the job, which runs as sp:etl-runner: acting as
                // it, WRITE on app-secrets: high.
                ("undeclared-member", "high", "user:mallory@contoso.com", "group:analysts"),
                ("undeclared-acl", "high", "group:contractors", "scope:app-secrets"),
                ("undeclared-grant", "high", "user:mallory@contoso.com", "schema:main.sales"),
                ("undeclared-job-permission", "high", "user:eve@contoso.com", "job:nightly"),
                ("expired-still-present", "high", "user:bob@contoso.com", "group:analysts"),
                ("undeclared-assignment", "low", "group:contractors", "workspace"),
            ],
            findings.Select(x => (x.Kind, x.Severity, x.Principal, x.Object)).ToList());
        Assert.Equal("membership expired at 2026-11-01T00:00:00Z and is still live", findings.Single(x => x.Kind == "expired-still-present").Detail);
        Assert.Equal("WRITE on the scope without a declaration", findings.Single(x => x.Kind == "undeclared-acl").Detail);
        Assert.Equal("CAN_MANAGE on the job without a declaration (job_id 42)", findings.Single(x => x.Kind == "undeclared-job-permission").Detail);
    }

    [Fact]
    public void Directly_assigned_users_are_compared_with_topology_users()
    {
        // Issue 27: users.<email>.workspaceAccess declares an account user's own assignment. Declared and live alike:
        // nothing; declared USER but live ADMIN: undeclared-admin; declared but not assigned: missing.
        var frank = new FakeUser("u8", "Frank@contoso.com");
        var gina = new FakeUser("u10", "gina@contoso.com");
        _f.Fake.Users.AddRange([frank, gina]);
        _f.Fake.AccountUsers.AddRange([frank, gina, _f.Eve]);
        _f.Fake.Assignments.Add(new FakeAssignment(108, "Frank@contoso.com", null, null, "Frank", ["USER"]));
        _f.Fake.Assignments.Add(new FakeAssignment(105, "eve@contoso.com", null, null, "Eve", ["ADMIN"]));
        var stack = _f.WriteStack(_f.StackYaml("""
                users:
                  frank@contoso.com: { workspaceAccess: user }
                  eve@contoso.com: { workspaceAccess: user }
                  gina@contoso.com: { workspaceAccess: user }
            """));

        var (_, json, err) = _f.Audit("json", stack: stack);
        Assert.Equal(string.Empty, err);
        var findings = Findings(json).Where(x => x.Object == "workspace").Select(x => (x.Kind, x.Severity, x.Principal, x.Detail)).ToList();
        Assert.Equal(
            [
                ("undeclared-admin", "critical", "user:eve@contoso.com", "declared USER, assigned ADMIN"),
                ("missing", "low", "user:gina@contoso.com", "declared USER assignment is absent"),
            ],
            findings);
    }

    [Fact]
    [Trait("fact", "sdk-account-groups-no-members")]
    public void An_out_of_band_account_group_member_is_found_though_the_account_list_carries_no_members()
    {
        // The account group list no longer returns members [fact: sdk-account-groups-no-members]; the fake's
        // list never does, so only the GET of the group can show this member. Zed is an account user the workspace
        // has not seen yet: named from the account Users list (attributes=id,userName), not as a SCIM id.
        var zed = new FakeUser("u9", "zed@contoso.com", "Zed");
        _f.Fake.AccountUsers.Add(zed);
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(zed));
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(_f.Bob)); // expired: still present
        var (code, json, err) = _f.Audit("json");
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal(
            [
                ("undeclared-member", "user:zed@contoso.com", "group:analysts"),
                ("expired-still-present", "user:bob@contoso.com", "group:analysts"),
            ],
            Findings(json).Select(x => (x.Kind, x.Principal!, x.Object)).ToList());
        Assert.Contains($"GET /api/2.0/accounts/{FakeDatabricks.AccountId}/scim/v2/Groups/ag1", _f.Fake.Requests);
    }

    [Fact]
    public void Jobs_pages_follow_next_page_token_alone_when_has_more_is_absent()
    {
        // The next page is asked for whenever next_page_token is set [fact: sdk-jobs-list].
        _f.Fake.OmitHasMore = true;
        var acl = _f.Fake.Jobs.Single(j => j.Id == 42).Acl;
        _f.Fake.Jobs.Add(new FakeJob(43, "Nightly", [.. acl])); // the name filter is case-insensitive: not this one
        _f.Fake.Jobs.Add(new FakeJob(44, "nightly", [.. acl, new FakePermission("mallory@contoso.com", null, null, "CAN_VIEW")]));
        var (code, json, _) = _f.Audit("json");
        Assert.Equal(1, code);
        Assert.Contains("GET /api/2.2/jobs/list?name=nightly&limit=2&page_token=page-2", _f.Fake.Requests);
        Assert.DoesNotContain("GET /api/2.0/permissions/jobs/43", _f.Fake.Requests);
        Assert.Equal(
            [("undeclared-job-permission", "user:mallory@contoso.com", "job:nightly", "CAN_VIEW on the job without a declaration (job_id 44, one of 2 jobs with this name)")],
            Findings(json).Select(x => (x.Kind, x.Principal!, x.Object, x.Detail)).ToList());
    }

    [Fact]
    public void Text_output_is_one_line_per_finding()
    {
        Shadow();
        var (code, @out, _) = _f.Audit();
        Assert.Equal(1, code);
        var lines = @out.TrimEnd().Split('\n');
        Assert.EndsWith(": 7 finding(s)", lines[0], StringComparison.Ordinal);
        Assert.Equal(8, lines.Length);
        Assert.Equal("  critical undeclared-admin          user:eve@contoso.com on group:admins: a member of admins (a workspace admin) that the stack does not declare", lines[1]);
    }

    [Fact]
    public void Markdown_output_is_a_table_with_one_row_per_finding()
    {
        Shadow();
        var (code, md, _) = _f.Audit("markdown");
        Assert.Equal(1, code);
        var rows = md.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, rows.Count); // the header row and 7 findings (the separator row starts "|---")
        Assert.Contains("| high | undeclared-grant | `user:mallory@contoso.com` | `schema:main.sales` | `MODIFY without a declaration` |", rows);
    }

    [Fact]
    public void The_deployer_inherited_permissions_and_the_scope_creator_are_declared()
    {
        // The clean fixture holds: the deployer in admins, ADMIN-assigned, IS_OWNER of the job and MANAGE on the
        // scope it created; admins' inherited CAN_MANAGE on the job. None is a finding; without the deployer all are.
        var yaml = _f.StackYaml().Edit($"  databricks-access:deployer:\n    applicationId: {Fixture.Deployer}\n", string.Empty);
        Assert.NotEqual(yaml, _f.StackYaml());
        var (code, json, _) = _f.Audit("json", stack: _f.WriteStack(yaml));
        Assert.Equal(1, code);
        Assert.Equal(
            [
                ("undeclared-admin", $"sp:{Fixture.Deployer}", "group:admins"),
                ("undeclared-admin", $"sp:{Fixture.Deployer}", "workspace"),
                ("undeclared-acl", $"sp:{Fixture.Deployer}", "scope:app-secrets"),
                ("undeclared-job-permission", $"sp:{Fixture.Deployer}", "job:nightly"),
            ],
            Findings(json).Select(x => (x.Kind, x.Principal!, x.Object)).ToList());
    }

    [Fact]
    public void Automation_identities_listed_with_the_deployer_are_declared_admins()
    {
        const string Scheduled = "99999999-0000-4000-8000-0000000000aa";
        var scheduled = new FakeSp("s9", Scheduled, "gh-scheduled");
        _f.Fake.Sps.Add(scheduled);
        _f.Fake.AccountSps.Add(scheduled);
        _f.Admins.Members.Add(FakeDatabricks.SpRef(scheduled));
        _f.Fake.Assignments.Add(new FakeAssignment(109, null, null, Scheduled, "gh-scheduled", ["ADMIN"]));

        var (code, json, _) = _f.Audit("json");
        Assert.Equal(1, code);
        Assert.Equal(
            [("undeclared-admin", $"sp:{Scheduled}", "group:admins"), ("undeclared-admin", $"sp:{Scheduled}", "workspace")],
            Findings(json).Select(x => (x.Kind, x.Principal!, x.Object)).ToList());

        var yaml = _f.StackYaml().Edit($"    applicationId: {Fixture.Deployer}\n", $"    applicationId: {Fixture.Deployer}\n    automation: [{Scheduled}]\n");
        Assert.NotEqual(yaml, _f.StackYaml());
        var (clean, cleanJson, _) = _f.Audit("json", stack: _f.WriteStack(yaml));
        Assert.Equal(0, clean);
        Assert.Empty(Findings(cleanJson));
    }

    [Fact]
    public void Declared_but_absent_things_are_missing_and_unknown_principals_unresolved()
    {
        _f.Analysts.Members.Clear();                                  // alice's declared membership is gone
        _f.Fake.Scopes.Remove("app-secrets");                         // the scope is gone
        _f.Fake.Jobs.RemoveAll(j => j.Name == "nightly");             // the job is gone
        _f.Fake.Grants.Clear();                                       // the schema answers 404
        _f.Fake.Users.Remove(_f.Lead);                                // a declared admin is not found...
        _f.Admins.Members.RemoveAll(m => m.Id == _f.Lead.Id);         // ...anywhere
        _f.Fake.Assignments.RemoveAll(a => a.Sp == Fixture.EtlApp);   // a declared assignment is gone
        var (code, json, err) = _f.Audit("json");
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal(
            [
                ("missing", "user:alice@contoso.com", "group:analysts", "declared member is not a member"),
                ("missing", null, "job:nightly", "no job has this name"),
                ("missing", null, "schema:main.sales", "the securable does not exist (HTTP 404)"),
                ("missing", null, "scope:app-secrets", "the secret scope does not exist"),
                ("missing", "sp:etl-runner", "workspace", "declared USER assignment is absent"),
                ("unresolved", "user:lead@contoso.com", "workspace", "no user 'lead@contoso.com' in the workspace"),
            ],
            Findings(json).Select(x => (x.Kind, x.Principal, x.Object, x.Detail)).ToList());
        Assert.All(Findings(json), x => Assert.Equal("low", x.Severity));
    }

    [Fact]
    public void With_token_usage_managed_a_principal_that_can_use_tokens_unlisted_is_a_token_user()
    {
        _f.Fake.TokenAcl =
        [
            new FakePermission(null, "admins", null, "CAN_MANAGE"),
            new FakePermission(null, "Analysts", null, "CAN_USE"),
            new FakePermission("mallory@contoso.com", null, null, "CAN_USE"),
        ];
        var stack = _f.WriteStack(_f.StackYaml("""
                tokenUsage:
                  canUse: [group:analysts]
            """));
        var (code, json, err) = _f.Audit("json", stack: stack);
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal([("token-user", "medium", "user:mallory@contoso.com", "tokens")], Findings(json).Select(x => (x.Kind, x.Severity, x.Principal!, x.Object)).ToList());
        Assert.Contains("GET /api/2.0/permissions/authorization/tokens", _f.Fake.Requests);
    }

    [Fact]
    public void Without_token_usage_managed_token_permissions_are_not_read()
    {
        Assert.Equal(0, _f.Audit().Code);
        Assert.DoesNotContain(_f.Fake.Requests, r => r.Contains("authorization/tokens", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_GET_is_ever_sent_besides_the_two_token_POSTs_each_host_with_its_own_OAuth_token()
    {
        Shadow();
        Assert.Equal(1, _f.Audit().Code);
        var account = $"/api/2.0/accounts/{FakeDatabricks.AccountId}";
        Assert.Equal(
            [
                // OAuth M2M, one token per host, each fetched once and reused [fact: sdk-m2m-auth].
                "POST /oidc/v1/token",
                // SCIM paging with attributes=: 5 users in pages of 2; 2 groups and 2 service principals fill one page.
                "GET /api/2.0/preview/scim/v2/Users?attributes=id,userName&startIndex=1&count=2",
                "GET /api/2.0/preview/scim/v2/Users?attributes=id,userName&startIndex=3&count=2",
                "GET /api/2.0/preview/scim/v2/Users?attributes=id,userName&startIndex=5&count=2",
                "GET /api/2.0/preview/scim/v2/Groups?attributes=id,displayName&startIndex=1&count=2",
                "GET /api/2.0/preview/scim/v2/Groups/g1", // admins: the one workspace group the stack declares
                "GET /api/2.0/preview/scim/v2/ServicePrincipals?attributes=id,applicationId,displayName,entitlements&startIndex=1&count=2",
                $"POST /oidc/accounts/{FakeDatabricks.AccountId}/v1/token",
                $"GET {account}/scim/v2/Users?attributes=id,userName&startIndex=1&count=2",
                $"GET {account}/scim/v2/Users?attributes=id,userName&startIndex=3&count=2",
                $"GET {account}/scim/v2/Users?attributes=id,userName&startIndex=5&count=2",
                $"GET {account}/scim/v2/Groups?attributes=id,displayName&startIndex=1&count=2",
                $"GET {account}/scim/v2/Groups/ag1", // analysts: account group, members only from its GET
                $"GET {account}/scim/v2/ServicePrincipals?attributes=id,applicationId,displayName,roles&startIndex=1&count=2",
                $"GET {account}/workspaces/{FakeDatabricks.WorkspaceId}/permissionassignments",
                "GET /api/2.0/secrets/scopes/list",
                "GET /api/2.0/secrets/acls/list?scope=app-secrets",
                "GET /api/2.0/secrets/acls/list?scope=someone-elses",
                // The keys of the Databricks-backed scope the stack creates (names only), for keys it no longer declares.
                "GET /api/2.0/secrets/list?scope=app-secrets",
                // Each declared job by name (exact match kept client-side), paged by next_page_token alone.
                "GET /api/2.2/jobs/list?name=nightly&limit=2",
                "GET /api/2.0/permissions/jobs/42",
                "GET /api/2.1/unity-catalog/permissions/schema/main.sales",
                // etl-runner's account rule set (the stack creates it; the deployer runs nightly as it), read through
                // the workspace's proxy with the workspace token [fact: sdk-rule-set].
                $"GET /api/2.0/preview/accounts/access-control/rule-sets?etag=&name=accounts/{FakeDatabricks.AccountId}/servicePrincipals/{Fixture.EtlApp}/ruleSets/default",
                // Every job, for undeclared ones running as a declared principal: jobs/get of each (run_as_user_name);
                // neither runs as one (both run as mallory), so no permissions are read.
                "GET /api/2.2/jobs/list?limit=2",
                "GET /api/2.2/jobs/list?limit=2&page_token=page-2",
                "GET /api/2.2/jobs/get?job_id=7",
                "GET /api/2.2/jobs/get?job_id=9",
            ],
            _f.Fake.Requests.Select(r => Uri.UnescapeDataString(r)).OrderBy(r => r.StartsWith("GET /api/2.2/jobs/get?", StringComparison.Ordinal) ? r : string.Empty, StringComparer.Ordinal).ToList());
        var entries = _f.Fake.Server.LogEntries.Select(e => e.RequestMessage!).ToList();
        Assert.All(entries.Where(e => e.Method != "GET"), e => Assert.StartsWith("/oidc/", e.Path, StringComparison.Ordinal));
        Assert.All(entries.Where(e => e.Method == "GET"), e => Assert.Equal(
            e.Path.StartsWith(account, StringComparison.Ordinal) ? "Bearer account-oauth-2" : "Bearer workspace-oauth-1",
            e.Headers!["Authorization"].Single()));
    }
}
