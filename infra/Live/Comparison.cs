using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

/// <summary>The findings of one audit, and notes on what it could not look at.</summary>
public sealed record AuditReport(IReadOnlyList<Finding> Findings, IReadOnlyList<string> Notes);

/// <summary>
/// Compares what is live with what a stack declares: every access the declaration does not account for, every
/// declared thing that is absent, every expired membership still in place. Pure: no I/O.
/// </summary>
public static partial class Comparison
{
    public static AuditReport Compare(Declaration declaration, LiveState live) => new Comparer(declaration, live).Run();

    /// <summary>A live principal as the APIs name it: a user's email, a group's display name, a service principal's
    /// application id (compared without case).</summary>
    private readonly record struct LiveKey(PrincipalType Type, string Name)
    {
        public static LiveKey Of(PrincipalType type, string name) => new(type, name.Trim().ToLowerInvariant());
    }

    /// <summary>A live principal and how a finding names it when the stack does not.</summary>
    private readonly record struct LivePrincipal(LiveKey Key, string Shown);

    private sealed class Directory
    {
        public Directory(LiveDirectory live)
        {
            foreach (var u in live.Users.Where(u => u.Id is not null && u.UserName is not null))
            {
                UsersById[u.Id!] = u;
                UserNames.Add(u.UserName!.ToLowerInvariant());
            }

            foreach (var g in live.Groups.Where(g => g.Id is not null && g.DisplayName is not null))
            {
                GroupsById[g.Id!] = g;
                Add(GroupsByName, g.DisplayName!.ToLowerInvariant(), g);
            }

            foreach (var s in live.ServicePrincipals.Where(s => s.Id is not null && s.ApplicationId is not null))
            {
                SpsById[s.Id!] = s;
                SpsByAppId[s.ApplicationId!.ToLowerInvariant()] = s;
                if (s.DisplayName is { } name)
                {
                    Add(SpsByName, name.ToLowerInvariant(), s);
                }
            }
        }

        public Dictionary<string, ScimUser> UsersById { get; } = new(StringComparer.Ordinal);

        public HashSet<string> UserNames { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ScimGroup> GroupsById { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<ScimGroup>> GroupsByName { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ScimServicePrincipal> SpsById { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ScimServicePrincipal> SpsByAppId { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<ScimServicePrincipal>> SpsByName { get; } = new(StringComparer.Ordinal);

        private static void Add<T>(Dictionary<string, List<T>> map, string key, T value)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(value);
        }
    }

    private sealed partial class Comparer(Declaration declaration, LiveState live)
    {
        private static readonly string[] SecretLevels = ["READ", "WRITE", "MANAGE"];
        private static readonly string[] JobLevels = ["CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER"];

        // terraform-provider-databricks v1.128.0 permissions/permission_definitions.go:569-575 (sql_endpoint_id), weakest first.
        private static readonly string[] WarehouseLevels = ["CAN_VIEW", "CAN_MONITOR", "CAN_USE", "CAN_MANAGE", "IS_OWNER"];

        private const string ManagerRole = "roles/servicePrincipal.manager";
        private const string UserRole = "roles/servicePrincipal.user";

        private readonly Directory _workspace = new(live.Workspace);
        private readonly Directory? _account = live.Account is null ? null : new Directory(live.Account);
        private readonly Dictionary<string, LiveKey?> _keyByRef = new(StringComparer.Ordinal);
        private readonly Dictionary<LiveKey, string> _refByKey = [];
        private readonly HashSet<string> _found = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string?, string), Finding> _findings = [];
        private readonly List<string> _notes = [];
        private readonly LiveKey? _deployer = declaration.DeployerApplicationId is { Length: > 0 } d ? LiveKey.Of(PrincipalType.ServicePrincipal, d) : null;
        private readonly HashSet<LiveKey> _automation = declaration.AutomationApplicationIds.Select(a => LiveKey.Of(PrincipalType.ServicePrincipal, a)).ToHashSet();

        public AuditReport Run()
        {
            ResolvePrincipals();
            Groups();
            Assignments();
            Scopes();
            Jobs();
            ActingAs();
            Warehouses();
            RuleSets();
            Tokens();
            TokenPolicy();
            WorkspaceTokenPolicy();
            Securables();
            Entitlements();
            AccountRoles();
            var kinds = FindingKinds.All.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i, StringComparer.Ordinal);
            var findings = _findings.Values
                .OrderByDescending(f => f.Severity)
                .ThenBy(f => kinds[f.Kind])
                .ThenBy(f => f.Object, StringComparer.Ordinal)
                .ThenBy(f => f.Principal, StringComparer.Ordinal)
                .ThenBy(f => f.Detail, StringComparer.Ordinal)
                .ToList();
            return new AuditReport(findings, _notes.Distinct(StringComparer.Ordinal).ToList());
        }

        private void Add(string kind, Severity severity, string? principal, string @object, string detail) =>
            _findings.TryAdd((kind, principal, @object), new Finding(kind, severity, principal, @object, detail));

        private Directory DirectoryOf(DeclaredPrincipal p) => p.AccountLevel && _account is not null ? _account : _workspace;

        private static string LevelName(Directory dir, Directory workspace) => ReferenceEquals(dir, workspace) ? "workspace" : "account";

        // ---- principals ------------------------------------------------------------------------------------------

        private void ResolvePrincipals()
        {
            foreach (var p in declaration.Principals)
            {
                var dir = DirectoryOf(p);
                var where = LevelName(dir, _workspace);
                LiveKey? key = null;
                var found = false;
                string? why = null;
                switch (p.Type)
                {
                    case PrincipalType.User:
                        key = LiveKey.Of(PrincipalType.User, p.Name);
                        found = _workspace.UserNames.Contains(key.Value.Name);
                        why = $"no user '{p.Name}' in the workspace";
                        break;
                    case PrincipalType.Group:
                        key = LiveKey.Of(PrincipalType.Group, p.Name);
                        found = dir.GroupsByName.ContainsKey(key.Value.Name);
                        why = $"no group named '{p.Name}' in the {where}";
                        break;
                    default:
                        if (p.ApplicationId is { Length: > 0 } appId)
                        {
                            key = LiveKey.Of(PrincipalType.ServicePrincipal, appId);
                            found = dir.SpsByAppId.ContainsKey(key.Value.Name);
                            why = $"no service principal with application id {appId} in the {where}";
                        }
                        else
                        {
                            var named = dir.SpsByName.GetValueOrDefault(p.Name.ToLowerInvariant()) ?? [];
                            found = named.Count == 1;
                            key = found ? LiveKey.Of(PrincipalType.ServicePrincipal, named[0].ApplicationId!) : null;
                            why = named.Count == 0
                                ? $"no service principal named '{p.Name}' in the {where}"
                                : $"{named.Count} service principals are named '{p.Name}' in the {where}; give its applicationId";
                            if (named.Count > 1)
                            {
                                Add(FindingKinds.Unresolved, Severity.Low, p.Ref, where, why);
                                _keyByRef[p.Ref] = null;
                                continue;
                            }
                        }

                        break;
                }

                _keyByRef[p.Ref] = key;
                if (key is { } k)
                {
                    _refByKey.TryAdd(k, p.Ref);
                }

                if (found)
                {
                    _found.Add(p.Ref);
                }
                else if (p.MustExist)
                {
                    Add(p.Owned ? FindingKinds.Missing : FindingKinds.Unresolved, Severity.Low, p.Ref, where, why!);
                }
            }
        }

        private string Name(LivePrincipal p) => _refByKey.TryGetValue(p.Key, out var r) ? r : p.Shown;

        private LiveKey? KeyOf(string reference) => _keyByRef.GetValueOrDefault(reference);

        private static string Prefix(PrincipalType type) => type switch
        {
            PrincipalType.User => "user",
            PrincipalType.Group => "group",
            _ => "sp",
        };

        private static LivePrincipal Principal(PrincipalType type, string name) => new(LiveKey.Of(type, name), $"{Prefix(type)}:{name}");

        /// <summary>
        /// A principal as secret ACLs and Unity Catalog grants name it: a user's email, a group's name or a service
        /// principal's application id. Known names decide; otherwise an '@' means a user and a UUID an application id.
        /// </summary>
        private LivePrincipal Classify(string principal)
        {
            var lower = principal.Trim().ToLowerInvariant();
            bool Known(Func<Directory, bool> has) => has(_workspace) || (_account is not null && has(_account));
            var type = Known(d => d.UserNames.Contains(lower)) ? PrincipalType.User
                : Known(d => d.GroupsByName.ContainsKey(lower)) ? PrincipalType.Group
                : Known(d => d.SpsByAppId.ContainsKey(lower)) ? PrincipalType.ServicePrincipal
                : lower.Contains('@', StringComparison.Ordinal) ? PrincipalType.User
                : Guid.TryParse(lower, out _) ? PrincipalType.ServicePrincipal
                : PrincipalType.Group;
            return Principal(type, principal);
        }

        /// <summary>A principal of the permissions API (jobs, tokens) or of a permission assignment.</summary>
        private static LivePrincipal? Named(string? user, string? group, string? sp) =>
            user is { Length: > 0 } ? Principal(PrincipalType.User, user)
            : group is { Length: > 0 } ? Principal(PrincipalType.Group, group)
            : sp is { Length: > 0 } ? Principal(PrincipalType.ServicePrincipal, sp)
            : null;

        /// <summary>A SCIM group member, by its id in the group's directory (account users are read with
        /// <c>attributes=id,userName</c> to name them; the workspace's otherwise).</summary>
        private LivePrincipal Member(ScimMember m, Directory dir)
        {
            var id = m.Value ?? string.Empty;
            var kind = m.Ref ?? string.Empty;
            var other = ReferenceEquals(dir, _workspace) ? _account : _workspace;
            bool Is(string prefix) => kind.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || kind.Contains("/" + prefix, StringComparison.OrdinalIgnoreCase);
            var unknown = kind.Length == 0;
            if ((unknown || Is("Users/")) && (dir.UsersById.TryGetValue(id, out var user) || _workspace.UsersById.TryGetValue(id, out user)))
            {
                return Principal(PrincipalType.User, user.UserName!);
            }

            if (unknown || Is("ServicePrincipals/"))
            {
                if (dir.SpsById.TryGetValue(id, out var sp) || (other?.SpsById.TryGetValue(id, out sp) ?? false))
                {
                    return Principal(PrincipalType.ServicePrincipal, sp!.ApplicationId!);
                }
            }

            if (unknown || Is("Groups/"))
            {
                if (dir.GroupsById.TryGetValue(id, out var group) || (other?.GroupsById.TryGetValue(id, out group) ?? false))
                {
                    return Principal(PrincipalType.Group, group!.DisplayName!);
                }
            }

            var type = Is("Groups/") ? PrincipalType.Group : Is("ServicePrincipals/") ? PrincipalType.ServicePrincipal : PrincipalType.User;
            return new LivePrincipal(new LiveKey(type, "#" + id), $"{Prefix(type)}:{m.Display ?? "?"} (SCIM id {id})");
        }

        private Dictionary<LiveKey, string> DeclaredKeys(IEnumerable<(string Principal, string Permission)> entries)
        {
            var result = new Dictionary<LiveKey, string>();
            foreach (var (principal, permission) in entries)
            {
                if (KeyOf(principal) is { } key)
                {
                    result[key] = permission.ToUpperInvariant();
                }
            }

            return result;
        }

        // ---- groups ----------------------------------------------------------------------------------------------

<<<<<<< HEAD
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

        private void Jobs()
        {
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            foreach (var job in declaration.Jobs)
            {
                var obj = $"job:{job.Name}";
                var found = live.Jobs.GetValueOrDefault(job.Name) ?? [];
                if (found.Count == 0)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "no job has this name");
                    continue;
                }

                foreach (var liveJob in found)
                {
                    var suffix = found.Count > 1 ? $" (job_id {liveJob.JobId}, one of {found.Count} jobs with this name)" : $" (job_id {liveJob.JobId})";
                    if (liveJob.Acl is null)
                    {
                        Add(FindingKinds.Missing, Severity.Low, null, obj, "the job's permissions are not found (HTTP 404)" + suffix);
                        continue;
                    }

                    // The creator's IS_OWNER is the provider's to keep, never declared (terraform-provider-databricks
                    // v1.128.0 permissions/permission_definitions.go:407-419 fetchObjectCreator: jobs.Get creator_user_name).
                    // A declared owner (jobs.<key>.owner, as IS_OWNER) is compared like any other level.
                    var creator = job.Permissions.Any(p => p.Permission == "IS_OWNER") ? null : liveJob.Creator?.Trim().ToLowerInvariant();
                    var entries = Direct(liveJob.Acl)
                        .Select(e => (e.Principal, Level: e.Levels.OrderByDescending(l => Array.IndexOf(JobLevels, l)).First()))
                        .Where(e => !(e.Level == "IS_OWNER" && creator is not null && e.Principal.Key.Name == creator));
                    Levels(FindingKinds.UndeclaredJobPermission, obj, "the job", JobLevels,
                        DeclaredKeys(job.Permissions.Select(p => (p.Principal, p.Permission))), job.Permissions, entries,
                        p => p.Key == _deployer || p.Key == admins, suffix);
                }
            }
        }

        // ---- undeclared jobs acting as declared principals --------------------------------------------------------

        /// <summary>
        /// A job the stack does not declare that runs as a principal it declares: each holder of CAN_MANAGE_RUN,
        /// CAN_MANAGE or IS_OWNER can run code as that principal (run it, or change its tasks and run them), besides the
        /// run-as principal itself and the admins (<c>admins</c>, the deployer, the automation identities), who can do so
        /// anyway. The job's creator holds IS_OWNER like any other holder: it is named too.
        /// </summary>
        private void ActingAs()
        {
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            string[] acting = ["CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER"];
            foreach (var job in live.UndeclaredJobs.Where(j => j.RunAs is { Length: > 0 }))
            {
                var runAs = Classify(job.RunAs!);
                var who = Name(runAs);
                var obj = $"job:{job.Name}";
                if (job.Acl is null)
                {
                    _notes.Add($"{obj} (job_id {job.JobId}) runs as {who} and is not declared; its permissions are not found (HTTP 404), so who can run it is not known");
                    continue;
                }

                var holders = Direct(job.Acl)
                    .Select(e => (e.Principal, Level: e.Levels.OrderByDescending(l => Array.IndexOf(JobLevels, l)).First()))
                    .Where(e => acting.Contains(e.Level) && e.Principal.Key != runAs.Key && e.Principal.Key != admins && e.Principal.Key != _deployer && !_automation.Contains(e.Principal.Key));
                foreach (var (p, level) in holders)
                {
                    Add(FindingKinds.UndeclaredActingAs, Severity.High, Name(p), obj,
                        $"{level} on a job the stack does not declare, which runs as {who} (job_id {job.JobId}): can run code as {who}");
                }
            }
        }

        // ---- SQL warehouses ------------------------------------------------------------------------------------

        /// <summary>
        /// The ACL of each declared warehouse against its declaration: the owner (IS_OWNER) must be the declared
        /// <c>owner</c> (another owner is high: a changed owner), every other level must be declared. The deployer's
        /// CAN_MANAGE is the provider's (permissions/update/customizers.go:66-88 AddCurrentUserAsManage, the warehouse's
        /// updateAclCustomizers), and <c>admins</c> manage every warehouse.
        /// </summary>
        private void Warehouses()
        {
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            foreach (var w in declaration.Warehouses)
            {
                var obj = $"warehouse:{w.Label}";
                if (!live.Warehouses.TryGetValue(w.Key, out var found))
                {
                    continue;
                }

                if (found.Id is null)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, found.NameMatches == 0 ? "no SQL warehouse has this name" : $"{found.NameMatches} SQL warehouses have this name");
                    continue;
                }

                var suffix = w.Id is null ? $" (id {found.Id})" : string.Empty;
                if (found.Acl is null)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "the warehouse's permissions are not found (HTTP 404)" + suffix);
                    continue;
                }

                var owner = w.Owner is { } o ? KeyOf(o) : null;
                var entries = new List<(LivePrincipal Principal, string Level)>();
                var owners = new List<LivePrincipal>();
                foreach (var (p, levels) in Direct(found.Acl))
                {
                    var level = levels.OrderByDescending(l => Array.IndexOf(WarehouseLevels, l)).First();
                    if (level == "IS_OWNER")
                    {
                        owners.Add(p);
                    }
                    else
                    {
                        entries.Add((p, level));
                    }
                }

                foreach (var p in owners.Where(p => p.Key != owner))
                {
                    Add(FindingKinds.UndeclaredWarehousePermission, Severity.High, Name(p), obj,
                        w.Owner is null ? $"IS_OWNER of the warehouse without a declaration{suffix}" : $"IS_OWNER of the warehouse; the stack declares {w.Owner} as its owner{suffix}");
                }

                if (w.Owner is { } declaredOwner && owners.Count == 0 && _found.Contains(declaredOwner))
                {
                    Add(FindingKinds.Missing, Severity.Low, declaredOwner, obj, "declared owner (IS_OWNER) is absent" + suffix);
                }

                Levels(FindingKinds.UndeclaredWarehousePermission, obj, "the warehouse", WarehouseLevels,
                    DeclaredKeys(w.Permissions.Select(p => (p.Principal, p.Permission))), w.Permissions, entries,
                    p => p.Key == admins || (p.Key == _deployer && entries.Any(e => e.Principal.Key == p.Key && e.Level == "CAN_MANAGE")), suffix);
            }
        }

        // ---- account rule sets ---------------------------------------------------------------------------------

        /// <summary>
        /// Each rule set the stack owns against its declaration: <c>roles/servicePrincipal.manager</c> for the declared
        /// managers and the deployer, <c>roles/servicePrincipal.user</c> for the deployer (the stack PUTs the whole rule
        /// set, terraform-provider-databricks v1.128.0 permissions/resource_access_control_rule_set.go:109-128). Any
        /// other rule is <c>undeclared-manager</c>: a manager can create the principal's secrets and tokens, a user can
        /// run jobs as it; both act as it (high). A principal is named as rule sets name it (sdk-go service/iam/model.go:814
        /// GrantRule: <c>users/&lt;email&gt;</c>, <c>groups/&lt;name&gt;</c>, <c>servicePrincipals/&lt;application id&gt;</c>).
        /// </summary>
        private void RuleSets()
        {
            foreach (var rs in declaration.RuleSets)
            {
                if (!live.RuleSets.TryGetValue(rs.Principal, out var set))
                {
                    continue;
                }

                var obj = $"rule-set:{rs.Principal}";
                if (set.Rules is null)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, $"the rule set {set.Name} is not found (HTTP 404)");
                    continue;
                }

                var managers = rs.Managers.Select(KeyOf).OfType<LiveKey>().ToHashSet();
                var users = new HashSet<LiveKey>();
                if (_deployer is { } deployer)
                {
                    managers.Add(deployer);
                    users.Add(deployer);
                }

                var liveManagers = new HashSet<LiveKey>();
                foreach (var rule in set.Rules)
                {
                    var role = rule.Role?.Trim() ?? string.Empty;
                    foreach (var name in (rule.Principals ?? []).Where(n => !string.IsNullOrWhiteSpace(n)))
                    {
                        var p = RulePrincipal(name);
                        if (role == ManagerRole)
                        {
                            liveManagers.Add(p.Key);
                        }

                        var declared = role == ManagerRole ? managers.Contains(p.Key) : role == UserRole && users.Contains(p.Key);
                        if (!declared)
                        {
                            Add(FindingKinds.UndeclaredManager, role is ManagerRole or UserRole ? Severity.High : Severity.Medium, Name(p), obj,
                                $"{role} on {rs.Principal} without a declaration ({set.Name})");
                        }
                    }
                }

                foreach (var m in rs.Managers.Where(m => _found.Contains(m) && KeyOf(m) is { } k && !liveManagers.Contains(k)))
                {
                    Add(FindingKinds.Missing, Severity.Low, m, obj, $"declared {ManagerRole} is absent");
                }
            }
        }

        /// <summary>A rule set's principal: <c>users/&lt;email&gt;</c>, <c>groups/&lt;name&gt;</c>, <c>servicePrincipals/&lt;application id&gt;</c>.</summary>
        private static LivePrincipal RulePrincipal(string name)
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var (kind, value) = slash < 0 ? (string.Empty, name) : (name[..slash], name[(slash + 1)..]);
            return kind switch
            {
                "users" => Principal(PrincipalType.User, value),
                "groups" => Principal(PrincipalType.Group, value),
                "servicePrincipals" => Principal(PrincipalType.ServicePrincipal, value),
                _ => new LivePrincipal(new LiveKey(PrincipalType.User, "#" + name), name),
            };
        }

=======
>>>>>>> main
        /// <summary>The non-inherited levels of each principal of an ACL (inherited ones are not findings).</summary>
        private static IEnumerable<(LivePrincipal Principal, List<string> Levels)> Direct(IReadOnlyList<AccessControl> acl)
        {
            foreach (var entry in acl)
            {
                var levels = (entry.AllPermissions ?? []).Where(l => !l.Inherited && l.Level is { Length: > 0 })
                    .Select(l => l.Level!.ToUpperInvariant()).Distinct().ToList();
                if (levels.Count > 0 && Named(entry.UserName, entry.GroupName, entry.ServicePrincipalName) is { } p)
                {
                    yield return (p, levels);
                }
            }
        }

        // ---- tokens ----------------------------------------------------------------------------------------------

        private static string Join(IEnumerable<string> values) => string.Join(", ", values);
    }
}
