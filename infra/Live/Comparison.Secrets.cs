using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        private void Scopes()
        {
            foreach (var scope in declaration.Scopes)
            {
                var obj = $"scope:{scope.Name}";
                if (!live.Scopes.Contains(scope.Name))
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "the secret scope does not exist");
                    continue;
                }

                if (live.ScopeAcls.GetValueOrDefault(scope.Name) is not { } acl)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "the secret scope's ACLs are not found (HTTP 404)");
                    continue;
                }

                var entries = acl.Where(a => a.Principal is { Length: > 0 })
                    .Select(a => (Principal: Classify(a.Principal!), Level: (a.Permission ?? string.Empty).ToUpperInvariant()));
                Levels(FindingKinds.UndeclaredAcl, obj, "the scope", SecretLevels, DeclaredKeys(scope.Acls.Select(a => (a.Principal, a.Permission))),
                    scope.Acls, entries, p => p.Key == _deployer, string.Empty);

                // A key the stack no longer declares is left in place with its last value (its Secret is retained on
                // delete, so no run deletes it): reported here until someone deletes it or declares it again.
                if (scope.Keys is { } declaredKeys && live.ScopeKeys.GetValueOrDefault(scope.Name) is { } liveKeys)
                {
                    foreach (var key in liveKeys.Except(declaredKeys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
                    {
                        Add(FindingKinds.UndeclaredSecret, Severity.Medium, null, $"secret:{scope.Name}/{key}",
                            $"a key the stack does not declare (a secret or store removed from config is kept with its last value); delete it once no consumer reads it (databricks secrets delete-secret {scope.Name} {key}), or declare it");
                    }
                }
            }

            // A scope the stack does not declare is none of its business, unless every workspace user can read it.
            var declaredScopes = declaration.Scopes.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var name in live.Scopes.Where(n => !declaredScopes.Contains(n)).Order(StringComparer.Ordinal))
            {
                var levels = (live.ScopeAcls.GetValueOrDefault(name) ?? [])
                    .Where(a => string.Equals(a.Principal?.Trim(), "users", StringComparison.OrdinalIgnoreCase))
                    .Select(a => (a.Permission ?? string.Empty).ToUpperInvariant())
                    .Where(l => Array.IndexOf(SecretLevels, l) >= 0)
                    .ToList();
                if (levels.Count > 0)
                {
                    var level = levels.MaxBy(l => Array.IndexOf(SecretLevels, l))!;
                    Add(FindingKinds.UndeclaredAcl, Severity.High, "group:users", $"scope:{name}",
                        $"{level} for every workspace user on a secret scope the stack does not declare");
                }
            }
        }

        /// <summary>
        /// One object's ACL of ordered levels (secret scopes, jobs): a live level the declaration does not give (or a
        /// stronger one) is a finding of <paramref name="kind"/>; a declared level that is absent or weaker is missing.
        /// </summary>
        private void Levels(string kind, string obj, string what, string[] order, Dictionary<LiveKey, string> declared,
            IReadOnlyList<DeclaredPermission> declaredList, IEnumerable<(LivePrincipal Principal, string Level)> entries,
            Func<LivePrincipal, bool> exempt, string suffix)
        {
            var seen = new HashSet<LiveKey>();
            foreach (var (p, level) in entries)
            {
                seen.Add(p.Key);
                if (exempt(p))
                {
                    continue;
                }

                var want = declared.GetValueOrDefault(p.Key);
                if (want == level)
                {
                    continue;
                }

                if (want is null)
                {
                    Add(kind, Severities.Of(level), Name(p), obj, $"{level} on {what} without a declaration{suffix}");
                }
                else if (Array.IndexOf(order, level) > Array.IndexOf(order, want))
                {
                    Add(kind, Severities.Of(level), Name(p), obj, $"declared {want}, live {level}{suffix}");
                }
                else
                {
                    Add(FindingKinds.Missing, Severity.Low, Name(p), obj, $"declared {want}, live {level}{suffix}");
                }
            }

            foreach (var d in declaredList.Where(d => _found.Contains(d.Principal) && KeyOf(d.Principal) is { } k && !seen.Contains(k)))
            {
                Add(FindingKinds.Missing, Severity.Low, d.Principal, obj, $"declared {d.Permission.ToUpperInvariant()} is absent{suffix}");
            }
        }

        // ---- jobs ------------------------------------------------------------------------------------------------
    }
}
