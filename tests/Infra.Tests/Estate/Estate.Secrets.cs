using System.Text.Json;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// What a consumer reads from a key of a Databricks-backed scope (<c>dbutils.secrets.get</c>): the value the last
/// PutSecret wrote, until a DeleteSecret removes the key (Create is PutSecret, which overwrites an existing key; Delete
/// is DeleteSecret [fact: secret-put-overwrites]). For a credential store, also which
/// credential the value is, so that a test can ask whether it is still valid.
/// </summary>
public sealed partial class Estate
{
    private readonly Dictionary<(string Scope, string Key), string> _secretValues = [];
    private readonly Dictionary<(string Scope, string Key), (string Slot, int Generation)> _secretCredentials = [];

    /// <summary>The value a read of the key returns now, or null when the key does not exist.</summary>
    public string? SecretValue(string scope, string key) => _secretValues.GetValueOrDefault((scope, key));

    /// <summary>Every key that exists now.</summary>
    public IReadOnlyCollection<(string Scope, string Key)> SecretKeys => _secretValues.Keys;

    /// <summary>
    /// Whether the key holds a credential that is still valid: its value is a token or OAuth secret (plain, or as the
    /// <c>client_secret</c> of <c>store.format: json</c>, SecretScopeAccess.ClientCredentials) whose generation has not
    /// been revoked. False when the key is missing or holds anything else.
    /// </summary>
    public bool HoldsValidCredential(string scope, string key) =>
        _secretCredentials.TryGetValue((scope, key), out var credential) && IsLive(credential);

    private void PutSecretValue((string Scope, string Key) key, string value)
    {
        _secretValues[key] = value;
        _secretCredentials.Remove(key);
        var credential = value.StartsWith('{') ? ClientSecret(value) : value;
        if (credential is not null && CredentialSlotByValue.TryGetValue(credential, out var slot))
        {
            _secretCredentials[key] = (slot, _generation.GetValueOrDefault(slot));
        }
    }

    private void DeleteSecretValue((string Scope, string Key) key)
    {
        _secretValues.Remove(key);
        _secretCredentials.Remove(key);
    }

    private void CopySecretValuesTo(Estate copy)
    {
        foreach (var (k, v) in _secretValues) copy._secretValues[k] = v;
        foreach (var (k, v) in _secretCredentials) copy._secretCredentials[k] = v;
    }

    private static string? ClientSecret(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("client_secret", out var s) ? s.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
