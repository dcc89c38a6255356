using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// Turns config trees into a <see cref="TopologyModel"/>: shapes and vocabularies first, then every cross
/// reference. Every problem is recorded with its config path; nothing stops at the first error.
/// </summary>
internal sealed partial class TopologyBinder
{
    private static readonly Dictionary<string, IdentityLevel> Levels = new()
    {
        ["account"] = IdentityLevel.Account,
        ["workspace"] = IdentityLevel.Workspace,
    };

    private static readonly Dictionary<string, WorkspaceAccess> AccessValues = new()
    {
        ["none"] = WorkspaceAccess.None,
        ["user"] = WorkspaceAccess.User,
        ["admin"] = WorkspaceAccess.Admin,
    };

    private static readonly Dictionary<string, IdentitySource> Sources = new()
    {
        ["entra"] = IdentitySource.Entra,
    };

    private static readonly Dictionary<string, WebAppIdentityKind> IdentityKinds = new()
    {
        ["user-assigned"] = WebAppIdentityKind.UserAssigned,
        ["system-assigned"] = WebAppIdentityKind.SystemAssigned,
    };

    private static readonly Dictionary<string, ScopeBackend> Backends = new()
    {
        ["databricks"] = ScopeBackend.Databricks,
        ["azure-keyvault"] = ScopeBackend.AzureKeyVault,
    };

    private readonly NodeReader _r;
    private readonly Diagnostics _d;
    private readonly DateTimeOffset _now;
    private readonly IConfigKeyView? _keys;
    private readonly List<ExpiredMembership> _expired = [];

    private TopologyBinder(Diagnostics diagnostics, DateTimeOffset now, IConfigKeyView? keys)
    {
        _d = diagnostics;
        _r = new NodeReader(diagnostics);
        _now = now;
        _keys = keys;
    }

    public static TopologyModel Bind(StackConfigInput input, DateTimeOffset now, Diagnostics diagnostics)
    {
        var binder = new TopologyBinder(diagnostics, now.ToUniversalTime(), input.Keys);
        return binder.BindAll(input);
    }

    private TopologyModel BindAll(StackConfigInput input)
    {
        var account = BindAccount(input.Account);
        var policy = BindPolicy(input.Policy);
        var root = _r.Map(input.Topology, "topology", required: true) ?? new ConfigMap("topology", null, []);
        _r.AllowOnly(root, "resourceGroup", "protect", "webApps", "servicePrincipals", "groups", "secretScopes",
            "catalogGrants", "jobs", "authoritativeGrants", "tokenUsage", "builtinEntitlements");

        var defaultLevel = account is null ? IdentityLevel.Workspace : IdentityLevel.Account;
        var protect = _r.Bool(root, "protect") ?? false;
        var resourceGroup = BindResourceGroup(root["resourceGroup"]);
        var webApps = Dictionary(root, "webApps", "web app", (k, n) => BindWebApp(k, n, defaultLevel));
        var sps = Dictionary(root, "servicePrincipals", "service principal", (k, n) => BindServicePrincipal(k, n, defaultLevel));
        var groupNodes = Dictionary(root, "groups", "group", (k, n) => BindGroup(k, n, defaultLevel));
        var scopes = Dictionary(root, "secretScopes", "secret scope", BindScope);
        var grants = BindGrants(root["catalogGrants"]);
        var jobs = Dictionary(root, "jobs", "job", BindJob);

        if (webApps.Count > 0 && resourceGroup is null)
        {
            _d.Error("topology.resourceGroup", "is required when webApps are declared");
        }

        // Web apps join groups through their managed identity's service principal.
        var groups = AddWebAppMemberships(groupNodes, webApps);
        AddCredentialStores(scopes, sps);

        var model = new TopologyModel(resourceGroup, account, protect, webApps, sps, groups, scopes, grants, jobs,
            policy, _expired.OrderBy(e => e.Expires).ThenBy(e => e.Group, StringComparer.Ordinal).ToList(), _now)
        {
            Deployer = BindDeployer(input.Deployer),
            TokenUsage = BindTokenUsage(root, sps),
            AuthoritativeGrants = BindAuthoritativeGrants(root, grants),
            BuiltInEntitlements = _r.Bool(root, "builtinEntitlements") ?? false,
        };
        new ReferenceChecker(model, _d, _keys).Check();
        new OwnershipChecker(model, _d).Check();
        return model;
    }

    private SortedDictionary<string, T> Dictionary<T>(ConfigMap root, string key, string what, Func<string, ConfigNode, T?> bind)
        where T : class
    {
        var result = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach (var (k, _, node) in _r.Keyed(_r.Map(root[key], root.Child(key)), what))
        {
            var value = bind(k, node);
            if (value is not null)
            {
                result[k] = value;
            }
        }

        return result;
    }

    private DeployerSpec? BindDeployer(ConfigNode? node)
    {
        var map = _r.Map(node, "deployer");
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "applicationId", "automation");
        if (map["applicationId"] is null)
        {
            _d.Error(map.Child("applicationId"), "is required: the application id of the service principal that runs pulumi up");
        }

        var automation = new List<string>();
        foreach (var (text, path) in _r.Strings(map, "automation"))
        {
            if (!Guid.TryParse(text, out _))
            {
                _d.Error(path, $"'{text}' is not an application id (a UUID)");
            }
            else if (automation.Contains(text.ToLowerInvariant()))
            {
                _d.Error(path, $"'{text}' is listed twice");
            }
            else
            {
                automation.Add(text.ToLowerInvariant());
            }
        }

        return ApplicationId(map) is { } id ? new DeployerSpec(id, map.Path) { Automation = automation } : null;
    }

    /// <summary><c>tokenUsage: { canUse: [principals] }</c>; service principals with a token are added (they need CAN_USE).</summary>
    private TokenUsageSpec? BindTokenUsage(ConfigMap root, IReadOnlyDictionary<string, ServicePrincipalSpec> sps)
    {
        if (_r.Map(root["tokenUsage"], root.Child("tokenUsage")) is not { } map)
        {
            return null;
        }

        _r.AllowOnly(map, "canUse");
        var declared = new List<PrincipalRef>();
        foreach (var (text, path) in _r.Strings(map, "canUse"))
        {
            if (Parse(text, path) is { } p)
            {
                if (declared.Contains(p))
                {
                    _d.Error(path, $"{p} is listed twice");
                }
                else
                {
                    declared.Add(p);
                }
            }
        }

        var canUse = declared.Concat(sps.Values.Where(s => s.Token is not null).Select(s => s.Ref)).Distinct().Order().ToList();
        return new TokenUsageSpec(declared, canUse, map.Path);
    }

    /// <summary><c>authoritativeGrants: [&lt;kind&gt;:&lt;name&gt;]</c>: securables whose declared grants are the whole truth.</summary>
    private HashSet<Securable> BindAuthoritativeGrants(ConfigMap root, IReadOnlyList<CatalogGrantSpec> grants)
    {
        var result = new HashSet<Securable>();
        foreach (var (text, path) in _r.Strings(root, "authoritativeGrants"))
        {
            if (ParseSecurable(text, path) is not { } securable)
            {
                continue;
            }

            if (securable.Kind == SecurableKind.Metastore)
            {
                _d.Error(path, "the metastore cannot be authoritative: its grants reach every workspace on the metastore, which no one stack declares");
            }
            else if (!result.Add(securable))
            {
                _d.Error(path, $"{securable} is listed twice");
            }
            else if (!grants.Any(g => g.On == securable))
            {
                _d.Error(path, $"no grant on {securable} is declared: as the whole truth, it would revoke every grant on it");
            }
        }

        return result;
    }

    private AccountSpec? BindAccount(ConfigNode? node)
    {
        var map = _r.Map(node, "account");
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "id", "host", "workspaceId");
        var id = _r.String(map, "id", required: true);
        var host = _r.String(map, "host") ?? "https://accounts.azuredatabricks.net";
        var workspaceId = _r.String(map, "workspaceId", required: true);
        if (id is not null && !Guid.TryParse(id, out _))
        {
            _d.Error(map.Child("id"), $"'{id}' is not an account id (a UUID)");
        }

        // Plain http only for a loopback address: the audit's tests serve a fake account there.
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
        {
            _d.Error(map.Child("host"), $"'{host}' is not an https URL");
        }

        if (workspaceId is not null && !workspaceId.All(char.IsAsciiDigit))
        {
            _d.Error(map.Child("workspaceId"), $"'{workspaceId}' is not a numeric workspace id");
        }

        return id is null || workspaceId is null ? null : new AccountSpec(id.ToLowerInvariant(), host.TrimEnd('/'), workspaceId);
    }

    private PolicySpec BindPolicy(ConfigNode? node)
    {
        var strict = PolicySpec.Strict;
        var map = _r.Map(node, "policy");
        if (map is null)
        {
            return strict;
        }

        _r.AllowOnly(map, "maxExpiryDays", "maxAdminHours", "standingAdmins", "requireReason", "maxTokenLifetimeDays",
            "maxRotationDays", "allowAllUsersAcl", "exceptions");
        var standing = new HashSet<PrincipalRef>();
        foreach (var (text, path) in _r.Strings(map, "standingAdmins"))
        {
            if (Parse(text, path) is { } p)
            {
                standing.Add(p);
            }
        }

        var exceptions = new List<PolicyException>();
        var list = _r.List(map["exceptions"]);
        foreach (var item in list?.Items ?? [])
        {
            var e = _r.Map(item, item.Path);
            if (e is null)
            {
                continue;
            }

            _r.AllowOnly(e, "rule", "principal", "reason", "expires");
            var rule = _r.String(e, "rule", required: true);
            var principalText = _r.String(e, "principal", required: true);
            var reason = _r.String(e, "reason", required: true);
            var expires = _r.Instant(e, "expires", required: true);
            if (rule is not null && !Vocabulary.Rules.All.Contains(rule))
            {
                _d.Error(e.Child("rule"), $"'{rule}' is not a policy rule; rules: {string.Join(", ", Vocabulary.Rules.All)}");
                rule = null;
            }

            var principal = principalText is null ? null : Parse(principalText, e.Child("principal"));
            if (rule is null || principal is null || reason is null || expires is null)
            {
                continue;
            }

            if (expires <= _now)
            {
                _d.Warning(item.Path, $"exception to {rule} for {principal} expired at {Instants.Format(expires.Value)} and no longer applies");
                continue;
            }

            exceptions.Add(new PolicyException(rule, principal.Value, reason, expires.Value, item.Path));
        }

        return new PolicySpec(
            _r.Int(map, "maxExpiryDays", 1, 3650) ?? strict.MaxExpiryDays,
            _r.Int(map, "maxAdminHours", 1, 24 * 3650) ?? strict.MaxAdminHours,
            standing,
            _r.Bool(map, "requireReason") ?? strict.RequireReason,
            _r.Int(map, "maxTokenLifetimeDays", 1, 3650) ?? strict.MaxTokenLifetimeDays,
            _r.Int(map, "maxRotationDays", 1, 3650) ?? strict.MaxRotationDays,
            _r.Bool(map, "allowAllUsersAcl") ?? strict.AllowAllUsersAcl,
            exceptions);
    }

    private ResourceGroupSpec? BindResourceGroup(ConfigNode? node)
    {
        switch (node)
        {
            case null or ConfigScalar { Value: null }:
                return null;
            case ConfigScalar:
                var name = _r.String(node);
                return name is null ? null : CheckResourceGroupName(new ResourceGroupSpec(name, false, null), node.Path);
            default:
                var map = _r.Map(node, node.Path);
                if (map is null)
                {
                    return null;
                }

                _r.AllowOnly(map, "name", "existing", "location");
                var n = _r.String(map, "name", required: true);
                var existing = _r.Bool(map, "existing") ?? false;
                var location = _r.String(map, "location");
                return n is null ? null : CheckResourceGroupName(new ResourceGroupSpec(n, existing, location), map.Child("name"));
        }
    }

    private ResourceGroupSpec CheckResourceGroupName(ResourceGroupSpec spec, string path)
    {
        if (spec.Name.Length > 90 || !ResourceGroupName().IsMatch(spec.Name))
        {
            _d.Error(path, $"'{spec.Name}' is not a valid resource group name");
        }

        return spec;
    }

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
            var e = value.ToLowerInvariant();
            if (!Vocabulary.Entitlements.Contains(e))
            {
                _d.Error(path, $"'{value}' is not an entitlement; entitlements: {string.Join(", ", Vocabulary.Entitlements)}");
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

    private GroupSpec? BindGroup(string key, ConfigNode node, IdentityLevel defaultLevel)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "displayName", "existing", "source", "level", "workspaceAccess", "entitlements", "members");
        var source = BindSource(map);
        var builtIn = Names.IsBuiltInGroup(key);
        if (builtIn && source == IdentitySource.Managed)
        {
            _d.Error(map.Child("existing"), $"'{key}' is a built-in workspace group: it is looked up, never created or deleted; set existing: true");
            source = IdentitySource.Existing;
        }

        if (builtIn && map["level"] is not null)
        {
            _d.Error(map.Child("level"), $"'{key}' is a built-in workspace group; it has no level");
        }

        foreach (var ignored in builtIn ? (string[])["workspaceAccess", "displayName", "source"] : [])
        {
            if (map[ignored] is not null)
            {
                _d.Error(map.Child(ignored), $"'{key}' is a built-in workspace group; {ignored} does not apply to it and would be ignored");
            }
        }

        var (level, access) = builtIn ? (IdentityLevel.Workspace, WorkspaceAccess.User) : BindLevel(map, defaultLevel, "group", key);
        var entitlements = BindEntitlements(map);
        var members = new List<Membership>();
        var memberList = _r.List(map["members"]);
        if (memberList is not null && source == IdentitySource.Entra && memberList.Items.Count > 0)
        {
            _d.Error(memberList.Path, $"'{key}' is synced from Entra ID (source: entra) and immutable here: manage its members in Entra ID");
        }

        foreach (var item in memberList?.Items ?? [])
        {
            if (BindMembership(key, item) is { } m)
            {
                members.Add(m);
            }
        }

        return new GroupSpec(key, _r.DisplayName(map, "displayName") ?? key, source, level, access, entitlements, members, node.Path);
    }

    private Membership? BindMembership(string group, ConfigNode item)
    {
        string? principalText;
        string principalPath;
        DateTimeOffset? expires = null;
        string? reason = null;
        if (item is ConfigScalar)
        {
            principalText = _r.String(item);
            principalPath = item.Path;
        }
        else
        {
            var m = _r.Map(item, item.Path);
            if (m is null)
            {
                return null;
            }

            _r.AllowOnly(m, "principal", "expires", "reason");
            principalText = _r.String(m, "principal", required: true);
            principalPath = m.Child("principal");
            expires = _r.Instant(m, "expires");
            reason = _r.String(m, "reason");
        }

        if (principalText is null || Parse(principalText, principalPath) is not { } principal)
        {
            return null;
        }

        if (expires is { } e && e <= _now)
        {
            _expired.Add(new ExpiredMembership(group, principal, e, reason, item.Path));
            return null;
        }

        return new Membership(principal, expires, reason, item.Path);
    }

    private SecretScopeSpec? BindScope(string key, ConfigNode node)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "name", "backend", "keyVault", "acls", "secrets");
        var name = _r.String(map, "name") ?? key;
        if (name.Length > 128 || !ScopeName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
        {
            _d.Error(map.Child("name"), $"'{name}' is not a valid secret scope name (letters, digits, '-', '_', '.', no '..', at most 128)");
        }

        var backend = _r.Enum(map, "backend", Backends) ?? ScopeBackend.Databricks;
        KeyVaultSpec? keyVault = null;
        var kvMap = _r.Map(map["keyVault"], map.Child("keyVault"));
        if (backend == ScopeBackend.AzureKeyVault)
        {
            if (kvMap is null)
            {
                _d.Error(map.Child("keyVault"), "is required with backend: azure-keyvault ({ resourceId, dnsName })");
            }
            else
            {
                _r.AllowOnly(kvMap, "resourceId", "dnsName");
                var resourceId = _r.String(kvMap, "resourceId", required: true);
                var dns = _r.String(kvMap, "dnsName", required: true);
                if (resourceId is not null && !resourceId.Contains("/providers/Microsoft.KeyVault/vaults/", StringComparison.OrdinalIgnoreCase))
                {
                    _d.Error(kvMap.Child("resourceId"), $"'{resourceId}' is not a Key Vault resource id");
                }

                if (dns is not null && (!Uri.TryCreate(dns, UriKind.Absolute, out var u) || u.Scheme != Uri.UriSchemeHttps))
                {
                    _d.Error(kvMap.Child("dnsName"), $"'{dns}' is not the vault's https URI");
                }

                if (resourceId is not null && dns is not null)
                {
                    keyVault = new KeyVaultSpec(resourceId, dns);
                }
            }
        }
        else if (kvMap is not null)
        {
            _d.Error(map.Child("keyVault"), "applies only to backend: azure-keyvault");
        }

        var acls = new List<SecretAclSpec>();
        var seen = new Dictionary<PrincipalRef, string>();
        foreach (var (principalText, value) in _r.Map(map["acls"], map.Child("acls"))?.Entries ?? [])
        {
            if (Parse(principalText, value.Path) is not { } principal)
            {
                continue;
            }

            if (seen.TryGetValue(principal, out var first))
            {
                _d.Error(value.Path, $"duplicate ACL for {principal} (first at {first}); give each principal one permission");
                continue;
            }

            seen[principal] = value.Path;
            var permission = _r.String(value);
            if (permission is null)
            {
                continue;
            }

            if (!Vocabulary.SecretPermissions.TryGetValue(permission, out var p))
            {
                _d.Error(value.Path, $"'{permission}' is not a secret permission; use READ, WRITE or MANAGE");
                continue;
            }

            acls.Add(new SecretAclSpec(principal, p, value.Path));
        }

        var secrets = new List<SecretSpec>();
        foreach (var (secretKey, _, secretNode) in _r.Keyed(_r.Map(map["secrets"], map.Child("secrets")), "secret"))
        {
            if (BindSecret(secretKey, secretNode) is { } s)
            {
                secrets.Add(s);
            }
        }

        if (backend == ScopeBackend.AzureKeyVault && secrets.Count > 0)
        {
            _d.Error(map.Child("secrets"), "secrets of an Azure Key Vault-backed scope live in Key Vault and cannot be written through Databricks");
        }

        return new SecretScopeSpec(key, name, backend, keyVault, acls.OrderBy(a => a.Principal).ToList(), secrets, node.Path);
    }

    private SecretSpec? BindSecret(string key, ConfigNode node)
    {
        if (node is ConfigScalar { Value: not null })
        {
            _d.Error(node.Path, "secret values must not be written in plain config; use { config: <secret config key> } or { generate: <length> }");
            return null;
        }

        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        if (map["value"] is not null)
        {
            _d.Error(map.Child("value"), "secret values must not be written in plain config; use { config: <secret config key> } and `pulumi config set --secret`");
            return null;
        }

        _r.AllowOnly(map, "config", "generate");
        var configKey = _r.String(map, "config");
        var length = map["generate"] is null ? null : _r.Int(map, "generate", 16, 128);
        if ((configKey is null) == (map["generate"] is null))
        {
            _d.Error(node.Path, "give exactly one of config (a secret stack config key) or generate (a length)");
            return null;
        }

        if (configKey is not null)
        {
            if (!ConfigKeyName().IsMatch(configKey))
            {
                _d.Error(map.Child("config"), $"'{configKey}' is not a config key of this project (letters, digits, '-', '_' and '.', at most 128)");
                return null;
            }

            return new SecretSpec(key, SecretSourceKind.Config, configKey, null, null, node.Path);
        }

        return length is null ? null : new SecretSpec(key, SecretSourceKind.Generate, null, length, null, node.Path);
    }

    private List<CatalogGrantSpec> BindGrants(ConfigNode? node)
    {
        var result = new List<CatalogGrantSpec>();
        foreach (var item in _r.List(node)?.Items ?? [])
        {
            var map = _r.Map(item, item.Path);
            if (map is null)
            {
                continue;
            }

            _r.AllowOnly(map, "on", "to", "privileges");
            var on = _r.String(map, "on", required: true);
            var to = _r.String(map, "to", required: true);
            var securable = on is null ? null : ParseSecurable(on, map.Child("on"));
            var principal = to is null ? null : Parse(to, map.Child("to"));
            var privileges = new List<string>();
            var seenPrivileges = new HashSet<string>(StringComparer.Ordinal);
            var privilegeItems = _r.Strings(map, "privileges");
            if (privilegeItems.Count == 0)
            {
                _d.Error(map.Child("privileges"), "at least one privilege is required");
            }

            foreach (var (text, path) in privilegeItems)
            {
                var privilege = text.ToUpperInvariant().Replace(' ', '_');
                if (securable is not null && !Vocabulary.Privileges[securable.Kind].Contains(privilege))
                {
                    var known = Vocabulary.Privileges.Values.Any(s => s.Contains(privilege));
                    _d.Error(path, known
                        ? $"privilege '{text}' does not apply to a {Securable.Prefix(securable.Kind)}; it takes: {string.Join(", ", Vocabulary.Privileges[securable.Kind].Order(StringComparer.Ordinal))}"
                        : $"'{text}' is not a Unity Catalog privilege");
                }
                else if (!seenPrivileges.Add(privilege))
                {
                    _d.Error(path, $"duplicate privilege '{text}'");
                }
                else
                {
                    privileges.Add(privilege);
                }
            }

            if (securable is not null && principal is not null && privileges.Count > 0)
            {
                result.Add(new CatalogGrantSpec(securable, principal.Value, privileges, item.Path));
            }
        }

        return result;
    }

    private Securable? ParseSecurable(string text, string path)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kindText = colon < 0 ? text : text[..colon];
        var name = colon < 0 ? string.Empty : text[(colon + 1)..].Trim();
        if (!Vocabulary.SecurableKinds.TryGetValue(kindText.Trim(), out var kind))
        {
            _d.Error(path, $"'{text}' is not a securable; expected <kind>:<name> with kind one of {string.Join(", ", Vocabulary.SecurableKinds.Keys)}");
            return null;
        }

        var parts = Vocabulary.NameParts(kind);
        var actual = name.Length == 0 ? 0 : name.Split('.').Length;
        if (actual != parts || name.Split('.').Any(p => parts > 0 && p.Length == 0))
        {
            _d.Error(path, parts == 0
                ? $"'{text}': the metastore takes no name"
                : $"'{text}': a {kindText} name has {parts} dot-separated part(s)");
            return null;
        }

        if (parts > 0 && !name.Split('.').All(Names.IsCatalogNamePart))
        {
            _d.Error(path, $"'{text}': Unity Catalog names may not hold spaces, '/', ':', '<', '>', backticks or control characters, and have at most 255 characters per part");
            return null;
        }

        return new Securable(kind, kind is SecurableKind.ExternalLocation or SecurableKind.StorageCredential ? name : name.ToLowerInvariant());
    }

    private JobSpec? BindJob(string key, ConfigNode node)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "name", "notebook", "runAs", "canView", "canManageRun", "canManage", "schedule");
        var notebook = _r.String(map, "notebook", required: true);
        if (notebook is not null && !Names.IsWorkspacePath(notebook))
        {
            _d.Error(map.Child("notebook"), $"'{notebook}' must be an absolute workspace path such as /Shared/etl/nightly (no '.' or '..' parts)");
        }

        var runAsText = _r.String(map, "runAs", required: true);
        var runAs = runAsText is null ? null : Parse(runAsText, map.Child("runAs"));
        if (runAs is { Kind: PrincipalKind.Group })
        {
            _d.Error(map.Child("runAs"), "a job runs as a user or a service principal, not a group");
        }

        JobScheduleSpec? schedule = null;
        if (_r.Map(map["schedule"], map.Child("schedule")) is { } s)
        {
            _r.AllowOnly(s, "cron", "timezone");
            var cron = _r.String(s, "cron", required: true);
            if (cron is not null && cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is < 6 or > 7)
            {
                _d.Error(s.Child("cron"), $"'{cron}' is not a Quartz cron expression (6 or 7 fields, seconds first)");
            }

            schedule = cron is null ? null : new JobScheduleSpec(cron, _r.String(s, "timezone") ?? "UTC");
        }

        var seen = new HashSet<PrincipalRef>();
        List<PrincipalRef> Refs(string k)
        {
            var refs = new List<PrincipalRef>();
            foreach (var (text, path) in _r.Strings(map, k))
            {
                if (Parse(text, path) is { } p)
                {
                    if (!seen.Add(p))
                    {
                        _d.Error(path, $"{p} is given more than one permission on this job");
                    }
                    else
                    {
                        refs.Add(p);
                    }
                }
            }

            return refs;
        }

        var view = Refs("canView");
        var manageRun = Refs("canManageRun");
        var manage = Refs("canManage");
        if (notebook is null || runAs is null)
        {
            return null;
        }

        return new JobSpec(key, _r.DisplayName(map, "name") ?? key, notebook, runAs.Value, view, manageRun, manage, schedule, node.Path);
    }

    private SortedDictionary<string, GroupSpec> AddWebAppMemberships(SortedDictionary<string, GroupSpec> groups, IReadOnlyDictionary<string, WebAppSpec> webApps)
    {
        var extra = new Dictionary<string, List<Membership>>();
        foreach (var app in webApps.Values)
        {
            for (var i = 0; i < app.Groups.Count; i++)
            {
                var g = app.Groups[i];
                var path = $"{app.Path}.groups[{i}]";
                if (!groups.ContainsKey(g))
                {
                    _d.Error(path, $"group '{g}' is not declared in topology.groups");
                    continue;
                }

                if (!extra.TryGetValue(g, out var list))
                {
                    extra[g] = list = [];
                }

                list.Add(new Membership(app.Ref, null, null, path));
            }
        }

        foreach (var (g, list) in extra)
        {
            var group = groups[g];
            if (group.Source == IdentitySource.Entra)
            {
                foreach (var m in list)
                {
                    _d.Error(m.Path, $"'{g}' is synced from Entra ID (source: entra) and immutable here: it cannot take members");
                }

                continue;
            }

            groups[g] = group with { Members = [.. group.Members, .. list] };
        }

        return groups;
    }

    /// <summary>
    /// Each credential's <c>store</c> becomes a secret of that scope holding the current slot's value: a Databricks
    /// secret in a Databricks-backed scope, a Key Vault secret in the vault behind a Key Vault-backed one.
    /// </summary>
    private void AddCredentialStores(SortedDictionary<string, SecretScopeSpec> scopes, IReadOnlyDictionary<string, ServicePrincipalSpec> sps)
    {
        // Per scope: its secrets by key, and the credential secrets to add; each scope is rebuilt once (not per store).
        var added = new Dictionary<string, (Dictionary<string, string> Keys, List<SecretSpec> Secrets)>(StringComparer.Ordinal);
        foreach (var sp in sps.Values)
        {
            foreach (var credential in sp.Credentials)
            {
                if (credential.Store is not { } store)
                {
                    continue;
                }

                var path = $"{credential.Path}.store";
                if (!scopes.TryGetValue(store.Scope, out var scope))
                {
                    _d.Error(path, $"secret scope '{store.Scope}' is not declared in topology.secretScopes");
                    continue;
                }

                if (scope.Backend == ScopeBackend.AzureKeyVault && !KeyVaultSecretName().IsMatch(store.Key))
                {
                    _d.Error(path, $"'{store.Key}' is not a Key Vault secret name (1-127 letters, digits and '-'); scope '{store.Scope}' is Key Vault-backed");
                    continue;
                }

                if (scope.Backend == ScopeBackend.Databricks && !SecretKey().IsMatch(store.Key))
                {
                    _d.Error(path, $"'{store.Key}' is not a Databricks secret key (1-128 letters, digits, '-', '_' and '.')");
                    continue;
                }

                if (!added.TryGetValue(store.Scope, out var entry))
                {
                    added[store.Scope] = entry = (scope.Secrets.ToDictionary(x => x.Key, x => x.Path, StringComparer.OrdinalIgnoreCase), []);
                }

                if (!entry.Keys.TryAdd(store.Key, path))
                {
                    _d.Error(path, $"secret '{store.Key}' in scope '{store.Scope}' is already declared at {entry.Keys[store.Key]}");
                    continue;
                }

                var source = credential.Kind == CredentialKind.Token ? SecretSourceKind.Token : SecretSourceKind.OAuthSecret;
                entry.Secrets.Add(new SecretSpec(store.Key.ToLowerInvariant(), source, null, null, sp.Key, path));
            }
        }

        foreach (var (key, (_, secrets)) in added)
        {
            scopes[key] = scopes[key] with { Secrets = [.. scopes[key].Secrets, .. secrets] };
        }
    }

    private PrincipalRef? Parse(string text, string path)
    {
        if (PrincipalRef.TryParse(text, out var p, out var error))
        {
            return p;
        }

        _d.Error(path, error);
        return null;
    }

    [GeneratedRegex(@"^[-\w._()]*[-\w_()]$")]
    private static partial Regex ResourceGroupName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$")]
    private static partial Regex SiteName();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+$")]
    private static partial Regex ScopeName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ConfigKeyName();

    [GeneratedRegex("^[0-9A-Za-z-]{1,127}$")]
    private static partial Regex KeyVaultSecretName();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,128}$")]
    private static partial Regex SecretKey();
}
