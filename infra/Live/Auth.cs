using Azure.Core;
using Azure.Identity;

namespace DatabricksAccess.Live;

/// <summary>A bearer token for the Databricks REST API.</summary>
public interface ITokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>A token given as is (<c>DATABRICKS_TOKEN</c>): used for the workspace and the account alike.</summary>
public sealed class StaticTokenSource(string token) : ITokenSource
{
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
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

public static class TokenSources
{
    public const string TokenVariable = "DATABRICKS_TOKEN";

    /// <summary><c>DATABRICKS_TOKEN</c> when it is set and not empty, otherwise the Azure credential.</summary>
    public static ITokenSource FromEnvironment(Func<string, string?> environment, Func<ITokenSource> azure) =>
        environment(TokenVariable) is { Length: > 0 } token ? new StaticTokenSource(token.Trim()) : azure();
}
