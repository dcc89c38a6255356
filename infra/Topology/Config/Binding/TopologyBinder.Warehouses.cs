using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Existing SQL warehouses and who may use or manage them.</summary>
internal sealed partial class TopologyBinder
{
    /// <summary>
    /// <c>warehouses.&lt;k&gt;: { id | name, canUse: [...], canManage: [...] }</c>. The permissions are authoritative for
    /// the warehouse's whole ACL, so at least one principal must be declared: an empty list would strip everyone.
    /// </summary>
    private WarehouseSpec? BindWarehouse(string key, ConfigNode node)
    {
        var map = _r.Map(node, node.Path);
        if (map is null)
        {
            return null;
        }

        _r.AllowOnly(map, "id", "name", "owner", "canUse", "canManage");
        var id = _r.String(map, "id");
        var name = _r.String(map, "name");
        if ((id is null) == (name is null))
        {
            _d.Error(map.Path, "give exactly one of id or name: the warehouse exists already and is looked up, never created");
        }

        if (id is not null && !(id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit)))
        {
            _d.Error(map.Child("id"), $"'{NodeReader.Shorten(id)}' is not a SQL warehouse id (letters and digits, as in /sql/warehouses/<id>)");
            id = null;
        }

        if (name is not null && Names.DisplayNameProblem(name) is { } problem)
        {
            _d.Error(map.Child("name"), $"warehouse name {problem}");
            name = null;
        }

        var seen = new Dictionary<PrincipalRef, string>();
        List<PrincipalRef> Principals(string list)
        {
            var result = new List<PrincipalRef>();
            foreach (var (text, path) in _r.Strings(map, list))
            {
                if (Parse(text, path) is not { } p)
                {
                    continue;
                }

                if (seen.TryGetValue(p, out var first))
                {
                    _d.Error(path, $"{p} is already listed at {first}: one permission per principal");
                    continue;
                }

                seen[p] = path;
                result.Add(p);
            }

            return result;
        }

        // The owner first: the provider makes the deployer the owner of a warehouse whose declared list has no IS_OWNER
        // [fact: permissions-owner-added], so the current owner is declared, never guessed.
        PrincipalRef? owner = null;
        var ownerText = _r.String(map, "owner");
        if (ownerText is null)
        {
            _d.Error(map.Path, "declares no owner: give the warehouse's current owner (owner: user:<email> or sp:<key>), or the provider makes the deployer its owner on every apply");
        }
        else if (Parse(ownerText, map.Child("owner")) is { } o)
        {
            if (o.Kind == PrincipalKind.Group)
            {
                _d.Error(map.Child("owner"), $"{o} cannot own a warehouse: an owner is a user or a service principal");
            }
            else
            {
                owner = o;
                seen[o] = map.Child("owner");
            }
        }

        var canUse = Principals("canUse");
        var canManage = Principals("canManage");
        if (canUse.Count + canManage.Count == 0)
        {
            _d.Error(map.Path, "declares nobody: the warehouse's permissions are replaced as a whole, so an empty list would take it from everyone but its owner and admins");
        }

        return new WarehouseSpec(key, id, name, canUse, canManage, node.Path) { Owner = owner };
    }
}
