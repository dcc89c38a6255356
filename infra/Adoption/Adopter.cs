using System.Globalization;
using System.Text.RegularExpressions;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>
/// Turns a live <see cref="Estate"/> into stack-file entries in the model's own keys, beside what the input declares
/// already (kept as written, never changed). Secrets are declared <c>existing: true</c>. What the model cannot hold is
/// skipped with one line naming it and why; everything else is still adopted.
/// </summary>
public sealed partial class Adopter(TopologyModel input, Estate estate, string workspaceId, string stamp)
{
    private readonly AdoptionReport _report = new() { GrantsRead = estate.GrantsRead };
    private readonly List<AdoptedEntry> _entries = [];
    private readonly HashSet<string> _jobKeys = new(input.Jobs.Keys, StringComparer.Ordinal);
    private readonly Dictionary<string, string> _adoptedGroupByName = new(StringComparer.Ordinal);
    private readonly AdoptedIds _ids = new();
    private readonly HashSet<string> _groupKeys = new(input.Groups.Keys, StringComparer.Ordinal);
    private readonly HashSet<string> _spKeys = new(input.ServicePrincipals.Keys.Concat(input.WebApps.Keys), StringComparer.Ordinal);
    private readonly HashSet<string> _scopeKeys = new(input.SecretScopes.Keys, StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groupRefById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groupRefByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _spRefByAppId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _userById = new(StringComparer.Ordinal);
    private readonly HashSet<string> _userNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _account = input.Account is not null;

    public AdoptionReport Report => _report;

    public AdoptedIds Ids => _ids;

    /// <summary>The sections to merge into the stack file (imports come later, from the plan).</summary>
    public void Build(IReadOnlySet<(string Type, string Name)> named)
    {
        foreach (var u in estate.Users.Where(u => u.Id is not null && u.UserName is not null))
        {
            _userById[u.Id!] = u.UserName!.ToLowerInvariant();
            _userNames.Add(u.UserName!);
        }

        var accountSpIds = estate.AccountSps.Where(s => s.ApplicationId is not null).ToDictionary(s => s.ApplicationId!, StringComparer.OrdinalIgnoreCase);
        var assignments = (estate.Assignments ?? []).Where(a => a.Principal is not null).ToList();

        // Principals the input declares already: referred to by their keys, never declared again.
        foreach (var g in input.Groups.Values)
        {
            _groupRefByName.TryAdd(g.DisplayName, g.Ref.ToString());
        }

        foreach (var s in input.ServicePrincipals.Values.Where(s => s.ApplicationId is not null))
        {
            _spRefByAppId[s.ApplicationId!] = s.Ref.ToString();
        }

        foreach (var w in input.WebApps.Values.Where(w => w.ApplicationId is not null))
        {
            _spRefByAppId[w.ApplicationId!] = w.Ref.ToString();
        }

        // Keys first (members and ACLs refer to them): groups, then service principals.
        var groups = KeyGroups();
        var sps = KeyServicePrincipals(assignments, accountSpIds);
        foreach (var g in groups)
        {
            AdoptGroup(g, assignments);
        }

        foreach (var s in sps)
        {
            AdoptSp(s, accountSpIds);
        }

        foreach (var scope in estate.Scopes)
        {
            AdoptScope(scope);
        }

        foreach (var read in estate.Grants.OrderBy(g => g.Type == "metastore" ? 0 : 1).ThenBy(g => g.Type, StringComparer.Ordinal).ThenBy(g => g.FullName, StringComparer.Ordinal))
        {
            if (On(read) is { } on)
            {
                AdoptGrants(on, read, named.Contains((read.Type, read.FullName)));
            }
        }

        foreach (var job in estate.Jobs.OrderBy(j => j.Job.JobId))
        {
            AdoptJob(job);
        }

        foreach (var a in assignments.Where(a => a.Principal!.UserName is { Length: > 0 }).OrderBy(a => a.Principal!.UserName, StringComparer.OrdinalIgnoreCase))
        {
            AdoptUser(a);
        }
    }

    /// <summary>The sections to merge: every entry not dropped, counted into the report.</summary>
    public List<Section> Sections()
    {
        var r = _report;
        r.Groups = r.EntraGroups = r.Members = r.ServicePrincipals = r.Scopes = r.Acls = r.Grants = r.Jobs = r.JobPermissions = r.Users = 0;
        r.Secrets.Clear();
        var kept = _entries.Where(e => !e.Dropped).ToList();
        foreach (var e in kept)
        {
            switch (e.Section)
            {
                case "groups":
                    r.Groups += e.Counted ? 1 : 0;
                    r.EntraGroups += e.Entra ? 1 : 0;
                    r.Members += e.Members;
                    break;
                case "servicePrincipals":
                    r.ServicePrincipals++;
                    break;
                case "secretScopes":
                    r.Scopes++;
                    r.Acls += e.Acls;
                    r.Secrets.AddRange(e.Secrets);
                    break;
                case "catalogGrants":
                    r.Grants++;
                    break;
                case "jobs":
                    r.Jobs++;
                    r.JobPermissions += e.Permissions;
                    break;
                case "users":
                    r.Users++;
                    break;
            }
        }

        List<string> Lines(string section) => kept.Where(e => e.Section == section).SelectMany(e => e.Lines).ToList();
        return
        [
            new Section("servicePrincipals", Lines("servicePrincipals")),
            new Section("groups", Lines("groups")),
            new Section("secretScopes", Lines("secretScopes")),
            new Section("catalogGrants", Lines("catalogGrants")),
            new Section("jobs", Lines("jobs")),
            new Section("users", Lines("users")),
        ];
    }

    /// <summary>
    /// Drops the adopted entry a config path names (<c>topology.groups.key...</c>, <c>topology.catalogGrants[i]...</c>
    /// counted from <paramref name="firstAdoptedItem"/>), with the reason; false when the path names none.
    /// </summary>
    public bool Drop(string path, string why, int firstAdoptedItem)
    {
        AdoptedEntry? entry = null;
        if (path.StartsWith("topology.catalogGrants[", StringComparison.Ordinal))
        {
            var close = path.IndexOf(']', StringComparison.Ordinal);
            if (close > 0 && int.TryParse(path["topology.catalogGrants[".Length..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                entry = _entries.Where(e => e.Section == "catalogGrants" && !e.Dropped).ElementAtOrDefault(index - firstAdoptedItem);
            }
        }
        else
        {
            foreach (var e in _entries.Where(e => e.Key is not null && !e.Dropped))
            {
                // A key is written .key, or ["key"] when it holds a '.' or other characters (the config path's quoting).
                foreach (var prefix in new[] { $"topology.{e.Section}.{e.Key}", $"topology.{e.Section}[{System.Text.Json.JsonSerializer.Serialize(e.Key)}]", $"topology.{e.Section}[\"{e.Key}\"]" })
                {
                    if (path == prefix || path.StartsWith(prefix + ".", StringComparison.Ordinal) || path.StartsWith(prefix + "[", StringComparison.Ordinal))
                    {
                        entry = e;
                        break;
                    }
                }

                if (entry is not null)
                {
                    break;
                }
            }
        }

        if (entry is null)
        {
            return false;
        }

        entry.Dropped = true;
        Skip($"{entry.What}: {why}");
        return true;
    }

    private AdoptedEntry Entry(string section, string? key, string what)
    {
        var e = new AdoptedEntry(section, key, what);
        _entries.Add(e);
        return e;
    }

    private static string? Access(AssignmentItem? a) =>
        a is null ? null : (a.Permissions ?? []).Any(p => p.Equals("ADMIN", StringComparison.OrdinalIgnoreCase)) ? "admin" : "user";

    private string? Skip(string why)
    {
        _report.NotAdopted.Add(why);
        return null;
    }

    /// <summary>A principal as secret ACLs and grants name it (email, group name, application id), in the model's terms.</summary>
    private string? Principal(string live, string where)
    {
        if (_spRefByAppId.TryGetValue(live, out var sp))
        {
            return sp;
        }

        if (_adoptedGroupByName.TryGetValue(live, out var exact) || _groupRefByName.TryGetValue(live, out exact))
        {
            return exact;
        }

        if (live.Equals("users", StringComparison.OrdinalIgnoreCase) || live.Equals("admins", StringComparison.OrdinalIgnoreCase) || live.Equals(Names.AccountUsersGroup, StringComparison.OrdinalIgnoreCase))
        {
            return $"group:{live.ToLowerInvariant()}";
        }

        if ((_userNames.Contains(live) || live.Contains('@', StringComparison.Ordinal)) && Names.IsEmail(live))
        {
            return $"user:{live.ToLowerInvariant()}";
        }

        return Skip($"{where}: principal '{Comment(live)}' is no user, adopted group or service principal");
    }

    /// <summary>A model key from a live name: lower case, runs of other characters as '-', unique in its section.</summary>
    private static string NewKey(string name, HashSet<string> taken, string fallback)
    {
        var key = KeyChars().Replace(name.ToLowerInvariant(), "-").Trim('-', '.', '_');
        key = Regex.Replace(key, @"\.{2,}", ".");
        if (key.Length == 0 || !char.IsAsciiLetterOrDigit(key[0]))
        {
            key = fallback + (key.Length == 0 ? string.Empty : "-" + key);
        }

        key = key.Length > 90 ? key[..90].TrimEnd('-', '.', '_') : key;
        var unique = key;
        for (var i = 2; !taken.Add(unique) || Names.IsBuiltInGroup(unique) && fallback == "group"; i++)
        {
            unique = $"{key}-{i.ToString(CultureInfo.InvariantCulture)}";
        }

        return unique;
    }

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex KeyChars();
}
