using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Config;

/// <summary>
/// <c>topology.imports</c>: the provider import id of each resource that already exists live, keyed by the plan's
/// stable resource name (what <c>adopt</c> writes). The program passes it as Pulumi's <c>ImportId</c> option, so the
/// first <c>up</c> imports the object instead of creating it. Which names the plan declares is checked after planning
/// (<see cref="TopologyEvaluator"/>), since only the planner decides names.
/// </summary>
internal sealed partial class TopologyBinder
{
    private SortedDictionary<string, string> BindImports(ConfigMap root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in _r.Map(root["imports"], root.Child("imports"))?.Entries ?? [])
        {
            // Plan names are made of config keys and principal fragments (an email's characters among them); never
            // white space, control characters or "::" (which a Pulumi URN cannot hold).
            if (name.Length is 0 or > 400 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || name.Contains("::", StringComparison.Ordinal))
            {
                _d.Error(value.Path, $"'{NodeReader.Shorten(name)}' is not a resource name of the plan");
                continue;
            }

            var id = _r.String(value);
            if (id is null)
            {
                continue;
            }

            if (id.Trim().Length == 0 || id.Length > 1024 || id.Any(char.IsControl))
            {
                _d.Error(value.Path, "is not an import id (1-1024 characters, no control characters)");
                continue;
            }

            result[name] = id;
        }

        return result;
    }
}
