namespace DatabricksAccess.Topology.Model;

public sealed record SecretLocation(string Scope, string Key)
{
    public override string ToString() => $"{Scope}/{Key}";
}

public enum CredentialKind
{
    /// <summary>A service principal's OAuth secret (<c>oauthSecret</c>).</summary>
    OAuthSecret,

    /// <summary>An on-behalf-of token of a service principal (<c>token</c>).</summary>
    Token,
}

/// <summary>
/// A rotated credential of a service principal: two slots, one renewed at each rotation, each living
/// <see cref="RotationDays"/> + <see cref="OverlapDays"/>, so the previous one stays valid for the overlap.
/// </summary>
/// <param name="LifetimePath">The config path that set the lifetime (where a lifetime policy is reported).</param>
public sealed record CredentialSpec(CredentialKind Kind, int RotationDays, int OverlapDays, SecretLocation? Store, string? Comment, string Path, string LifetimePath)
{
    /// <summary>How <see cref="Store"/> holds the value (<c>store.format</c>): the bare credential, or JSON with the client id.</summary>
    public StoreFormat StoreFormat { get; init; }

    public int LifetimeDays => RotationDays + OverlapDays;

    /// <summary>As plans and reports name the kind: <c>oauth-secret</c> or <c>token</c>.</summary>
    public string KindName => Name(Kind);

    public static string Name(CredentialKind kind) => kind == CredentialKind.OAuthSecret ? "oauth-secret" : "token";

    /// <summary>The config key it is declared under.</summary>
    public static string ConfigKey(CredentialKind kind) => kind == CredentialKind.OAuthSecret ? "oauthSecret" : "token";
}

/// <summary>How a credential is written into its store.</summary>
public enum StoreFormat
{
    /// <summary>The current slot's value as it is.</summary>
    Value,

    /// <summary><c>{"client_id": "&lt;applicationId&gt;", "client_secret": "&lt;current slot&gt;"}</c> (OAuth secrets only).</summary>
    Json,
}
