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

        return result;
    }

    private WebAppSpec? BindWebApp(string key, ConfigNode node, IdentityLevel defaultLevel)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "name", "sku", "location", "identity", "applicationId", "groups", "entitlements", "level", "workspaceAccess");
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
            _r.String(map, "location"), identity, applicationId, level, access, BindEntitlements(map), groups, node.Path);
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

        _r.AllowOnly(map, "displayName", "applicationId", "existing", "source", "level", "workspaceAccess", "entitlements", "oauthSecret", "token");
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

        return new ServicePrincipalSpec(key, _r.DisplayName(map, "displayName") ?? key, applicationId, source, level, access,
            BindEntitlements(map), oauth, token, node.Path);
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
        var store = BindStore(map);
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
        return new CredentialSpec(kind, r, o, store, kind == CredentialKind.Token ? _r.String(map, "comment") : null, map.Path, lifetimePath);
    }

    private SecretLocation? BindStore(ConfigMap credential)
    {
        if (_r.String(credential, "store") is not { } s)
        {
            return null;
        }

        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == s.Length - 1 || s.IndexOf('/', slash + 1) >= 0)
        {
            _d.Error(credential.Child("store"), $"'{s}' must be <scope>/<secret key>");
            return null;
        }

        return new SecretLocation(s[..slash].ToLowerInvariant(), s[(slash + 1)..]);
    }
}
