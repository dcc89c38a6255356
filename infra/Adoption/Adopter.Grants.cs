using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>Unity Catalog grants: one <c>catalogGrants</c> item per securable and principal the model can name.</summary>
public sealed partial class Adopter
{
    /// <summary>The model's securable for one read, or null (and a skip line) when the model cannot name it.</summary>
    private Securable? On(EstateGrants read)
    {
        if (!Vocabulary.SecurableKinds.TryGetValue(read.Type, out var kind))
        {
            Skip($"{Comment(read.Type)}:{Comment(read.FullName)}: not a securable the model grants on");
            return null;
        }

        if (kind == SecurableKind.Metastore)
        {
            return new Securable(kind, string.Empty);
        }

        var parts = read.FullName.Split('.');
        if (parts.Length != Vocabulary.NameParts(kind) || !parts.All(Names.IsCatalogNamePart))
        {
            Skip($"{Comment(read.Type)}:{Comment(read.FullName)}: not a name the model accepts for a {read.Type} (Unity Catalog names without spaces, '/', ':', '<', '>' or backticks)");
            return null;
        }

        return new Securable(kind, kind is SecurableKind.ExternalLocation or SecurableKind.StorageCredential ? read.FullName : read.FullName.ToLowerInvariant());
    }

    private void AdoptGrants(Securable on, EstateGrants grants, bool named)
    {
        if (grants.Assignments is not { } assignments)
        {
            if (named)
            {
                Skip($"{on}: the securable does not exist (HTTP 404)");
            }

            return; // a listed securable deleted before its grants were read
        }

        var declared = input.CatalogGrants.Where(g => g.On == on).Select(g => g.To.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var a in assignments.Where(a => a.Principal is { Length: > 0 }).GroupBy(a => a.Principal!))
        {
            if (Principal(a.Key, on.ToString()) is not { } to)
            {
                continue;
            }

            if (declared.Contains(to))
            {
                _report.AlreadyDeclared++;
                continue;
            }

            var privileges = a.SelectMany(x => x.Privileges ?? []).Select(p => p.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
            var known = privileges.Where(Vocabulary.Privileges[on.Kind].Contains).ToList();
            foreach (var p in privileges.Except(known))
            {
                Skip($"{on}: {p} of {to} is not a privilege the model knows for a {Securable.Prefix(on.Kind)}");
            }

            if (known.Count == 0)
            {
                continue;
            }

            var e = Entry("catalogGrants", null, $"the grant on {on} to {to}");
            e.Lines.Add($"# adopted {stamp} from the grants on {Comment(on.ToString())}");
            e.Lines.Add($"- on: {Scalar(on.ToString())}");
            e.Lines.Add($"  to: {Scalar(to)}");
            e.Lines.Add($"  privileges: [{string.Join(", ", known)}]");
            _ids.Grants[new AdoptedGrant(on.ToString(), to)] = a.Key;
        }
    }
}
