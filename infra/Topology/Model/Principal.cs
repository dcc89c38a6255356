namespace DatabricksAccess.Topology.Model;

public enum PrincipalKind
{
    User,
    Group,
    ServicePrincipal,
    WebApp,
}

/// <summary>
/// A principal as config names it: <c>user:&lt;email&gt;</c>, <c>group:&lt;key&gt;</c>, <c>sp:&lt;key&gt;</c>,
/// <c>webapp:&lt;key&gt;</c>. Keys and emails are normalised to lower case, so references compare by value.
/// </summary>
public readonly record struct PrincipalRef(PrincipalKind Kind, string Key) : IComparable<PrincipalRef>
{
    public static string Prefix(PrincipalKind kind) => kind switch
    {
        PrincipalKind.User => "user",
        PrincipalKind.Group => "group",
        PrincipalKind.ServicePrincipal => "sp",
        PrincipalKind.WebApp => "webapp",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static PrincipalRef User(string email) => new(PrincipalKind.User, email.ToLowerInvariant());

    public static PrincipalRef Group(string key) => new(PrincipalKind.Group, key.ToLowerInvariant());

    public static PrincipalRef Sp(string key) => new(PrincipalKind.ServicePrincipal, key.ToLowerInvariant());

    public static PrincipalRef WebApp(string key) => new(PrincipalKind.WebApp, key.ToLowerInvariant());

    /// <summary>Service principals and web app identities are both Databricks service principals.</summary>
    public bool IsServicePrincipal => Kind is PrincipalKind.ServicePrincipal or PrincipalKind.WebApp;

    public bool IsHuman => Kind == PrincipalKind.User;

    public override string ToString() => $"{Prefix(Kind)}:{Key}";

    /// <summary>A fragment for resource names: stable, readable, free of ':' and spaces.</summary>
    public string NameFragment => $"{Prefix(Kind)}-{Key.Replace(' ', '-')}";

    /// <summary>The account-wide all-users group of Unity Catalog (<c>account users</c>).</summary>
    public bool IsAccountUsers => Kind == PrincipalKind.Group && Key == Names.AccountUsersGroup;

    /// <summary>Everyone: the workspace's <c>users</c> group or Unity Catalog's <c>account users</c>.</summary>
    public bool IsAllUsers => Kind == PrincipalKind.Group && Key is Names.UsersGroup or Names.AccountUsersGroup;

    public int CompareTo(PrincipalRef other)
    {
        var c = ((int)Kind).CompareTo((int)other.Kind); // as ints: Enum.CompareTo(object) boxes
        return c != 0 ? c : string.CompareOrdinal(Key, other.Key);
    }

    public static bool TryParse(string? text, out PrincipalRef principal, out string error)
    {
        principal = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "principal reference is empty; expected user:<email>, group:<key>, sp:<key> or webapp:<key>";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"'{text}' is not a principal reference; expected user:<email>, group:<key>, sp:<key> or webapp:<key>";
            return false;
        }

        var prefix = text[..colon].Trim().ToLowerInvariant();
        var key = text[(colon + 1)..].Trim();
        PrincipalKind? kind = prefix switch
        {
            "user" => PrincipalKind.User,
            "group" => PrincipalKind.Group,
            "sp" => PrincipalKind.ServicePrincipal,
            "webapp" => PrincipalKind.WebApp,
            _ => null,
        };
        if (kind is null)
        {
            error = $"'{text}' has unknown principal kind '{prefix}'; expected user, group, sp or webapp";
            return false;
        }

        if (kind == PrincipalKind.User && !Names.IsEmail(key))
        {
            error = $"'{text}' is not a valid user reference; expected user:<email>";
            return false;
        }

        if (kind == PrincipalKind.Group && string.Equals(key, Names.AccountUsersGroup, StringComparison.OrdinalIgnoreCase))
        {
            // Unity Catalog's built-in all-users principal; the only group name with a space.
            principal = new PrincipalRef(PrincipalKind.Group, Names.AccountUsersGroup);
            error = string.Empty;
            return true;
        }

        if (kind != PrincipalKind.User && !Names.IsKey(key))
        {
            error = $"'{text}' has an invalid key '{key}'; keys use letters, digits, '-', '_' and '.'";
            return false;
        }

        principal = new PrincipalRef(kind.Value, key.ToLowerInvariant());
        error = string.Empty;
        return true;
    }
}

public static class Names
{
    public const string AdminsGroup = "admins";
    public const string UsersGroup = "users";

    /// <summary>Unity Catalog's all-users principal (account level); it exists only as a grantee.</summary>
    public const string AccountUsersGroup = "account users";

    public static bool IsBuiltInGroup(string key) => key is AdminsGroup or UsersGroup;

    public static bool IsKey(string key) =>
        key.Length is > 0 and <= 100
        && char.IsAsciiLetterOrDigit(key[0])
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static bool IsEmail(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == text.LastIndexOf('@') && at < text.Length - 3
            && text.IndexOf('.', at) > at + 1 && !text.EndsWith('.')
            && !text.Any(char.IsWhiteSpace);
    }
}
