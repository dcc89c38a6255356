using System.Text.Json;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// The audit reads everything the stack declares (issue 27): warehouse ACLs, the workspace conf of the token policy,
/// the rule sets the stack owns, and every job that runs as a declared principal. Each anomaly is planted in the fake
/// (which answers as sdk-go v0.175.0's models: ObjectPermissions [fact: sdk-permissions-get], RuleSetResponse
/// [fact: sdk-rule-set], WorkspaceConf [fact: sdk-workspace-conf], Job [fact: sdk-jobs-get]) and found, naming principal
/// and object.
/// </summary>
public sealed class AuditAnomalyTests : IDisposable
{
    private const string WarehouseId = "4f1c0a2b3c4d5e6f";
    private readonly Fixture _f = new();

    public AuditAnomalyTests()
    {
        // The clean state of what the stack below declares: the warehouse's ACL as the provider leaves it (the owner,
        // the declared CAN_USE, the deployer's CAN_MANAGE from AddCurrentUserAsManage, admins' inherited CAN_MANAGE),
        // the token policy's workspace conf, and etl-runner's rule set with its declared manager.
        _f.Fake.Warehouses.Add(new FakeWarehouse(WarehouseId, "Shared BI", "lead@contoso.com",
        [
            new("lead@contoso.com", null, null, "IS_OWNER"),
            new(null, "Analysts", null, "CAN_USE"),
            new(null, null, Fixture.Deployer, "CAN_MANAGE"),
            new(null, "admins", null, "CAN_MANAGE", Inherited: true),
        ]));
        _f.Fake.WorkspaceConf["maxTokenLifetimeDays"] = "90";
        RuleSet.Add(new FakeRule("roles/servicePrincipal.manager", "users/lead@contoso.com"));
    }

    public void Dispose() => _f.Dispose();

    private List<FakeRule> RuleSet => _f.Fake.RuleSets[$"accounts/{FakeDatabricks.AccountId}/servicePrincipals/{Fixture.EtlApp}/ruleSets/default"];

    private string Stack(string warehouse = "name: Shared BI") => _f.WriteStack(_f.StackYaml($$"""
                warehouses:
                  bi:
                    {{warehouse}}
                    owner: user:lead@contoso.com
                    canUse: [group:analysts]
                tokenPolicy:
                  maxLifetimeDays: 90
            """).Edit("        displayName: ETL runner\n", "        displayName: ETL runner\n        managers: [user:lead@contoso.com]\n"));

    private (int Code, List<(string Kind, string Severity, string? Principal, string Object, string Detail)> Findings, string Err) Audit(string? stack = null)
    {
        var (code, json, err) = _f.Audit("json", stack: stack ?? Stack());
        using var doc = JsonDocument.Parse(json.Length == 0 ? "{\"findings\":[]}" : json);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("principal").GetString(),
                f.GetProperty("object").GetString()!, f.GetProperty("detail").GetString()!))
            .ToList();
        return (code, findings, err);
    }

    [Fact]
    public void What_the_stack_declares_as_it_is_live_is_clean_and_each_new_object_is_read_with_GET()
    {
        var (code, findings, err) = Audit();
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Empty(findings);
        var requests = _f.Fake.Requests.Select(Uri.UnescapeDataString).ToList();
        Assert.Contains("GET /api/2.0/sql/warehouses", requests); // declared by name: found in the list
        Assert.Contains($"GET /api/2.0/permissions/sql/warehouses/{WarehouseId}", requests);
        Assert.Contains("GET /api/2.0/workspace-conf?keys=maxTokenLifetimeDays", requests);
        Assert.Contains($"GET /api/2.0/preview/accounts/access-control/rule-sets?etag=&name=accounts/{FakeDatabricks.AccountId}/servicePrincipals/{Fixture.EtlApp}/ruleSets/default", requests);

        // Declared by id: no list.
        _f.Fake.Server.ResetLogEntries();
        Assert.Equal(0, Audit(Stack($"id: \"{WarehouseId}\"")).Code);
        Assert.DoesNotContain("GET /api/2.0/sql/warehouses", _f.Fake.Requests);
    }

    [Fact]
    public void The_rule_set_is_read_through_the_workspace_with_the_workspace_token_only()
    {
        // The audit identity needs no account role for it: the proxy [fact: sdk-rule-set] is a
        // workspace API. With the account API's path, the request would carry the account token instead.
        Assert.Equal(0, Audit().Code);
        var entry = _f.Fake.Server.LogEntries.Select(e => e.RequestMessage!).Single(e => e.Path.Contains("access-control/rule-sets", StringComparison.Ordinal));
        Assert.Equal("/api/2.0/preview/accounts/access-control/rule-sets", entry.Path);
        Assert.StartsWith("Bearer workspace-oauth-", entry.Headers!["Authorization"].Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_new_kind_of_anomaly_is_found_naming_principal_and_object()
    {
        var acl = _f.Fake.Warehouses.Single().Acl;
        acl.RemoveAll(p => p.Level == "IS_OWNER");
        acl.Add(new("eve@contoso.com", null, null, "IS_OWNER"));                 // the owner changed
        acl.Add(new("mallory@contoso.com", null, null, "CAN_MANAGE"));          // an undeclared manager of the warehouse
        acl.Add(new(null, "contractors", null, "CAN_USE"));                     // an undeclared user of the warehouse
        _f.Fake.WorkspaceConf["maxTokenLifetimeDays"] = "365";                   // the token policy was loosened
        RuleSet.Add(new FakeRule("roles/servicePrincipal.manager", "users/mallory@contoso.com")); // an undeclared manager
        RuleSet.Add(new FakeRule("roles/servicePrincipal.user", "groups/contractors"));           // can run jobs as it
        _f.Fake.Jobs.Add(new FakeJob(77, "side-door", [                          // an undeclared job running as etl-runner
            new("eve@contoso.com", null, null, "CAN_MANAGE_RUN"),
            new(null, "contractors", null, "CAN_VIEW"),                           // viewing is not acting as
            new("mallory@contoso.com", null, null, "IS_OWNER"),
            new(null, "admins", null, "CAN_MANAGE", Inherited: true),
        ])
        { RunAs = Fixture.EtlApp, Creator = "mallory@contoso.com" });

        var (code, findings, err) = Audit();
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal(
            [
                ("undeclared-acting-as", "high", "user:eve@contoso.com", "job:side-door",
                    "CAN_MANAGE_RUN on a job the stack does not declare, which runs as sp:etl-runner (job_id 77): can run code as sp:etl-runner"),
                ("undeclared-acting-as", "high", "user:mallory@contoso.com", "job:side-door",
                    "IS_OWNER on a job the stack does not declare, which runs as sp:etl-runner (job_id 77): can run code as sp:etl-runner"),
                ("undeclared-warehouse-permission", "high", "user:eve@contoso.com", "warehouse:Shared BI",
                    $"IS_OWNER of the warehouse; the stack declares user:lead@contoso.com as its owner (id {WarehouseId})"),
                ("undeclared-warehouse-permission", "high", "user:mallory@contoso.com", "warehouse:Shared BI",
                    $"CAN_MANAGE on the warehouse without a declaration (id {WarehouseId})"),
                ("undeclared-manager", "high", "group:contractors", "rule-set:sp:etl-runner",
                    $"roles/servicePrincipal.user on sp:etl-runner without a declaration (accounts/{FakeDatabricks.AccountId}/servicePrincipals/{Fixture.EtlApp}/ruleSets/default)"),
                ("undeclared-manager", "high", "user:mallory@contoso.com", "rule-set:sp:etl-runner",
                    $"roles/servicePrincipal.manager on sp:etl-runner without a declaration (accounts/{FakeDatabricks.AccountId}/servicePrincipals/{Fixture.EtlApp}/ruleSets/default)"),
                ("undeclared-warehouse-permission", "medium", "group:contractors", "warehouse:Shared BI",
                    $"CAN_USE on the warehouse without a declaration (id {WarehouseId})"),
                ("token-policy", "medium", null, "workspace-conf:maxTokenLifetimeDays",
                    "365 days live; the stack declares 90 days"),
            ],
            findings);
        Assert.Contains("GET /api/2.0/permissions/jobs/77", _f.Fake.Requests);
    }

    [Theory]
    [InlineData(null, "high", "unset: new personal access tokens may live forever; the stack declares 90 days")]
    [InlineData("0", "high", "0 days live; the stack declares 90 days")]
    [InlineData("91", "medium", "91 days live; the stack declares 90 days")]
    [InlineData("30", "low", "30 days live; the stack declares 90 days")]
    public void The_token_policy_conf_is_compared_at_its_boundaries(string? value, string severity, string detail)
    {
        if (value is null)
        {
            _f.Fake.WorkspaceConf.Remove("maxTokenLifetimeDays"); // the fake answers null for an unset key
        }
        else
        {
            _f.Fake.WorkspaceConf["maxTokenLifetimeDays"] = value;
        }

        var (code, findings, _) = Audit();
        Assert.Equal(1, code);
        Assert.Equal([("token-policy", severity, (string?)null, "workspace-conf:maxTokenLifetimeDays", detail)], findings);
    }

    [Fact]
    public void Without_a_token_policy_the_workspace_conf_is_not_read()
    {
        var yaml = File.ReadAllText(Stack()).Edit("    tokenPolicy:\n      maxLifetimeDays: 90", string.Empty);
        Assert.DoesNotContain("tokenPolicy", yaml, StringComparison.Ordinal);
        _f.Fake.WorkspaceConf.Remove("maxTokenLifetimeDays");
        var (code, findings, _) = Audit(_f.WriteStack(yaml));
        Assert.True(code == 0, string.Join("\n", findings));
        Assert.DoesNotContain(_f.Fake.Requests, r => r.Contains("workspace-conf", StringComparison.Ordinal));
    }

    [Fact]
    public void A_warehouse_the_provider_cannot_find_by_name_and_an_absent_owner_are_missing()
    {
        _f.Fake.Warehouses.Add(new FakeWarehouse("dup", "Shared BI", "eve@contoso.com", [])); // the name is no longer unique
        var (code, findings, _) = Audit();
        Assert.Equal(1, code);
        Assert.Equal([("missing", "low", (string?)null, "warehouse:Shared BI", "2 SQL warehouses have this name")], findings);

        _f.Fake.Warehouses.RemoveAll(w => w.Id == "dup");
        _f.Fake.Warehouses.Single().Acl.RemoveAll(p => p.Level == "IS_OWNER");
        (code, findings, _) = Audit();
        Assert.Equal(1, code);
        Assert.Equal([("missing", "low", "user:lead@contoso.com", "warehouse:Shared BI", $"declared owner (IS_OWNER) is absent (id {WarehouseId})")], findings);
    }

    [Fact]
    public void A_job_running_as_a_principal_the_stack_does_not_declare_is_none_of_its_business()
    {
        // The fixture's unrelated jobs run as mallory, whom the stack does not name: their permissions are not read.
        _f.Fake.Jobs.Add(new FakeJob(78, "someone-elses", [new("eve@contoso.com", null, null, "CAN_MANAGE")]) { RunAs = "mallory@contoso.com" });
        Assert.Equal(0, Audit().Code);
        Assert.Contains("GET /api/2.2/jobs/get?job_id=78", _f.Fake.Requests);
        Assert.DoesNotContain("GET /api/2.0/permissions/jobs/78", _f.Fake.Requests);
    }

    [Fact]
    public void An_undeclared_job_running_as_a_declared_user_or_the_deployer_names_who_can_run_it()
    {
        _f.Fake.Jobs.Add(new FakeJob(79, "as-alice", [new(null, "contractors", null, "CAN_MANAGE_RUN")]) { RunAs = "alice@contoso.com" });
        _f.Fake.Jobs.Add(new FakeJob(80, "as-deployer", [new("eve@contoso.com", null, null, "CAN_MANAGE")]) { RunAs = Fixture.Deployer });
        var (code, findings, _) = Audit();
        Assert.Equal(1, code);
        Assert.Equal(
            [
                ("undeclared-acting-as", "user:eve@contoso.com", "job:as-deployer"),
                ("undeclared-acting-as", "group:contractors", "job:as-alice"),
            ],
            findings.Select(f => (f.Kind, f.Principal!, f.Object)).OrderBy(f => f.Object, StringComparer.Ordinal).Reverse().ToList());
        Assert.All(findings, f => Assert.Equal("high", f.Severity));
    }

    [Fact]
    public void Each_new_read_survives_throttling_by_error_code_and_still_finds_its_anomaly()
    {
        // REQUEST_LIMIT_EXCEEDED and RESOURCE_EXHAUSTED are retried [fact: sdk-retry-policy]
        // whatever the status. Each new endpoint answers so once, then as the router does.
        RuleSet.Add(new FakeRule("roles/servicePrincipal.manager", "users/mallory@contoso.com"));
        _f.Fake.Warehouses.Single().Acl.Add(new("mallory@contoso.com", null, null, "CAN_MANAGE"));
        _f.Fake.WorkspaceConf["maxTokenLifetimeDays"] = "365";
        _f.Fake.Jobs.Add(new FakeJob(77, "side-door", [new("eve@contoso.com", null, null, "CAN_MANAGE_RUN")]) { RunAs = Fixture.EtlApp });
        var stack = Stack();
        _f.Fake.Publish();
        string[] paths =
        [
            "/api/2.0/preview/accounts/access-control/rule-sets",
            $"/api/2.0/permissions/sql/warehouses/{WarehouseId}",
            "/api/2.0/workspace-conf",
            "/api/2.2/jobs/get",
            "/api/2.0/permissions/jobs/77",
        ];
        foreach (var (path, i) in paths.Select((p, i) => (p, i)))
        {
            // jobs/get runs a few at once: only job 77's is throttled, so exactly one request meets the scenario's first state.
            var request = WireMock.RequestBuilders.Request.Create().WithPath(path).UsingGet();
            _f.Fake.Server.Given(path.EndsWith("/jobs/get", StringComparison.Ordinal) ? request.WithParam("job_id", "77") : request)
                .InScenario($"throttled-{i}").WillSetStateTo("served").AtPriority(1)
                .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(i % 2 == 0 ? 400 : 500)
                    .WithBody($$"""{"error_code": "{{(i % 2 == 0 ? "REQUEST_LIMIT_EXCEEDED" : "RESOURCE_EXHAUSTED")}}", "message": "slow down"}"""));
        }

        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["audit", "--file", stack, "--now", "2026-11-25T12:00:00Z", "--format", "json"], @out, err,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Fixture.Now), Path.GetTempPath(), _f.Environment());
        Assert.Equal((1, string.Empty), (code, err.ToString()));
        Assert.Equal(paths.Length, _f.Waits.Count);
        using var doc = JsonDocument.Parse(@out.ToString());
        Assert.Equal(
            ["undeclared-acting-as", "undeclared-warehouse-permission", "undeclared-manager", "token-policy"],
            doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("kind").GetString()!).ToList());
    }

    [Fact]
    public void Where_the_workspace_has_no_proxy_the_rule_set_is_read_from_the_account_API()
    {
        RuleSet.Add(new FakeRule("roles/servicePrincipal.manager", "users/mallory@contoso.com"));
        var stack = Stack();
        _f.Fake.Publish();
        _f.Fake.Override("/api/2.0/preview/accounts/access-control/rule-sets", r => r.WithStatusCode(404)
            .WithHeader("Content-Type", "application/json")
            .WithBody("""{"error_code": "ENDPOINT_NOT_FOUND", "message": "No API found for 'GET /preview/accounts/access-control/rule-sets'"}"""));
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["audit", "--file", stack, "--now", "2026-11-25T12:00:00Z", "--format", "json"], @out, err,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Fixture.Now), Path.GetTempPath(), _f.Environment());
        Assert.Equal((1, string.Empty), (code, err.ToString()));
        using var doc = JsonDocument.Parse(@out.ToString());
        Assert.Equal(
            [("undeclared-manager", "user:mallory@contoso.com", "rule-set:sp:etl-runner")],
            doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("principal").GetString()!, f.GetProperty("object").GetString()!)).ToList());
        var account = _f.Fake.Server.LogEntries.Select(e => e.RequestMessage!).Single(e => e.Path == $"/api/2.0/preview/accounts/{FakeDatabricks.AccountId}/access-control/rule-sets");
        Assert.StartsWith("Bearer account-oauth-", account.Headers!["Authorization"].Single(), StringComparison.Ordinal);
    }
}
