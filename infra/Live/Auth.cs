using System.Net.Http.Headers;
using System.Text;
using Azure.Core;
using Azure.Identity;

namespace DatabricksAccess.Live;

/// <summary>A bearer token for the Databricks REST API.</summary>
public interface ITokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>A token given as is (<c>DATABRICKS_TOKEN</c>): a personal access token, valid for its workspace only.</summary>
public sealed class StaticTokenSource(string token) : ITokenSource
{
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
}

/// <summary>
/// OAuth machine-to-machine (a service principal's OAuth secret), as databricks-sdk-go v0.175.0 does it
/// [fact: sdk-m2m-auth]: the client-credentials grant with <c>scope=all-apis</c> and HTTP Basic client authentication
/// (AuthStyleInHeader), POSTed to the host's token endpoint (<see cref="WorkspaceEndpoint"/>,
/// <see cref="AccountEndpoint"/>). The token is reused until it is stale: like the SDK's cache, half its lifetime
/// before expiry, at most 20 minutes.
/// </summary>
public sealed class OAuthM2MTokenSource(HttpClient http, Uri endpoint, string clientId, string clientSecret, ClientOptions options, TimeProvider clock) : ITokenSource
{
    // The audit calls one at a time; two concurrent callers would at worst both fetch a token.
    private string? _token;
    private DateTimeOffset _stale;

    public Uri Endpoint => endpoint;

    /// <summary>The SDK discovers it from the workspace's /oidc/.well-known/oauth-authorization-server, whose issuer
    /// {host}/oidc gives {host}/oidc/v1/token [fact: sdk-m2m-auth];
    /// the audit uses that fixed path and sends no discovery call.</summary>
    public static Uri WorkspaceEndpoint(Uri host) => new(host, "/oidc/v1/token");

    /// <summary>Fixed for the account [fact: sdk-m2m-auth].</summary>
    public static Uri AccountEndpoint(Uri host, string accountId) => new(host, $"/oidc/accounts/{Uri.EscapeDataString(accountId)}/v1/token");

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } cached && clock.GetUtcNow() < _stale)
        {
            return cached;
        }

        var call = $"POST {endpoint}";
        var issued = clock.GetUtcNow();
        var answer = await DatabricksClient.SendAsync<Api.OAuthToken>(http, options, call, _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "all-apis")]),
            };
            // golang.org/x/oauth2 AuthStyleInHeader: Basic with the query-escaped id and secret.
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return Task.FromResult(request);
        }, notFoundIsNull: false, cancellationToken).ConfigureAwait(false);
        if (answer?.AccessToken is not { Length: > 0 } token)
        {
            throw new AuditException($"{call}: the answer holds no access_token");
        }

        var lifetime = TimeSpan.FromSeconds(Math.Max(answer.ExpiresIn ?? 0, 0));
        var lead = lifetime / 2 < TimeSpan.FromMinutes(20) ? lifetime / 2 : TimeSpan.FromMinutes(20);
        _token = token;
        _stale = issued + lifetime - lead;
        return token;
    }
}

/// <summary>
/// A Microsoft Entra ID token for the Azure Databricks resource, from an Azure.Identity credential (by default
/// <see cref="DefaultAzureCredential"/>: environment, workload identity / OIDC, managed identity, Azure CLI...).
/// The same token is accepted by the workspace and the account (accounts.azuredatabricks.net). Cached until five
/// minutes before it expires.
/// </summary>
public sealed class AzureTokenSource(TokenCredential credential) : ITokenSource
{
    /// <summary>The Azure Databricks first-party application's default scope (the same for every tenant).</summary>
    public const string DatabricksScope = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default";

    private AccessToken? _token;

    public TokenCredential Credential => credential;

    public static AzureTokenSource Default() => new(new DefaultAzureCredential());

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        // The audit calls one at a time; two concurrent callers would at worst both fetch a token.
        if (_token is not { } t || t.ExpiresOn <= DateTimeOffset.UtcNow.AddMinutes(5))
        {
            try
            {
                _token = t = await credential.GetTokenAsync(new TokenRequestContext([DatabricksScope]), cancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationFailedException ex)
            {
                // CredentialUnavailableException derives from it: no credential in the chain could be used.
                throw new AuditException($"cannot get a Microsoft Entra ID token for Azure Databricks ({credential.GetType().Name}): {FirstLine(ex.Message)}", ex);
            }
        }

        return t.Token;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>
/// The credential of each host, in the order issue 19 asks (databricks-sdk-go's own default chain tries a token
/// first [fact: sdk-default-auth]): OAuth machine-to-machine when <c>DATABRICKS_CLIENT_ID</c> and
/// <c>DATABRICKS_CLIENT_SECRET</c> are set, for both hosts; otherwise Microsoft Entra (DefaultAzureCredential) when
/// it gives a token, for both hosts; otherwise <c>DATABRICKS_TOKEN</c>, for the workspace only. Decided before any
/// call to Databricks: an account without a credential stops the audit with one line.
/// </summary>
public static class TokenSources
{
    public const string TokenVariable = "DATABRICKS_TOKEN";
    public const string ClientIdVariable = "DATABRICKS_CLIENT_ID";
    public const string ClientSecretVariable = "DATABRICKS_CLIENT_SECRET";

    /// <summary>Which credential each host gets: <c>oauth-m2m</c>, <c>azure</c> or <c>pat</c>.</summary>
    public static async Task<(HostCredentials Credentials, string Workspace, string? Account)> ResolveAsync(
        Func<string, string?> environment, Func<ITokenSource> azure, HttpClient http, ClientOptions options, TimeProvider clock,
        LiveTarget target, CancellationToken cancellationToken)
    {
        string? Variable(string name) => environment(name) is { } v && v.Trim().Length > 0 ? v.Trim() : null;
        var id = Variable(ClientIdVariable);
        var secret = Variable(ClientSecretVariable);
        if ((id is null) != (secret is null))
        {
            throw new AuditException(id is null
                ? $"{ClientSecretVariable} is set but {ClientIdVariable} is not: set both for OAuth, or neither"
                : $"{ClientIdVariable} is set but {ClientSecretVariable} is not: set both for OAuth, or neither");
        }

        if (id is not null)
        {
            var ws = new OAuthM2MTokenSource(http, OAuthM2MTokenSource.WorkspaceEndpoint(target.Workspace), id, secret!, options, clock);
            var account = target.Account is { } a ? new OAuthM2MTokenSource(http, OAuthM2MTokenSource.AccountEndpoint(a.Host, a.AccountId), id, secret!, options, clock) : null;
            return (new HostCredentials(ws, account), "oauth-m2m", account is null ? null : "oauth-m2m");
        }

        ITokenSource? entra = null;
        try
        {
            var source = azure();
            await source.GetTokenAsync(cancellationToken).ConfigureAwait(false); // cached for the calls to come
            entra = source;
        }
        catch (AuditException)
        {
            // No Entra login here (CredentialUnavailableException): the next way, if any.
        }

        if (entra is not null)
        {
            return (new HostCredentials(entra, target.Account is null ? null : entra), "azure", target.Account is null ? null : "azure");
        }

        if (target.Account is { } acc)
        {
            throw new AuditException($"the account API ({acc.Host.GetLeftPart(UriPartial.Authority)}, account {acc.AccountId}) needs OAuth or Microsoft Entra: set {ClientIdVariable} and {ClientSecretVariable} (a service principal's OAuth secret) or log in to Entra (az login, managed or workload identity); {TokenVariable} is valid for the workspace only");
        }

        if (Variable(TokenVariable) is { } token)
        {
            return (new HostCredentials(new StaticTokenSource(token), null), "pat", null);
        }

        throw new AuditException($"no credential for the workspace ({target.Workspace.GetLeftPart(UriPartial.Authority)}): set {ClientIdVariable} and {ClientSecretVariable}, log in to Microsoft Entra (az login, managed or workload identity), or set {TokenVariable}");
    }
}
