using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Groups and their (time-bound) memberships, and the groups a web app's identity joins.</summary>
internal sealed partial class TopologyBinder
{
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
        string? managedBy = null;
        if (map["members"] is ConfigMap delegated)
        {
            // members: { managedBy: <broker> }: a just-in-time broker grants and revokes the members.
            _r.AllowOnly(delegated, "managedBy");
            managedBy = _r.String(delegated, "managedBy", required: true);
            if (managedBy is not null && !Names.IsKey(managedBy))
            {
                _d.Error(delegated.Child("managedBy"), $"'{NodeReader.Shorten(managedBy)}' is not a broker name (letters, digits, '-', '_' and '.')");
                managedBy = null;
            }

            if (source == IdentitySource.Entra)
            {
                _d.Error(delegated.Path, $"'{key}' is synced from Entra ID (source: entra) and immutable here: its members come from Entra ID, not a broker");
                managedBy = null;
            }

            if (builtIn)
            {
                _d.Error(delegated.Path, $"'{key}' is a built-in workspace group: its members cannot be delegated to a broker");
                managedBy = null;
            }

            return new GroupSpec(key, _r.DisplayName(map, "displayName") ?? key, source, level, access, entitlements, members, node.Path)
            {
                MembersManagedBy = managedBy,
            };
        }

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
        DateTimeOffset? starts = null;
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

            _r.AllowOnly(m, "principal", "starts", "expires", "reason");
            principalText = _r.String(m, "principal", required: true);
            principalPath = m.Child("principal");
            starts = _r.Instant(m, "starts");
            expires = _r.Instant(m, "expires");
            reason = _r.String(m, "reason");
            if (starts is not null && m["expires"] is null)
            {
                _d.Error(m.Child("starts"), "a start time is for time-bound access: give expires too");
                return null;
            }

            if (starts is { } s0 && expires is { } e0 && s0 >= e0)
            {
                _d.Error(m.Child("starts"), $"starts {Instants.Format(s0)} is not before expires {Instants.Format(e0)}");
                return null;
            }
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

        if (starts is { } s && s > _now)
        {
            // Not a member yet: the plan leaves it out until it starts; the first up at or after then adds it.
            _pending.Add(new PendingMembership(group, principal, s, expires!.Value, reason, item.Path));
            return null;
        }

        return new Membership(principal, expires, reason, item.Path) { Starts = starts };
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

                extra.GetOrAdd(g).Add(new Membership(app.Ref, null, null, path));
            }
        }

        foreach (var (g, list) in extra)
        {
            var group = groups[g];
            if (group.MembersManagedBy is { } broker)
            {
                foreach (var m in list)
                {
                    _d.Error(m.Path, $"'{g}' has its members granted by {broker} (members.managedBy): the stack declares none of them");
                }

                continue;
            }

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
}
