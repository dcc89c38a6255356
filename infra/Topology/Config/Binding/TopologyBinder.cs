using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Topology.Config;

/// <summary>
/// Turns config trees into a <see cref="TopologyModel"/>: shapes and vocabularies first, then every cross
/// reference. Every problem is recorded with its config path; nothing stops at the first error. One file per
/// section of the stack file (TopologyBinder.*.cs); this one holds the entry point and what the sections share.
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
    private readonly List<ExpiredMembership> _expired = [];
    private readonly List<PendingMembership> _pending = [];

    private TopologyBinder(Diagnostics diagnostics, DateTimeOffset now)
    {
        _d = diagnostics;
        _r = new NodeReader(diagnostics);
        _now = now;
    }

    public static TopologyModel Bind(StackConfigInput input, DateTimeOffset now, Diagnostics diagnostics)
    {
        var binder = new TopologyBinder(diagnostics, now.ToUniversalTime());
        return binder.BindAll(input);
    }

    private TopologyModel BindAll(StackConfigInput input)
    {
        var account = BindAccount(input.Account);
        var policy = BindPolicy(input.Policy);
        var root = _r.Map(input.Topology, "topology", required: true) ?? new ConfigMap("topology", null, []);
        _r.AllowOnly(root, "resourceGroup", "protect", "webApps", "servicePrincipals", "groups", "secretScopes",
            "catalogGrants", "jobs", "authoritativeGrants", "tokenUsage", "builtinEntitlements", "intendedMigrations", "tokenPolicy", "warehouses", "imports", "users");

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
            IntendedMigrations = BindIntendedMigrations(root),
            BuiltInEntitlements = _r.Bool(root, "builtinEntitlements") ?? false,
            Pending = [.. _pending.OrderBy(p => p.Starts).ThenBy(p => p.Group, StringComparer.Ordinal).ThenBy(p => p.Principal)],
            TokenPolicy = BindTokenPolicy(root),
            Warehouses = Dictionary(root, "warehouses", "warehouse", BindWarehouse),
            Users = BindUsers(root, account),
            ImportIds = ImportedResources.Pending(BindImports(root), input.ImportedResources ?? ImportedResources.None),
            ImportedResources = input.ImportedResources ?? ImportedResources.None,
            CredentialSchedule = input.CredentialSchedule ?? CredentialSchedule.Empty,
            EntitlementsHandover = input.EntitlementsHandover ?? EntitlementsHandover.Unknown,
        };
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

    /// <summary>The provider's validScope, <c>^[\w\.@_/-]{1,128}$</c> [fact: secret-scope] (Go's <c>\w</c> is ASCII:
    /// letters, digits, '_').</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_.@/-]{1,128}$")]
    private static partial Regex ScopeName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ConfigKeyName();

    [GeneratedRegex("^[0-9A-Za-z-]{1,127}$")]
    private static partial Regex KeyVaultSecretName();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,128}$")]
    private static partial Regex SecretKey();
}
