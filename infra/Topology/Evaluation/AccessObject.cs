using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// What <c>access --object</c> asks about: <c>scope:NAME</c>, <c>job:KEY</c>, <c>warehouse:KEY</c>, a Unity Catalog
/// securable (<c>catalog:NAME</c>, <c>schema:C.S</c>, <c>table:C.S.T</c>, <c>volume:C.S.V</c>, <c>function:C.S.F</c>:
/// privileges granted on the catalog and schema above it count, as Unity Catalog inherits them), <c>workspace</c>
/// (workspace access, admin and entitlements) or <c>tokens</c> (who can use tokens).
/// </summary>
public sealed class AccessObject
{
    private readonly AccessKind[] _kinds;
    private readonly HashSet<string> _resources;

    private AccessObject(string name, AccessKind[] kinds, IEnumerable<string> resources, bool isCatalog)
    {
        Name = name;
        _kinds = kinds;
        _resources = new HashSet<string>(resources, isCatalog ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        IsCatalog = isCatalog;
    }

    /// <summary>The object as asked for, normalised (<c>scope:app</c>).</summary>
    public string Name { get; }

    public bool IsCatalog { get; }

    public const string Forms = "scope:NAME, job:KEY, warehouse:KEY, catalog:NAME, schema:CATALOG.SCHEMA, table:C.S.T, volume:C.S.V, function:C.S.F, workspace or tokens";

    /// <summary>Whether an entry of the closure is access to this object.</summary>
    public bool Matches(AccessEntry e) => Matches(e.Kind, e.Kind == AccessKind.Catalog ? e.Resource : e.ResourceKey ?? e.Resource);

    /// <summary>Whether entries of <paramref name="kind"/> on <paramref name="key"/> (the config key; a catalog entry's securable) are access to this object.</summary>
    public bool Matches(AccessKind kind, string key) =>
        Array.IndexOf(_kinds, kind) >= 0 && (_resources.Count == 0 || _resources.Contains(key));

    /// <summary>An entry on a catalog or schema above the object, with the step that carries it down.</summary>
    public ClosureEntry Inherited(ClosureEntry e) =>
        IsCatalog && !string.Equals(e.Entry.Resource, Name, StringComparison.OrdinalIgnoreCase)
            ? e with { Path = [.. e.Path, new PathStep("inherits", e.Entry.Resource, Name, $"Unity Catalog: a privilege on a {e.Entry.Resource.Split(':')[0]} applies to everything in it")] }
            : e;

    /// <summary>The object an entry is about, as <c>access</c> names it.</summary>
    public static string NameOf(AccessEntry e) => e.Kind switch
    {
        AccessKind.SecretScope => $"scope:{e.Resource}",
        AccessKind.Job => $"job:{e.ResourceKey ?? e.Resource}",
        AccessKind.Warehouse => $"warehouse:{e.ResourceKey ?? e.Resource}",
        AccessKind.Catalog => e.Resource,
        AccessKind.Workspace or AccessKind.Entitlement => "workspace",
        AccessKind.Group => $"group:{e.Resource}",
        AccessKind.Tokens => "tokens",
        _ => e.Resource,
    };

    public static bool TryParse(string text, TopologyModel model, out AccessObject? result, out string error)
    {
        result = null;
        error = string.Empty;
        var trimmed = text.Trim();
        if (trimmed.Equals("workspace", StringComparison.OrdinalIgnoreCase))
        {
            result = new AccessObject("workspace", [AccessKind.Workspace, AccessKind.Entitlement], [], false);
            return true;
        }

        if (trimmed.Equals("tokens", StringComparison.OrdinalIgnoreCase))
        {
            result = new AccessObject("tokens", [AccessKind.Tokens], [], false);
            return true;
        }

        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == trimmed.Length - 1)
        {
            error = $"--object: '{text}' is not an object; expected {Forms}";
            return false;
        }

        var kind = trimmed[..colon].ToLowerInvariant();
        var name = trimmed[(colon + 1)..];
        switch (kind)
        {
            case "scope":
                var scope = model.SecretScopes.Values.FirstOrDefault(s => s.Name == name) ?? model.SecretScopes.GetValueOrDefault(name);
                if (scope is null)
                {
                    error = $"--object: no secret scope '{name}' in the stack{Suggest.Hint(name, model.SecretScopes.Values.Select(s => s.Name))}";
                    return false;
                }

                result = new AccessObject($"scope:{scope.Name}", [AccessKind.SecretScope], [scope.Key], false);
                return true;
            case "job":
                var job = model.Jobs.GetValueOrDefault(name) ?? model.Jobs.Values.FirstOrDefault(j => j.Name == name);
                if (job is null)
                {
                    error = $"--object: no job '{name}' in the stack{Suggest.Hint(name, model.Jobs.Keys)}";
                    return false;
                }

                result = new AccessObject($"job:{job.Key}", [AccessKind.Job], [job.Key], false);
                return true;
            case "warehouse":
                var warehouse = model.Warehouses.GetValueOrDefault(name) ?? model.Warehouses.Values.FirstOrDefault(w => w.Label == name);
                if (warehouse is null)
                {
                    error = $"--object: no warehouse '{name}' in the stack{Suggest.Hint(name, model.Warehouses.Keys)}";
                    return false;
                }

                result = new AccessObject($"warehouse:{warehouse.Key}", [AccessKind.Warehouse], [warehouse.Key], false);
                return true;
            case "catalog" or "schema" or "table" or "volume" or "function":
                var parts = name.Split('.');
                var securable = Vocabulary.SecurableKinds[kind];
                if (parts.Length != Vocabulary.NameParts(securable) || parts.Any(p => p.Length == 0))
                {
                    error = $"--object: '{text}' needs {Vocabulary.NameParts(securable)} dot-separated name part(s)";
                    return false;
                }

                // The securable itself, and the catalog and schema above it: Unity Catalog inherits privileges downward.
                var chain = new List<string> { $"catalog:{parts[0]}" };
                if (parts.Length > 1)
                {
                    chain.Add($"schema:{parts[0]}.{parts[1]}");
                }

                if (parts.Length > 2)
                {
                    chain.Add($"{kind}:{name}");
                }

                result = new AccessObject($"{kind}:{name}", [AccessKind.Catalog], chain, true);
                return true;
            default:
                error = $"--object: unknown kind '{kind}'; expected {Forms}{Suggest.Hint(kind, ["scope", "job", "warehouse", "catalog", "schema", "table", "volume", "function", "workspace", "tokens"])}";
                return false;
        }
    }
}
