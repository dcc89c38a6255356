using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        private void Groups()
        {
            var principals = declaration.Principals.ToDictionary(p => p.Ref, StringComparer.Ordinal);
            foreach (var g in declaration.Groups)
            {
                var isAdmins = g.Ref == Declaration.AdminsGroup;
                principals.TryGetValue(g.Ref, out var spec);
                var dir = spec is null ? _workspace : DirectoryOf(spec);
                var name = spec?.Name ?? g.Ref[(g.Ref.IndexOf(':', StringComparison.Ordinal) + 1)..];
                if (!dir.GroupsByName.TryGetValue(name.ToLowerInvariant(), out var liveGroups))
                {
                    if (spec is null)
                    {
                        Add(FindingKinds.Unresolved, Severity.Low, g.Ref, LevelName(dir, _workspace), $"no group named '{name}' in the workspace");
                    }

                    continue;
                }

                // Names that differ only in case (FINANCE beside finance) are different groups: the exact name decides.
                if (liveGroups.Where(lg => lg.DisplayName == name).ToList() is { Count: > 0 } exact)
                {
                    liveGroups = exact;
                }

                var declared = g.Members.Select(KeyOf).OfType<LiveKey>().ToHashSet();
                if (isAdmins && _deployer is { } deployer)
                {
                    declared.Add(deployer);
                }

                if (isAdmins)
                {
                    declared.UnionWith(_automation);
                }

                var expired = new Dictionary<LiveKey, DeclaredExpiredMembership>();
                foreach (var e in declaration.Expired.Where(e => e.Group == g.Ref))
                {
                    if (KeyOf(e.Principal) is { } k)
                    {
                        expired[k] = e;
                    }
                }

                var members = liveGroups.SelectMany(lg => lg.Members ?? []).Select(m => Member(m, dir)).DistinctBy(m => m.Key).ToList();
                if (g.MembersManagedBy is { } broker)
                {
                    // Delegated membership: the broker decides; what is live is told, never a finding.
                    var names = members.Select(Name).Order(StringComparer.Ordinal).ToList();
                    _notes.Add($"{g.Ref}: members are managed by {broker} and not audited; live members: {(names.Count == 0 ? "none" : Join(names))}");
                    continue;
                }

                foreach (var m in members)
                {
                    if (declared.Contains(m.Key))
                    {
                        continue;
                    }

                    if (expired.TryGetValue(m.Key, out var e))
                    {
                        Add(FindingKinds.ExpiredStillPresent, isAdmins ? Severity.Critical : g.MemberSeverity, Name(m), g.Ref,
                            $"membership expired at {AuditOutput.Stamp(e.Expires)} and is still live");
                    }
                    else if (g.ReportUndeclaredMembers)
                    {
                        Add(isAdmins ? FindingKinds.UndeclaredAdmin : FindingKinds.UndeclaredMember, isAdmins ? Severity.Critical : g.MemberSeverity, Name(m), g.Ref,
                            isAdmins ? "a member of admins (a workspace admin) that the stack does not declare" : "a member that the stack does not declare");
                    }
                }

                var live = members.Select(m => m.Key).ToHashSet();
                foreach (var member in g.Members.Where(r => _found.Contains(r) && KeyOf(r) is { } k && !live.Contains(k)))
                {
                    Add(FindingKinds.Missing, Severity.Low, member, g.Ref, "declared member is not a member");
                }
            }
        }

        // ---- workspace assignments -------------------------------------------------------------------------------

        private void Assignments()
        {
            if (declaration.Assignments is null || live.Assignments is null)
            {
                return;
            }

            const string Workspace = "workspace";
            var declared = DeclaredKeys(declaration.Assignments.Select(a => (a.Principal, a.Permission)));
            var assigned = new HashSet<LiveKey>();
            foreach (var item in live.Assignments)
            {
                if (Named(item.Principal?.UserName, item.Principal?.GroupName, item.Principal?.ServicePrincipalName) is not { } p)
                {
                    continue;
                }

                assigned.Add(p.Key);
                if (p.Key == _deployer || _automation.Contains(p.Key))
                {
                    continue;
                }

                var permissions = (item.Permissions ?? []).Select(x => x.ToUpperInvariant()).ToList();
                var admin = permissions.Contains("ADMIN");
                var want = declared.GetValueOrDefault(p.Key);
                if (admin && want != "ADMIN")
                {
                    Add(FindingKinds.UndeclaredAdmin, Severity.Critical, Name(p), Workspace,
                        want is null ? "assigned ADMIN on the workspace without a declaration" : $"declared {want}, assigned ADMIN");
                }
                else if (!admin && want is null)
                {
                    Add(FindingKinds.UndeclaredAssignment, Severities.Max(permissions), Name(p), Workspace,
                        $"assigned {Join(permissions)} on the workspace without a declaration");
                }
                else if (!admin && want == "ADMIN")
                {
                    Add(FindingKinds.Missing, Severity.Low, Name(p), Workspace, $"declared ADMIN, assigned {Join(permissions)}");
                }
            }

            foreach (var a in declaration.Assignments.Where(a => _found.Contains(a.Principal) && KeyOf(a.Principal) is { } k && !assigned.Contains(k)))
            {
                Add(FindingKinds.Missing, Severity.Low, a.Principal, Workspace, $"declared {a.Permission.ToUpperInvariant()} assignment is absent");
            }
        }

        // ---- secret scopes ---------------------------------------------------------------------------------------

        private void Entitlements()
        {
            var principals = declaration.Principals.ToDictionary(p => p.Ref, StringComparer.Ordinal);
            foreach (var e in declaration.Entitlements)
            {
                principals.TryGetValue(e.Principal, out var spec);
                var isGroup = spec?.Type == PrincipalType.Group || (spec is null && e.Principal.StartsWith("group:", StringComparison.Ordinal));
                IEnumerable<ScimMember> live;
                if (isGroup)
                {
                    // Entitlements are the workspace's, for account groups too (the workspace's view of them).
                    var name = spec?.Name ?? e.Principal["group:".Length..];
                    var named = _workspace.GroupsByName.GetValueOrDefault(name.ToLowerInvariant()) ?? [];
                    live = (named.Any(g => g.DisplayName == name) ? named.Where(g => g.DisplayName == name) : named).SelectMany(g => g.Entitlements ?? []);
                }
                else if (spec?.Type == PrincipalType.ServicePrincipal && KeyOf(e.Principal) is { } key && _workspace.SpsByAppId.TryGetValue(key.Name, out var sp))
                {
                    live = sp.Entitlements ?? [];
                }
                else
                {
                    continue;
                }

                var declared = e.Entitlements.Select(x => x.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
                var extra = live.Select(v => v.Value?.Trim().ToLowerInvariant()).OfType<string>().Where(v => v.Length > 0 && !declared.Contains(v))
                    .Distinct().Order(StringComparer.Ordinal).ToList();
                if (extra.Count > 0)
                {
                    Add(FindingKinds.UndeclaredEntitlement, Severities.Max(extra), e.Principal, "workspace",
                        declared.Count == 0 ? $"{Join(extra)} without a declaration" : $"{Join(extra)} beyond the declared entitlements ({Join(declared.Order(StringComparer.Ordinal))})");
                }
            }
        }

        // ---- account roles ---------------------------------------------------------------------------------------

        private void AccountRoles()
        {
            if (_account is null)
            {
                return;
            }

            foreach (var p in declaration.Principals.Where(p => p.Type != PrincipalType.User && p.MustExist))
            {
                IEnumerable<ScimMember> roles;
                if (p.Type == PrincipalType.Group)
                {
                    roles = (_account.GroupsByName.GetValueOrDefault(p.Name.ToLowerInvariant()) ?? []).SelectMany(g => g.Roles ?? []);
                }
                else if (KeyOf(p.Ref) is { } key && _account.SpsByAppId.TryGetValue(key.Name, out var sp))
                {
                    roles = sp.Roles ?? [];
                }
                else
                {
                    continue;
                }

                var declared = (p.AccountRoles ?? []).Select(r => r.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
                foreach (var role in roles.Select(r => r.Value?.Trim()).OfType<string>().Where(r => r.Length > 0 && !declared.Contains(r.ToLowerInvariant())).Distinct().Order(StringComparer.Ordinal))
                {
                    Add(FindingKinds.UndeclaredAdmin, role.Equals("account_admin", StringComparison.OrdinalIgnoreCase) ? Severity.Critical : Severity.High,
                        p.Ref, "account", $"holds the account role {role} that the stack does not declare");
                }
            }
        }

        // ---- token policy ----------------------------------------------------------------------------------------
    }
}
