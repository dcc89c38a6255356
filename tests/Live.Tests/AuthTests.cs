using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace DatabricksAccess.Live.Tests;

/// <summary>One credential per host (issue 19): OAuth M2M, then Entra, then a PAT for the workspace only.</summary>
public sealed class AuthTests : IDisposable
{
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>The fixture without an account: analysts is then a workspace group.</summary>
    private string WorkspaceOnlyStack()
    {
        _f.Fake.Groups.Add(_f.Analysts);
        var yaml = _f.StackYaml();
        var start = yaml.IndexOf("  databricks-access:account:", StringComparison.Ordinal);
        var end = yaml.IndexOf("  databricks-access:topology:", StringComparison.Ordinal);
        yaml = yaml.Remove(start, end - start);
        var grants = yaml.IndexOf("    catalogGrants:", StringComparison.Ordinal);
        var jobs = yaml.IndexOf("    jobs:", StringComparison.Ordinal);
        return _f.WriteStack(yaml.Remove(grants, jobs - grants)); // Unity Catalog grants need account-level groups
    }

    [Fact]
    public void A_PAT_only_run_against_an_account_stops_before_any_call_with_one_line()
    {
        var (code, @out, err) = _f.Audit(environment: _f.Environment(oauth: false));
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.Equal(
            $"audit: the account API ({_f.Fake.Url}, account {FakeDatabricks.AccountId}) needs OAuth or Microsoft Entra: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal's OAuth secret) or log in to Entra (az login, managed or workload identity); DATABRICKS_TOKEN is valid for the workspace only\n",
            err);
        Assert.Empty(_f.Fake.Requests);
    }

    [Fact]
    public async Task The_fake_account_API_refuses_a_PAT_as_the_real_one_does()
    {
        // The fixture behaviour the refusal above avoids: a workspace PAT on the account host is 401.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_f.Fake.Url}/api/2.0/accounts/{FakeDatabricks.AccountId}/scim/v2/Groups?attributes=id,displayName");
        request.Headers.Authorization = new("Bearer", FakeDatabricks.Pat);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("UNAUTHENTICATED", body.RootElement.GetProperty("error_code").GetString());

        var client = new DatabricksClient(http, new StaticTokenSource(FakeDatabricks.Pat), _f.Options());
        var ex = await Assert.ThrowsAsync<AuditException>(() => client.GetAsync<Api.AssignmentList>(new Uri(_f.Fake.Url),
            $"/api/2.0/accounts/{FakeDatabricks.AccountId}/workspaces/{FakeDatabricks.WorkspaceId}/permissionassignments", CancellationToken.None));
        Assert.EndsWith(": HTTP 401 Unauthorized: UNAUTHENTICATED: Invalid authentication credentials for the account API", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workspace_only_stack_audits_with_DATABRICKS_TOKEN_and_sends_no_token_POST()
    {
        var (code, _, err) = _f.Audit(environment: _f.Environment(oauth: false), stack: WorkspaceOnlyStack());
        Assert.Equal((0, string.Empty), (code, err));
        Assert.All(_f.Fake.Server.LogEntries, e => Assert.Equal($"Bearer {FakeDatabricks.Pat}", e.RequestMessage!.Headers!["Authorization"].Single()));
        Assert.All(_f.Fake.Methods, m => Assert.Equal("GET", m));
        Assert.DoesNotContain(_f.Fake.Requests, r => r.Contains("/accounts/", StringComparison.Ordinal));
    }

    [Fact]
    public void OAuth_client_credentials_take_precedence_over_DATABRICKS_TOKEN()
    {
        var (code, _, _) = _f.Audit(stack: WorkspaceOnlyStack());
        Assert.Equal(0, code);
        Assert.Equal(["workspace"], _f.Fake.Issued);
        Assert.DoesNotContain(_f.Fake.Server.LogEntries, e => e.RequestMessage!.Headers!["Authorization"].Single() == $"Bearer {FakeDatabricks.Pat}");
    }

    [Fact]
    public void A_wrong_client_secret_is_exit_2_naming_the_token_endpoint_and_the_OAuth_error()
    {
        var environment = _f.Environment() with
        {
            Variables = name => name == TokenSources.ClientIdVariable ? FakeDatabricks.ClientId : name == TokenSources.ClientSecretVariable ? "wrong" : null,
        };
        var (code, @out, err) = _f.Audit(environment: environment);
        Assert.Equal((2, string.Empty), (code, @out));
        Assert.Equal($"audit: POST {_f.Fake.Url}/oidc/v1/token: HTTP 401 Unauthorized: invalid_client: Client authentication failed\n", err);
        Assert.DoesNotContain("wrong", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TokenSources.ClientIdVariable, "DATABRICKS_CLIENT_ID is set but DATABRICKS_CLIENT_SECRET is not: set both for OAuth, or neither")]
    [InlineData(TokenSources.ClientSecretVariable, "DATABRICKS_CLIENT_SECRET is set but DATABRICKS_CLIENT_ID is not: set both for OAuth, or neither")]
    public void Half_an_OAuth_client_is_exit_2_before_any_call(string variable, string message)
    {
        var environment = _f.Environment() with { Variables = name => name == variable ? "x" : null };
        var (code, _, err) = _f.Audit(environment: environment);
        Assert.Equal((2, $"audit: {message}\n"), (code, err));
        Assert.Empty(_f.Fake.Requests);
    }

    [Fact]
    public void No_credential_at_all_for_a_workspace_only_stack_is_exit_2_naming_the_ways()
    {
        var (code, _, err) = _f.Audit(environment: _f.Environment(token: null, oauth: false), stack: WorkspaceOnlyStack());
        Assert.Equal(2, code);
        Assert.Equal($"audit: no credential for the workspace ({_f.Fake.Url}): set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, log in to Microsoft Entra (az login, managed or workload identity), or set DATABRICKS_TOKEN\n", err);
        Assert.Empty(_f.Fake.Requests);
    }

    [Fact]
    public async Task An_OAuth_token_is_reused_until_half_its_lifetime_is_left_then_fetched_again()
    {
        // Refresh lead = half the lifetime, at most 20 minutes [fact: sdk-m2m-auth].
        _f.Fake.TokenLifetimeSeconds = 600;
        var clock = new FakeTimeProvider(Fixture.Now);
        using var http = new HttpClient();
        var source = new OAuthM2MTokenSource(http, OAuthM2MTokenSource.WorkspaceEndpoint(new Uri(_f.Fake.Url)), FakeDatabricks.ClientId, FakeDatabricks.ClientSecret, _f.Options(), clock);
        Assert.Equal("workspace-oauth-1", await source.GetTokenAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal("workspace-oauth-1", await source.GetTokenAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("workspace-oauth-2", await source.GetTokenAsync(CancellationToken.None));

        var entry = _f.Fake.Server.LogEntries[0].RequestMessage!;
        Assert.Equal("POST", entry.Method);
        Assert.Equal("grant_type=client_credentials&scope=all-apis", entry.Body);
        Assert.StartsWith("Basic ", entry.Headers!["Authorization"].Single(), StringComparison.Ordinal);
    }
}
