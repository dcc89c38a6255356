using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Principals: levels, entitlements, web apps, service principals and their credentials.</summary>
internal sealed partial class TopologyBinder
{
    private (IdentityLevel Level, WorkspaceAccess Access) BindLevel(ConfigMap map, IdentityLevel defaultLevel, string what, string key)
    {
        var level = _r.Enum(map, "level", Levels) ?? defaultLevel;
        var access = _r.Enum(map, "workspaceAccess", AccessValues);
        if (level == IdentityLevel.Account && defaultLevel == IdentityLevel.Workspace)
        {
            _d.Error(map.Child("level"), "account-level identities need databricks-access:account (id, host, workspaceId)");
        }

        if (level == IdentityLevel.Workspace && access is not null)
        {
            _d.Error(map.Child("workspaceAccess"), "workspaceAccess applies to account-level identities only (workspace-local identities live in the workspace)");
        }

        if (level == IdentityLevel.Workspace && defaultLevel == IdentityLevel.Account && !Names.IsBuiltInGroup(key))
        {
            _d.Warning(map.Path, $"{what} '{key}' is workspace-local (legacy): it cannot receive Unity Catalog grants or span workspaces; prefer level: account");
        }

        return (level, level == IdentityLevel.Workspace ? WorkspaceAccess.User : access ?? WorkspaceAccess.User);
    }

    private IReadOnlyList<string> BindEntitlements(ConfigMap map)
    {
        if (map["entitlements"] is null)
        {
            return Array.Empty<string>();
        }

        var result = new List<string>();
        foreach (var (value, path) in _r.Strings(map, "entitlements"))
        {
            var e = value;
            if (!Vocabulary.Entitlements.Contains(e))
            {
                _d.Error(path, $"'{value}' is not an entitlement; entitlements: {string.Join(", ", Vocabulary.Entitlements)}{Suggest.Hint(value, Vocabulary.Entitlements)}");
            }
            else if (result.Contains(e))
            {
                _d.Error(path, $"duplicate entitlement '{value}'");
            }
            else
            {
                result.Add(e);
            }
        }

        if (result.Contains("workspace-consume") && result.Intersect(Vocabulary.ConsumeConflicts).ToList() is { Count: > 0 } conflicts)
        {
            // workspace_consume ConflictsWith workspace_access and databricks_sql_access [fact: scim-entitlement-vocabulary].
            _d.Error(map.Child("entitlements"), $"workspace-consume cannot be given with {string.Join(" or ", conflicts)} (the provider refuses both at once)");
        }

        return result;
    }

    private WebAppSpec? BindWebApp(string key, ConfigNode node, IdentityLevel defaultLevel)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "name", "sku", "location", "identity", "applicationId", "groups", "entitlements", "level", "workspaceAccess", "runtime");
        var name = _r.String(map, "name") ?? key;
        if (name.Length > 60 || !SiteName().IsMatch(name))
        {
            _d.Error(map.Child("name"), $"'{name}' is not a valid web app name (2-60 letters, digits and '-', globally unique)");
        }

        var sku = _r.String(map, "sku") ?? "P1v2";
        if (!Vocabulary.AppServiceTiers.ContainsKey(sku))
        {
            _d.Error(map.Child("sku"), $"'{sku}' is not a supported App Service plan SKU; supported: {string.Join(", ", Vocabulary.AppServiceTiers.Keys)}");
        }

        var identity = _r.Enum(map, "identity", IdentityKinds) ?? WebAppIdentityKind.UserAssigned;
        var applicationId = ApplicationId(map);
        if (identity == WebAppIdentityKind.SystemAssigned && applicationId is null)
        {
            _d.Error(map.Child("applicationId"), "is required with identity: system-assigned (the identity's application id, known only after the web app exists)");
        }

        if (identity == WebAppIdentityKind.UserAssigned && applicationId is not null)
        {
            _d.Error(map.Child("applicationId"), "applies only to identity: system-assigned; a user-assigned identity's client id is used");
        }

        var (level, access) = BindLevel(map, defaultLevel, "web app", key);
        var groups = new List<string>();
        var seenGroups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (g, path) in _r.Strings(map, "groups"))
        {
            var gk = g.ToLowerInvariant();
            if (!seenGroups.Add(gk))
            {
                _d.Error(path, $"duplicate group '{g}'");
            }
            else
            {
                groups.Add(gk);
            }
        }

        return new WebAppSpec(key, name, Vocabulary.AppServiceTiers.Keys.FirstOrDefault(k => k.Equals(sku, StringComparison.OrdinalIgnoreCase)) ?? sku,
            _r.String(map, "location"), identity, applicationId, level, access, BindEntitlements(map), groups, node.Path)
        {
            Runtime = BindRuntime(map),
        };
    }

    /// <summary><c>runtime</c>: one of the App Service on Linux runtimes (<c>STACK|VERSION</c>); the stack name in any case.</summary>
    private string BindRuntime(ConfigMap map)
    {
        if (_r.String(map, "runtime") is not { } runtime)
        {
            return Vocabulary.DefaultRuntime;
        }

        var known = Vocabulary.WebAppRuntimes.FirstOrDefault(r => r.Equals(runtime, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            _d.Error(map.Child("runtime"), $"'{NodeReader.Shorten(runtime)}' is not an App Service runtime; runtimes: {string.Join(", ", Vocabulary.WebAppRuntimes)}");
            return Vocabulary.DefaultRuntime;
        }

        return known;
    }

    private string? ApplicationId(ConfigMap map)
    {
        var id = _r.String(map, "applicationId");
        if (id is not null && !Guid.TryParse(id, out _))
        {
            _d.Error(map.Child("applicationId"), $"'{id}' is not an application id (a UUID)");
            return null;
        }

        return id?.ToLowerInvariant();
    }

    private IdentitySource BindSource(ConfigMap map)
    {
        var source = _r.Enum(map, "source", Sources);
        var existing = _r.Bool(map, "existing") ?? false;
        return source ?? (existing ? IdentitySource.Existing : IdentitySource.Managed);
    }

    private ServicePrincipalSpec? BindServicePrincipal(string key, ConfigNode node, IdentityLevel defaultLevel)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "displayName", "applicationId", "existing", "source", "level", "workspaceAccess", "entitlements", "oauthSecret", "token",
            "accountRoles", "managers");
        var source = BindSource(map);
        var applicationId = ApplicationId(map);
        if (source != IdentitySource.Managed && applicationId is null)
        {
            _d.Error(map.Child("applicationId"), "is required for a service principal that is looked up (existing or source: entra)");
        }

        var (level, access) = BindLevel(map, defaultLevel, "service principal", key);
        var oauth = BindCredential(map, CredentialKind.OAuthSecret);
        var token = BindCredential(map, CredentialKind.Token);
        if (source != IdentitySource.Managed && (oauth is not null || token is not null))
        {
            // Credentials of a looked-up principal belong to whoever owns it.
            _d.Error(map.Path, "a looked-up service principal (existing or source: entra) cannot have oauthSecret or token managed here");
        }

        var accountRoles = BindAccountRoles(map, level);
        var managers = new List<PrincipalRef>();
        var managerPaths = new List<string>();
        foreach (var (text, path) in _r.Strings(map, "managers"))
        {
            if (Parse(text, path) is not { } p)
            {
                continue;
            }

            if (managers.Contains(p))
            {
                _d.Error(path, $"{p} is listed twice");
            }
            else if (p.IsAllUsers)
            {
                _d.Error(path, $"{p} is everyone: managing a service principal lets them mint its secrets and act as it");
            }
            else
            {
                managers.Add(p);
                managerPaths.Add(path);
            }
        }

        if (managers.Count > 0 && source != IdentitySource.Managed)
        {
            // The rule set is written whole: on a principal owned elsewhere it would wipe the owner's rules.
            _d.Error(map.Child("managers"), "applies only to a service principal this stack creates: its rule set is written as a whole");
        }

        return new ServicePrincipalSpec(key, _r.DisplayName(map, "displayName") ?? key, applicationId, source, level, access,
            BindEntitlements(map), oauth, token, node.Path)
        {
            AccountRoles = accountRoles,
            Managers = managers,
            ManagerPaths = managerPaths,
        };
    }

    /// <summary><c>accountRoles: [account_admin]</c>: an explicit opt-in, only for account-level service principals.</summary>
    private List<string> BindAccountRoles(ConfigMap map, IdentityLevel level)
    {
        var roles = new List<string>();
        foreach (var (text, path) in _r.Strings(map, "accountRoles"))
        {
            var role = text.ToLowerInvariant();
            if (!Vocabulary.AccountRoles.Contains(role))
            {
                _d.Error(path, $"'{NodeReader.Shorten(text)}' is not an account role; roles: {string.Join(", ", Vocabulary.AccountRoles)}");
            }
            else if (roles.Contains(role))
            {
                _d.Error(path, $"'{role}' is listed twice");
            }
            else
            {
                roles.Add(role);
            }
        }

        if (roles.Count > 0 && level != IdentityLevel.Account)
        {
            _d.Error(map.Child("accountRoles"), "account roles apply to account-level service principals only (level: account)");
        }

        return roles;
    }

    /// <summary>
    /// <c>{ rotationDays, overlapDays, lifetimeDays, store }</c> (+ <c>comment</c> for tokens). A credential lives exactly
    /// rotationDays + overlapDays; overlapDays defaults to 7, or to lifetimeDays - rotationDays for stack files written
    /// with a lifetime; with both, the lifetime must equal the sum. Always 0 &lt; overlapDays &lt; rotationDays.
    /// </summary>
    private CredentialSpec? BindCredential(ConfigMap sp, CredentialKind kind)
    {
        var key = CredentialSpec.ConfigKey(kind);
        if (_r.Map(sp[key], sp.Child(key)) is not { } map)
        {
            return null;
        }

        if (kind == CredentialKind.Token)
        {
            _r.AllowOnly(map, "rotationDays", "overlapDays", "lifetimeDays", "store", "comment");
        }
        else
        {
            _r.AllowOnly(map, "rotationDays", "overlapDays", "lifetimeDays", "store");
        }

        var rotation = _r.Int(map, "rotationDays", 1, 730, required: true);
        var overlap = _r.Int(map, "overlapDays", 0, 730);
        var lifetime = _r.Int(map, "lifetimeDays", 1, 1460);
        var store = BindStore(map, kind);
        if (rotation is not { } r)
        {
            return null;
        }

        string overlapPath;
        int o;
        if (overlap is { } given)
        {
            (o, overlapPath) = (given, map.Child("overlapDays"));
            if (lifetime is { } l && l != r + given)
            {
                _d.Error(map.Child("lifetimeDays"), $"a credential lives exactly rotationDays + overlapDays ({r} + {given} = {r + given} days), not {l}; drop lifetimeDays or make it {r + given}");
                return null;
            }
        }
        else if (lifetime is { } l)
        {
            (o, overlapPath) = (l - r, map.Child("lifetimeDays"));
        }
        else
        {
            (o, overlapPath) = (7, map.Child("rotationDays"));
        }

        if (o <= 0 || o >= r)
        {
            var what = overlap is not null ? $"overlapDays {o}"
                : lifetime is not null ? $"lifetimeDays {lifetime} gives an overlap of {o} days, which"
                : "the default overlap of 7 days";
            _d.Error(overlapPath, $"{what} must be more than 0 and less than rotationDays ({r}): the previous credential must stay valid after each rotation, and not past the next one");
            return null;
        }

        var lifetimePath = lifetime is not null ? map.Child("lifetimeDays") : overlap is not null ? map.Child("overlapDays") : map.Child("rotationDays");
        return new CredentialSpec(kind, r, o, store?.Location, kind == CredentialKind.Token ? _r.String(map, "comment") : null, map.Path, lifetimePath)
        {
            StoreFormat = store?.Format ?? StoreFormat.Value,
        };
    }

    private static readonly Dictionary<string, StoreFormat> StoreFormats = new()
    {
        ["value"] = StoreFormat.Value,
        ["json"] = StoreFormat.Json,
    };

    /// <summary>
    /// <c>store: &lt;scope&gt;/&lt;key&gt;</c>, or <c>store: { secret: &lt;scope&gt;/&lt;key&gt;, format: value | json }</c>; json
    /// (OAuth secrets only) stores <c>{"client_id": …, "client_secret": …}</c>.
    /// </summary>
    private (SecretLocation Location, StoreFormat Format)? BindStore(ConfigMap credential, CredentialKind kind)
    {
        var node = credential["store"];
        if (node is ConfigMap)
        {
            var map = _r.Map(node, credential.Child("store"))!;
            _r.AllowOnly(map, "secret", "format");
            var format = _r.Enum(map, "format", StoreFormats) ?? StoreFormat.Value;
            if (format == StoreFormat.Json && kind != CredentialKind.OAuthSecret)
            {
                _d.Error(map.Child("format"), "format: json holds an OAuth client id and secret; it applies to oauthSecret.store only");
            }

            return _r.String(map, "secret", required: true) is { } text && Location(text, map, "secret") is { } at ? (at, format) : null;
        }

        return _r.String(credential, "store") is { } s && Location(s, credential, "store") is { } location ? (location, StoreFormat.Value) : null;
    }

    /// <summary><c>&lt;scope&gt;/&lt;key&gt;</c>, the value of <paramref name="key"/> in <paramref name="map"/>.</summary>
    private SecretLocation? Location(string s, ConfigMap map, string key)
    {
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == s.Length - 1 || s.IndexOf('/', slash + 1) >= 0)
        {
            _d.Error(map.Child(key), $"'{s}' must be <scope>/<secret key>");
            return null;
        }

        return new SecretLocation(s[..slash].ToLowerInvariant(), s[(slash + 1)..]);
    }
}
