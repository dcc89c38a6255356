using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>Unity Catalog grants and securables.</summary>
internal sealed partial class TopologyBinder
{
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
}
