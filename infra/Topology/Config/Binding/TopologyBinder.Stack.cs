using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>The stack-wide sections: deployer, token usage, authoritative grants, account, policy, resource group.</summary>
internal sealed partial class TopologyBinder
{
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

    /// <summary>
    /// <c>intendedMigrations: [&lt;kind&gt;:&lt;name&gt;]</c>: securables whose <c>authoritativeGrants</c> toggle the head intends to
    /// apply in one step (accepting the revocation <c>diff</c> describes) instead of the safe two-step procedure.
    /// </summary>
    private HashSet<Securable> BindIntendedMigrations(ConfigMap root)
    {
        var result = new HashSet<Securable>();
        foreach (var (text, path) in _r.Strings(root, "intendedMigrations"))
        {
            if (ParseSecurable(text, path) is { } securable)
            {
                result.Add(securable);
            }
        }

        return result;
    }

    /// <summary><c>tokenPolicy: { maxLifetimeDays }</c>: the workspace conf <c>maxTokenLifetimeDays</c> (opt-in, authoritative).</summary>
    private TokenPolicySpec? BindTokenPolicy(ConfigMap root)
    {
        if (_r.Map(root["tokenPolicy"], root.Child("tokenPolicy")) is not { } map)
        {
            return null;
        }

        _r.AllowOnly(map, "maxLifetimeDays");
        // A whole number of days, in the range the other policy keys accept.
        // The workspace conf maxTokenLifetimeDays takes 1 to 730 days ("maxTokenLifetimeDays ... between 1 and 730",
        // [fact: workspace-conf-patch]).
        return _r.Int(map, "maxLifetimeDays", 1, 730, required: true) is { } days ? new TokenPolicySpec(days, map.Path) : null;
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
}
