using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// Warnings a reviewer needs though nothing is invalid: entries that grant nothing (a membership already expired at
/// the evaluation instant; a Unity Catalog privilege its grantee cannot use for lack of USE_CATALOG / USE_SCHEMA on
/// the path down to it).
/// </summary>
internal sealed class ReviewWarnings(AccessGraph graph, Diagnostics d)
{
    private readonly TopologyModel _m = graph.Model;

    /// <summary>Privileges on an object inside a catalog that work only with USE_CATALOG and USE_SCHEMA above it.</summary>
    private static readonly HashSet<string> NeedsPath = new(StringComparer.Ordinal)
    {
        "SELECT", "MODIFY", "READ_VOLUME", "WRITE_VOLUME", "EXECUTE", "REFRESH", "CREATE_TABLE", "CREATE_VOLUME",
        "CREATE_FUNCTION", "CREATE_MODEL", "CREATE_MATERIALIZED_VIEW",
    };

    public void Check()
    {
        CheckExpired();
        CheckUnusableGrants();
    }

    private void CheckExpired()
    {
        foreach (var e in _m.Expired)
        {
            d.Warning($"{e.Path}.expires",
                $"{e.Principal} in '{e.Group}' expired at {Instants.Format(e.Expires)}, before {Instants.Format(_m.Now)}: the entry grants nothing; delete it (a new entry needs an expires in the future)");
        }
    }

    /// <summary>
    /// Unity Catalog reads a table only with USE_CATALOG on its catalog and USE_SCHEMA on its schema (or on the catalog,
    /// which schemas inherit); ALL_PRIVILEGES includes both. Held directly, through a group, or by everyone.
    /// </summary>
    private void CheckUnusableGrants()
    {
        if (_m.CatalogGrants.Count == 0)
        {
            return;
        }

        var held = new Dictionary<(PrincipalRef, Securable), HashSet<string>>();
        foreach (var g in _m.CatalogGrants)
        {
            held.GetOrAdd((g.To, g.On), () => new HashSet<string>(StringComparer.Ordinal)).UnionWith(g.Privileges);
        }

        var everyone = new[] { PrincipalRef.Group(Names.UsersGroup), PrincipalRef.Group(Names.AccountUsersGroup) };
        foreach (var grant in _m.CatalogGrants)
        {
            if (grant.On.Kind is not (SecurableKind.Catalog or SecurableKind.Schema or SecurableKind.Table or SecurableKind.Volume or SecurableKind.Function))
            {
                continue;
            }

            var needing = grant.Privileges.Where(NeedsPath.Contains).ToList();
            if (needing.Count == 0)
            {
                continue;
            }

            var holders = new HashSet<PrincipalRef>(everyone) { grant.To };
            if (!grant.To.IsAccountUsers && _m.Declares(grant.To))
            {
                holders.UnionWith(graph.GroupsOf(grant.To).Keys.Select(PrincipalRef.Group));
            }

            var parts = grant.On.Name.Split('.');
            var catalog = new Securable(SecurableKind.Catalog, parts[0]);
            var schema = parts.Length > 1 ? new Securable(SecurableKind.Schema, $"{parts[0]}.{parts[1]}") : null;
            bool Holds(Securable on, string privilege) =>
                holders.Any(h => held.TryGetValue((h, on), out var p) && (p.Contains(privilege) || p.Contains("ALL_PRIVILEGES")));

            var missing = new List<string>();
            if (!Holds(catalog, "USE_CATALOG"))
            {
                missing.Add($"USE_CATALOG on {catalog}");
            }

            if (!Holds(catalog, "USE_SCHEMA") && (schema is null || !Holds(schema, "USE_SCHEMA")))
            {
                missing.Add($"USE_SCHEMA on {schema ?? catalog}");
            }

            if (missing.Count > 0)
            {
                d.Warning($"{grant.Path}.privileges",
                    $"{string.Join(", ", needing)} on {grant.On} for {grant.To} cannot be used: no {string.Join(" or ", missing)} is declared for it, a group it is in, or everyone");
            }
        }
    }
}
