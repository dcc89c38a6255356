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

        // The warehouse levels [fact: permissions-object-types], weakest first.
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
