using System.Diagnostics;
using Azure.Core;

namespace DatabricksAccess.Live.Tests;

/// <summary>Throttling, failures, timeouts, hosts and tokens: what the client does when the API is not kind.</summary>
public sealed class RobustnessTests : IDisposable
{
    private const string Users = "/api/2.0/preview/scim/v2/Users";
    private const string UsersQuery = "attributes=id,userName&startIndex=1&count=2";
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    private string Call(string pathAndQuery) => $"GET {_f.Fake.Url}{pathAndQuery}";

    [Fact]
    public void A_429_then_success_waits_as_long_as_Retry_After_says_and_goes_on()
    {
        _f.Fake.Publish();
        _f.Fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Users).UsingGet())
            .InScenario("throttled").WillSetStateTo("served").AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(429).WithHeader("Retry-After", "7"));
        var (code, @out, err) = AuditKeepingMappings();
        Assert.Equal((0, string.Empty), (code, err));
        Assert.EndsWith("no findings", @out.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal([TimeSpan.FromSeconds(7)], _f.Waits);
        Assert.Equal(2, _f.Fake.Requests.Count(r => r == $"GET {Users}?{UsersQuery}"));
    }

    [Fact]
    public void A_503_without_Retry_After_backs_off_linearly()
    {
        _f.Fake.Publish();
        var response = WireMock.ResponseBuilders.Response.Create().WithStatusCode(503);
        _f.Fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Users).UsingGet())
            .InScenario("unavailable").WillSetStateTo("once").AtPriority(1).RespondWith(response);
        _f.Fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Users).UsingGet())
            .InScenario("unavailable").WhenStateIs("once").WillSetStateTo("twice").AtPriority(1).RespondWith(response);
        var (code, _, err) = AuditKeepingMappings();
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Equal([TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500)], _f.Waits);
    }

    [Fact]
    public void Throttling_that_does_not_end_is_exit_2_naming_the_call_after_the_last_attempt()
    {
        _f.Fake.Publish();
        _f.Fake.Override(Users, r => r.WithStatusCode(429).WithHeader("Retry-After", "30"));
        var (code, @out, err) = AuditKeepingMappings();
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.Equal($"audit: {Call(Users)}?{UsersQuery}: HTTP 429 Too Many Requests after 3 attempts\n", err);
        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)], _f.Waits);
    }

    /// <summary>These error codes are ErrTooManyRequests whatever the status [fact: sdk-retry-policy].</summary>
    [Theory]
    [InlineData(400, "REQUEST_LIMIT_EXCEEDED")]
    [InlineData(400, "RESOURCE_EXHAUSTED")]
    [InlineData(500, "RESOURCE_EXHAUSTED")]
    public void A_throttling_error_code_is_retried_whatever_the_status(int status, string errorCode)
    {
        _f.Fake.Publish();
        _f.Fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Users).UsingGet())
            .InScenario("code").WillSetStateTo("served").AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(status)
                .WithBody($$"""{"error_code": "{{errorCode}}", "message": "slow down"}"""));
        var (code, _, err) = AuditKeepingMappings();
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Equal([TimeSpan.FromMilliseconds(250)], _f.Waits);
    }

    /// <summary>SCIM answers 500 with REQUEST_LIMIT_EXCEEDED in its message (detail), which is retried [fact: sdk-retry-policy].</summary>
    [Fact]
    public void A_scim_500_naming_the_request_limit_is_retried_and_another_500_is_not()
    {
        _f.Fake.Publish();
        _f.Fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Users).UsingGet())
            .InScenario("scim").WillSetStateTo("served").AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(500)
                .WithBody("""{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "REQUEST_LIMIT_EXCEEDED: too many requests", "status": "500"}"""));
        var (code, _, err) = AuditKeepingMappings();
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Single(_f.Waits);

        _f.Waits.Clear();
        _f.Fake.Publish();
        _f.Fake.Override(Users, r => r.WithStatusCode(500).WithBody("""{"detail": "internal error", "status": "500"}"""));
        (code, _, err) = AuditKeepingMappings();
        Assert.Equal(2, code);
        Assert.Equal($"audit: {Call(Users)}?{UsersQuery}: HTTP 500 Internal Server Error: SCIM_500: internal error\n", err);
        Assert.Empty(_f.Waits);
    }

    /// <summary>
    /// The default cap is the SDK's window: linear backoff of 1, 2, ... 10 s then 10 s (here without jitter) within
    /// 5 minutes [fact: sdk-retry-policy]: 34 waits (295 s), the 35th attempt is the last.
    /// </summary>
    [Fact]
    public void Throttling_that_does_not_end_gives_up_when_the_five_minute_window_is_spent()
    {
        _f.Fake.Publish();
        _f.Fake.Override(Users, r => r.WithStatusCode(429));
        var options = _f.Options() with { MaxAttempts = int.MaxValue, BaseDelay = TimeSpan.FromSeconds(1) };
        var (code, _, err) = AuditKeepingMappings(_f.Environment(options));
        Assert.Equal(2, code);
        Assert.Equal($"audit: {Call(Users)}?{UsersQuery}: HTTP 429 Too Many Requests after 35 attempts within the 300 s retry window\n", err);
        Assert.Equal(34, _f.Waits.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(s => TimeSpan.FromSeconds(s)), _f.Waits.Take(10));
        Assert.All(_f.Waits.Skip(10), w => Assert.Equal(TimeSpan.FromSeconds(10), w));
        Assert.Equal(TimeSpan.FromSeconds(295), _f.Waits.Aggregate(TimeSpan.Zero, (a, b) => a + b));
        Assert.Equal(35, _f.Fake.Requests.Count(r => r.StartsWith($"GET {Users}", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_Retry_After_above_the_longest_wait_stops_at_once_without_spending_attempts()
    {
        _f.Fake.Publish();
        _f.Fake.Override(Users, r => r.WithStatusCode(429).WithHeader("Retry-After", "31")); // the cap is 30 s
        var (code, @out, err) = AuditKeepingMappings();
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.Equal($"audit: {Call(Users)}?{UsersQuery}: HTTP 429 Too Many Requests asking to retry after 31 s, longer than the 30 s the audit waits\n", err);
        Assert.Empty(_f.Waits);
        Assert.Equal(1, _f.Fake.Requests.Count(r => r.StartsWith($"GET {Users}", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_504_and_a_reset_connection_are_retried_and_the_audit_goes_on()
    {
        // A reset connection and an i/o timeout are retried as the SDK does [fact: sdk-retry-policy]; 504 by this
        // client's own choice (the SDK's configured client does not retry it).
        _f.Fake.Publish();
        _f.Fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Users).UsingGet())
            .InScenario("flaky").WillSetStateTo("504 served").AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(504).WithBody("upstream request timeout"));
        using var proxy = new DroppingProxy(new Uri(_f.Fake.Url), "GET /api/2.0/secrets/scopes/list", budget: 1);
        var (code, _, err) = AuditThrough(proxy);
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Equal(1, proxy.Dropped);
        Assert.Equal([TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250)], _f.Waits); // first retry of each call
        Assert.Equal(2, _f.Fake.Requests.Count(r => r == $"GET {Users}?{UsersQuery}"));
        Assert.Equal(1, _f.Fake.Requests.Count(r => r == "GET /api/2.0/secrets/scopes/list")); // the reset one never reached it
    }

    [Fact]
    public void A_connection_reset_on_every_attempt_is_exit_2_after_the_bounded_attempts()
    {
        _f.Fake.Publish();
        using var proxy = new DroppingProxy(new Uri(_f.Fake.Url), "GET /api/2.0/secrets/scopes/list", budget: 100);
        var (code, @out, err) = AuditThrough(proxy);
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.StartsWith($"audit: GET {proxy.Url}/api/2.0/secrets/scopes/list: ", err, StringComparison.Ordinal);
        Assert.EndsWith(" (3 attempts)\n", err, StringComparison.Ordinal);
        Assert.Equal(3, proxy.Dropped);
    }

    /// <summary>Runs the audit with both hosts behind <paramref name="proxy"/>, one connection per request.</summary>
    private (int Code, string Out, string Err) AuditThrough(DroppingProxy proxy)
    {
        var yaml = _f.StackYaml().Edit(_f.Fake.Url, proxy.Url);
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["audit", "--file", _f.WriteStack(yaml), "--now", "2026-11-25T12:00:00Z"], @out, err,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Fixture.Now), Path.GetTempPath(), _f.Environment() with { Handler = DroppingProxy.Handler() });
        return (code, @out.ToString(), err.ToString());
    }

    [Theory]
    [InlineData(403, "Forbidden")]
    [InlineData(401, "Unauthorized")]
    public void Refused_access_is_exit_2_with_one_line_naming_the_call_and_the_status(int status, string reason)
    {
        _f.Fake.Publish();
        _f.Fake.Override("/api/2.0/secrets/scopes/list", r => r.WithStatusCode(status).WithHeader("Content-Type", "application/json")
            .WithBody("""{"error_code":"PERMISSION_DENIED","message":"User does not have permission\nto list scopes."}"""));
        var (code, @out, err) = AuditKeepingMappings();
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.Equal($"audit: {Call("/api/2.0/secrets/scopes/list")}: HTTP {status} {reason}: PERMISSION_DENIED: User does not have permission to list scopes.\n", err);
    }

    [Fact]
    public void A_404_on_a_declared_object_is_a_missing_finding_not_a_crash()
    {
        _f.Fake.Publish();
        _f.Fake.Override("/api/2.0/secrets/acls/list", r => r.WithStatusCode(404).WithBody("""{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Scope app-secrets does not exist!"}"""));
        _f.Fake.Override("/api/2.0/permissions/jobs/42", r => r.WithStatusCode(404));
        var (code, @out, err) = AuditKeepingMappings();
        Assert.Equal((1, string.Empty), (code, err));
        var lines = @out.TrimEnd().Split('\n')[1..];
        Assert.Equal(
            [
                "  low      missing                   - on job:nightly: the job's permissions are not found (HTTP 404) (job_id 42)",
                "  low      missing                   - on scope:app-secrets: the secret scope's ACLs are not found (HTTP 404)",
            ],
            lines);
    }

    [Fact]
    public void A_404_on_a_list_the_audit_needs_is_exit_2()
    {
        _f.Fake.Publish();
        _f.Fake.Override($"/api/2.0/accounts/{FakeDatabricks.AccountId}/scim/v2/Groups", r => r.WithStatusCode(404));
        var (code, _, err) = AuditKeepingMappings();
        Assert.Equal(2, code);
        Assert.Equal($"audit: {Call($"/api/2.0/accounts/{FakeDatabricks.AccountId}/scim/v2/Groups")}?attributes=id,displayName&startIndex=1&count=2: HTTP 404 Not Found\n", err);
    }

    [Fact]
    public void A_slow_call_times_out_as_exit_2_without_waiting_for_the_answer()
    {
        // Warm up first (JIT, connections), so that only the slow call can take longer than the short timeout.
        Assert.Equal(0, _f.Audit().Code);
        _f.Fake.Override("/api/2.0/permissions/jobs/42", r => r.WithStatusCode(200).WithBody("{}").WithDelay(TimeSpan.FromSeconds(20)));
        var clock = Stopwatch.StartNew();
        var (code, @out, err) = AuditKeepingMappings(_f.Environment(_f.Options(timeout: TimeSpan.FromSeconds(1.5), attempts: 2)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal((2, string.Empty), (code, @out));
        // A timeout ("i/o timeout") is retried [fact: sdk-retry-policy], within the bounded attempts.
        Assert.Equal($"audit: {Call("/api/2.0/permissions/jobs/42")}: no answer within 1.5 s (2 attempts)\n", err);
    }

    [Fact]
    public void A_body_that_is_not_the_documented_shape_is_exit_2()
    {
        _f.Fake.Publish();
        _f.Fake.Override("/api/2.2/jobs/list", r => r.WithStatusCode(200).WithBody("""{"jobs": "not a list"}"""));
        var (code, _, err) = AuditKeepingMappings();
        Assert.Equal(2, code);
        Assert.StartsWith($"audit: {Call("/api/2.2/jobs/list")}?name=nightly&limit=2: the response is not JSON of the documented shape: ", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("https://adb-1.7.azuredatabricks.net", "https://adb-1.7.azuredatabricks.net/")]
    [InlineData("https://adb-1.7.azuredatabricks.net/", "https://adb-1.7.azuredatabricks.net/")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    [InlineData("http://[::1]:5000", "http://[::1]:5000/")]
    public void Hosts_are_https_or_loopback_http(string text, string expected)
    {
        Assert.True(LiveTarget.TryParseHost(text, out var host, out _));
        Assert.Equal(expected, host.ToString());
    }

    [Theory]
    [InlineData("http://adb-1.7.azuredatabricks.net", "must be an https URL (plain http only for a loopback address)")]
    [InlineData("http://10.0.0.1", "must be an https URL (plain http only for a loopback address)")]
    [InlineData("ftp://127.0.0.1", "must be an https URL (plain http only for a loopback address)")]
    [InlineData("https://adb-1.net/api?x=1", "must be a host URL only, without user, path, query or fragment")]
    [InlineData("https://me@adb-1.net", "must be a host URL only, without user, path, query or fragment")]
    [InlineData("adb-1.net", "is not an absolute URL")]
    public void Other_hosts_are_refused(string text, string error)
    {
        Assert.False(LiveTarget.TryParseHost(text, out _, out var why));
        Assert.Equal(error, why);
    }

    [Theory]
    [InlineData("https://adb-1234567890123456.7.azuredatabricks.net")]
    [InlineData("https://accounts.azuredatabricks.net")]
    [InlineData("https://ADB-1.7.AzureDatabricks.NET.")]
    [InlineData("https://adb-1.2.databricks.azure.us")]
    [InlineData("https://accounts.databricks.azure.us")]
    [InlineData("https://adb-1.2.databricks.azure.cn")]
    [InlineData("https://accounts.azuredatabricks.net:443")]
    public void Azure_Databricks_workspace_account_and_sovereign_hosts_receive_the_credential(string text) =>
        Assert.True(LiveTarget.TryParseHost(text, out _, out var why), why);

    [Theory]
    [InlineData("https://attacker.example")]
    [InlineData("https://azuredatabricks.net")]
    [InlineData("https://adb-1.7.azuredatabricks.net.attacker.example")]
    [InlineData("https://adb-1.7.azuredatabricks.network")]
    [InlineData("https://adb-1azuredatabricks.net")]
    [InlineData("https://accounts.cloud.databricks.com")]
    [InlineData("https://10.0.0.1")]
    [InlineData("https://xn--adb-azuredatabricks-net.example")]
    public void Hosts_outside_Azure_Databricks_are_refused_unless_allowed_by_name(string text)
    {
        Assert.False(LiveTarget.TryParseHost(text, out _, out var why));
        Assert.StartsWith("is not an Azure Databricks workspace or account host (*.azuredatabricks.net, *.databricks.azure.us, *.databricks.azure.cn)", why, StringComparison.Ordinal);
        var name = new Uri(text).IdnHost;
        Assert.True(LiveTarget.TryParseHost(text, [name.ToUpperInvariant()], out var host, out _));
        Assert.Equal(new Uri(text).GetLeftPart(UriPartial.Authority) + "/", host.ToString());
        Assert.False(LiveTarget.TryParseHost(text, ["other.example"], out _, out _));
    }

    [Fact]
    public void Audit_refuses_a_host_outside_Azure_Databricks_before_any_call_and_allow_host_lets_it_through()
    {
        var yaml = _f.StackYaml().Edit("databricks:host: " + _f.Fake.Url, "databricks:host: https://attacker.example");
        Assert.Contains("https://attacker.example", yaml, StringComparison.Ordinal);
        var stack = _f.WriteStack(yaml);
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["audit", "--file", stack, "--now", "2026-11-25T12:00:00Z"], @out, err,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Fixture.Now), Path.GetTempPath(), _f.Environment());
        Assert.Equal(2, code);
        Assert.Contains("databricks:host: 'https://attacker.example' is not an Azure Databricks workspace or account host", err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_f.Fake.Requests);

        // Named with --allow-host, the same host is read (it does not answer here: the call fails, after the check).
        err = new StringWriter();
        code = DatabricksAccess.Cli.Program.Run(["audit", "--file", stack, "--now", "2026-11-25T12:00:00Z", "--allow-host", "attacker.example"], @out, err,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Fixture.Now), Path.GetTempPath(), _f.Environment() with { Handler = new RefusingHandler() });
        Assert.Equal(2, code);
        Assert.DoesNotContain("is not an Azure Databricks", err.ToString(), StringComparison.Ordinal);
        Assert.Contains("attacker.example", err.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Answers every request with a refused connection, as an unreachable host does.</summary>
    private sealed class RefusingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("connection refused");
    }

    [Fact]
    public void A_plain_http_workspace_host_that_is_not_loopback_is_refused_before_any_call()
    {
        var yaml = _f.StackYaml().Edit($"databricks:host: {_f.Fake.Url}", "databricks:host: http://adb-1.7.azuredatabricks.net");
        var (code, @out, err) = _f.Audit(stack: _f.WriteStack(yaml));
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.EndsWith(": databricks:host: 'http://adb-1.7.azuredatabricks.net' must be an https URL (plain http only for a loopback address)\n", err, StringComparison.Ordinal);
        Assert.Empty(_f.Fake.Requests);
    }

    [Fact]
    public void A_stack_without_a_workspace_host_cannot_be_audited()
    {
        var yaml = _f.StackYaml().Edit($"  databricks:host: {_f.Fake.Url}\n", string.Empty);
        var (code, _, err) = _f.Audit(stack: _f.WriteStack(yaml));
        Assert.Equal(2, code);
        Assert.EndsWith(": databricks:host is not set; the audit reads the workspace there\n", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_config_is_exit_2_with_its_errors_and_no_call()
    {
        var yaml = _f.StackYaml().Edit("runAs: sp:etl-runner", "runAs: sp:ghost");
        var (code, _, err) = _f.Audit(stack: _f.WriteStack(yaml));
        Assert.Equal(2, code);
        Assert.Contains("topology.jobs.nightly.runAs", err, StringComparison.Ordinal);
        Assert.Empty(_f.Fake.Requests);
    }

    [Fact]
    public void Without_an_OAuth_client_an_Entra_login_gives_both_hosts_their_token_ahead_of_DATABRICKS_TOKEN()
    {
        _f.Fake.EntraToken = "from-azure";
        var environment = _f.Environment(oauth: false) with { AzureTokens = () => new StaticTokenSource("from-azure") };
        Assert.Equal(0, _f.Audit(environment: environment).Code);
        Assert.All(_f.Fake.Server.LogEntries, e => Assert.Equal("Bearer from-azure", e.RequestMessage!.Headers!["Authorization"].Single()));
        Assert.Empty(_f.Fake.Issued);
    }

    [Fact]
    public async Task The_Azure_token_is_asked_for_the_Azure_Databricks_resource_and_reused_until_it_nearly_expires()
    {
        var credential = new CountingCredential();
        var source = new AzureTokenSource(credential);
        Assert.Equal("token-1", await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal("token-1", await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal(["2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"], credential.Scopes);

        credential.Lifetime = TimeSpan.FromMinutes(4); // within five minutes of expiry: asked again
        var fresh = new AzureTokenSource(credential);
        Assert.Equal("token-2", await fresh.GetTokenAsync(CancellationToken.None));
        Assert.Equal("token-3", await fresh.GetTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_unavailable_Azure_credential_is_one_audit_error_line()
    {
        var source = new AzureTokenSource(new CountingCredential { Fails = true });
        var ex = await Assert.ThrowsAsync<AuditException>(async () => await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal("cannot get a Microsoft Entra ID token for Azure Databricks (CountingCredential): no credential here", ex.Message);
    }

    [Fact]
    public void A_progress_line_goes_to_stderr_when_asked_and_is_cleared_at_the_end()
    {
        var environment = _f.Environment() with { Progress = true };
        var (code, @out, err) = _f.Audit(environment: environment);
        Assert.Equal(0, code);
        Assert.DoesNotContain("\raudit:", @out, StringComparison.Ordinal);
        Assert.StartsWith($"\raudit: GET {_f.Fake.Url}/api/2.0/preview/scim/v2/Users?{UsersQuery}\u001b[K", err, StringComparison.Ordinal);
        Assert.EndsWith("\r\u001b[K", err, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', err);
    }

    /// <summary>Runs the audit on the mappings as they are (the test published and overrode them).</summary>
    private (int Code, string Out, string Err) AuditKeepingMappings(DatabricksAccess.Cli.AuditEnvironment? environment = null)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = DatabricksAccess.Cli.Program.Run(["audit", "--file", _f.WriteStack(), "--now", "2026-11-25T12:00:00Z"], @out, err,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Fixture.Now), Path.GetTempPath(), environment ?? _f.Environment());
        return (code, @out.ToString(), err.ToString());
    }

    private sealed class CountingCredential : TokenCredential
    {
        private int _count;

        public List<string> Scopes { get; } = [];

        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

        public bool Fails { get; init; }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            if (Fails)
            {
                throw new Azure.Identity.CredentialUnavailableException("no credential here\nsecond line");
            }

            Scopes.AddRange(requestContext.Scopes);
            return ValueTask.FromResult(new AccessToken($"token-{++_count}", DateTimeOffset.UtcNow + Lifetime));
        }
    }
}
