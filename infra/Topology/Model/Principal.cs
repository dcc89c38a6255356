using System.Text.RegularExpressions;

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
            error = $"'{text}' has unknown principal kind '{prefix}'; expected user, group, sp or webapp{Suggest.Hint(prefix, ["user", "group", "sp", "webapp"])}";
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

/// <summary>
/// What names from config may hold: only what Databricks, Azure and Pulumi accept (Pulumi URNs cannot hold "::",
/// Databricks secret keys are letters, digits, '-', '_' and '.'), and nothing that reads as markup or a path out.
/// </summary>
public static partial class Names
{
    public const string AdminsGroup = "admins";
    public const string UsersGroup = "users";

    public const int MaxDisplayName = 256;

    /// <summary>Unity Catalog's all-users principal (account level); it exists only as a grantee.</summary>
    public const string AccountUsersGroup = "account users";

    public static bool IsBuiltInGroup(string key) => key is AdminsGroup or UsersGroup;

    /// <summary>Config keys (groups, service principals, scopes, secrets, jobs, web apps): they become resource names.</summary>
    public static bool IsKey(string key) =>
        key.Length is > 0 and <= 100
        && char.IsAsciiLetterOrDigit(key[0])
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        && !key.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// A user name as Entra ID and Databricks take it: a local part of letters, digits and <c>' . - _ ! # ^ ~ +</c>
    /// (no leading, trailing or double dot; at most 64), '@', a DNS domain; at most 254 in all.
    /// </summary>
    public static bool IsEmail(string text) => text.Length <= 254 && Email().IsMatch(text) && text.IndexOf('@', StringComparison.Ordinal) <= 64;

    /// <summary>
    /// Display names (groups, service principals, jobs): at most <see cref="MaxDisplayName"/> characters, no line breaks,
    /// control or invisible formatting characters, no '&lt;', '&gt;' or backticks and no "::".
    /// </summary>
    public static string? DisplayNameProblem(string name)
    {
        if (name.Length > MaxDisplayName)
        {
            return $"is {name.Length} characters long; at most {MaxDisplayName}";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsSurrogatePair(name, i))
            {
                i++;
                continue;
            }

            if (char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                or System.Globalization.UnicodeCategory.Surrogate)
            {
                return "holds a line break, control or invisible character";
            }

            if (c is '<' or '>' or '`')
            {
                return $"holds '{c}', which names may not";
            }
        }

        return name.Contains("::", StringComparison.Ordinal) ? "holds '::', which names may not" : null;
    }

    /// <summary>An absolute workspace path: '/'-separated names, no '.' or '..' segment, no control characters.</summary>
    public static bool IsWorkspacePath(string path) =>
        path.Length is > 1 and <= 1024 && path.StartsWith('/')
        && path[1..].Split('/').All(s => s.Length > 0 && s is not ("." or "..") && !s.Any(char.IsControl));

    /// <summary>One part of a Unity Catalog name: no '.', space, '/', ':', backtick, control characters or DEL; at most 255.</summary>
    public static bool IsCatalogNamePart(string part) =>
        part.Length is > 0 and <= 255 && !part.Any(c => char.IsControl(c) || c is '.' or ' ' or '/' or ':' or '`' or '<' or '>');

    [GeneratedRegex(@"^[A-Za-z0-9'_!#^~+-]+(\.[A-Za-z0-9'_!#^~+-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$")]
    private static partial Regex Email();
}
