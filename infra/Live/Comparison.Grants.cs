using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        private void Securables()
        {
            foreach (var securable in declaration.Securables)
            {
                var obj = securable.ToString();
                if (securable.Type == "metastore" && live.MetastoreId is null)
                {
                    _notes.Add("metastore grants are not audited: the workspace has no current metastore assignment");
                    continue;
                }

                if (live.Grants.GetValueOrDefault(obj) is not { } grants)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "the securable does not exist (HTTP 404)");
                    continue;
                }

                var declared = new Dictionary<LiveKey, HashSet<string>>();
                foreach (var g in securable.Grants)
                {
                    if (KeyOf(g.Principal) is { } k)
                    {
                        if (!declared.TryGetValue(k, out var set))
                        {
                            declared[k] = set = new HashSet<string>(StringComparer.Ordinal);
                        }

                        set.UnionWith(g.Privileges.Select(x => x.ToUpperInvariant()));
                    }
                }

                var livePrivileges = new Dictionary<LiveKey, (LivePrincipal Principal, HashSet<string> Privileges)>();
                foreach (var a in grants.Where(a => a.Principal is { Length: > 0 }))
                {
                    var p = Classify(a.Principal!);
                    if (!livePrivileges.TryGetValue(p.Key, out var entry))
                    {
                        livePrivileges[p.Key] = entry = (p, new HashSet<string>(StringComparer.Ordinal));
                    }

                    entry.Privileges.UnionWith((a.Privileges ?? []).Select(x => x.ToUpperInvariant()));
                }

                // A deleted principal's grant: empty principal, principal_id set [fact: sdk-uc-permissions].
                foreach (var a in grants.Where(a => string.IsNullOrEmpty(a.Principal) && (a.Privileges ?? []).Count > 0))
                {
                    var id = a.PrincipalId is { } pid ? pid.ToString() : "?";
                    var privileges = (a.Privileges ?? []).Select(x => x.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
                    Add(FindingKinds.UndeclaredGrant, Severities.Max(privileges), $"principal_id:{id}", obj,
                        $"{Join(privileges)} held by a deleted principal (empty principal name, principal_id {id})");
                }

                foreach (var (key, (p, privileges)) in livePrivileges)
                {
                    var extra = privileges.Except(declared.GetValueOrDefault(key) ?? []).Order(StringComparer.Ordinal).ToList();
                    if (extra.Count > 0)
                    {
                        Add(FindingKinds.UndeclaredGrant, Severities.Max(extra), Name(p), obj,
                            declared.ContainsKey(key) ? $"{Join(extra)} beyond the declared privileges" : $"{Join(extra)} without a declaration");
                    }
                }

                foreach (var g in securable.Grants.Where(g => _found.Contains(g.Principal)).DistinctBy(g => g.Principal))
                {
                    var key = KeyOf(g.Principal)!.Value;
                    var absent = declared[key].Except(livePrivileges.TryGetValue(key, out var l) ? l.Privileges : []).Order(StringComparer.Ordinal).ToList();
                    if (absent.Count > 0)
                    {
                        Add(FindingKinds.Missing, Severity.Low, g.Principal, obj, $"declared {Join(absent)} is absent");
                    }
                }
            }
        }

        // ---- entitlements --------------------------------------------------------------------------------------
    }
}
