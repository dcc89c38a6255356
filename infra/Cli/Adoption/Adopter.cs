using System.Globalization;
using System.Text.RegularExpressions;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Cli.Adoption.StackText;

namespace DatabricksAccess.Cli.Adoption;

/// <summary>What adoption did, for the report: counts, secrets declared existing, what it could not declare.</summary>
internal sealed class AdoptionReport
{
    public int Groups { get; set; }

    public int EntraGroups { get; set; }

    public int Members { get; set; }

    public int ServicePrincipals { get; set; }

    public int Scopes { get; set; }

    public int Acls { get; set; }

    public int Grants { get; set; }

    public int Jobs { get; set; }

    public int AlreadyDeclared { get; set; }

    public List<string> Secrets { get; } = [];

    public List<string> NotAdopted { get; } = [];

    public int Imports { get; set; }
}

/// <summary>The live id of an adopted object, for its import ids once the plan has named its resources.</summary>
internal sealed record AdoptedIds
{
    /// <summary>group key → (SCIM id at its level, workspace id for entitlements or null, assignment principal id or null).</summary>
    public Dictionary<string, (string Id, string? EntitlementsId, long? AssignmentId)> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>sp key → (SCIM id, entitlements id, assignment principal id); Managed: the stack owns it (import the principal).</summary>
    public Dictionary<string, (string Id, string? EntitlementsId, long? AssignmentId, bool Managed)> Sps { get; } = new(StringComparer.Ordinal);

    /// <summary>(group key, member ref) → member SCIM id.</summary>
    public Dictionary<(string Group, string Member), string> Members { get; } = [];

    /// <summary>scope key → (name, ACL principal by ref as the API names it).</summary>
    public Dictionary<string, (string Name, Dictionary<string, string> Principals)> Scopes { get; } = new(StringComparer.Ordinal);

    /// <summary>(securable, principal ref) → the principal as the grants API names it.</summary>
    public Dictionary<(string On, string To), string> Grants { get; } = [];
}

/// <summary>
/// Turns a live <see cref="Estate"/> into stack-file entries in the model's own keys, beside what the input declares
/// already (kept as written, never changed). Jobs are never adopted; secrets are declared <c>existing: true</c>.
/// </summary>
internal sealed partial class Adopter(TopologyModel input, Estate estate, string workspaceId, string stamp)
{
    private readonly AdoptionReport _report = new() { Jobs = estate.Jobs };
    private readonly AdoptedIds _ids = new();
    private readonly HashSet<string> _groupKeys = new(input.Groups.Keys, StringComparer.Ordinal);
    private readonly HashSet<string> _spKeys = new(input.ServicePrincipals.Keys.Concat(input.WebApps.Keys), StringComparer.Ordinal);
    private readonly HashSet<string> _scopeKeys = new(input.SecretScopes.Keys, StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groupRefById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groupRefByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _spRefByAppId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _userById = new(StringComparer.Ordinal);
    private readonly HashSet<string> _userNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _groups = [];
    private readonly List<string> _sps = [];
    private readonly List<string> _scopes = [];
    private readonly List<string> _grants = [];
    private readonly bool _account = input.Account is not null;

    public AdoptionReport Report => _report;

    public AdoptedIds Ids => _ids;

    /// <summary>The sections to merge into the stack file (imports come later, from the plan).</summary>
    public List<Section> Build(IReadOnlyList<(Securable On, string Type, string Name)> securables)
    {
        foreach (var u in estate.Users.Where(u => u.Id is not null && u.UserName is not null))
        {
            _userById[u.Id!] = u.UserName!.ToLowerInvariant();
            _userNames.Add(u.UserName!);
        }

        var accountSpIds = estate.AccountSps.Where(s => s.ApplicationId is not null).ToDictionary(s => s.ApplicationId!, StringComparer.OrdinalIgnoreCase);
        var assignments = (estate.Assignments ?? []).Where(a => a.Principal is not null).ToList();
        var deployer = input.Deployer?.AdminApplicationIds.ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];

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
        var groups = estate.WorkspaceGroups.Select(g => (Group: g, Account: false)).Concat(estate.AccountGroups.Select(g => (Group: g, Account: true)))
            .Where(x => x.Group.Id is not null && x.Group.DisplayName is not null).ToList();
        var adoptGroups = new List<(EstateGroup Group, bool Account, string Key)>();
        foreach (var (g, isAccount) in groups)
        {
            var name = g.DisplayName!;
            if (Names.IsBuiltInGroup(name) && !isAccount)
            {
                _groupRefById[g.Id!] = $"group:{name}";
                if (input.Groups.ContainsKey(name))
                {
                    _report.AlreadyDeclared++;
                    continue;
                }

                adoptGroups.Add((g, false, name));
                continue;
            }

            if (_groupRefByName.TryGetValue(name, out var known))
            {
                _groupRefById[g.Id!] = known;
                _report.AlreadyDeclared++;
                continue;
            }

            var key = NewKey(name, _groupKeys, "group");
            _groupRefById[g.Id!] = $"group:{key}";
            _groupRefByName[name] = $"group:{key}";
            adoptGroups.Add((g, isAccount, key));
        }

        foreach (var g in estate.WorkspaceGroupNames.Where(g => g.Id is not null && g.DisplayName is not null && Names.IsBuiltInGroup(g.DisplayName!)))
        {
            _groupRefById.TryAdd(g.Id!, $"group:{g.DisplayName}");
        }

        var sps = new List<(EstateServicePrincipal Sp, bool Account, string Key, long? Assignment, string? Access)>();
        var seenApps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var assignedSps = assignments.Where(a => a.Principal!.ServicePrincipalName is not null)
            .ToDictionary(a => a.Principal!.ServicePrincipalName!, StringComparer.OrdinalIgnoreCase);
        var candidates = estate.WorkspaceSps.Concat(estate.AccountSps.Where(s => s.ApplicationId is not null && assignedSps.ContainsKey(s.ApplicationId)));
        foreach (var s in candidates.Where(s => s.Id is not null && s.ApplicationId is not null))
        {
            if (!seenApps.Add(s.ApplicationId!) || deployer.Contains(s.ApplicationId!))
            {
                continue;
            }

            if (_spRefByAppId.ContainsKey(s.ApplicationId!))
            {
                _report.AlreadyDeclared++;
                continue;
            }

            var isAccount = _account && accountSpIds.ContainsKey(s.ApplicationId!);
            var key = NewKey(s.DisplayName ?? s.ApplicationId!, _spKeys, "sp");
            _spRefByAppId[s.ApplicationId!] = $"sp:{key}";
            var assignment = isAccount && assignedSps.TryGetValue(s.ApplicationId!, out var a) ? a : null;
            sps.Add((s, isAccount, key, assignment?.Principal?.PrincipalId, Access(assignment)));
        }

        foreach (var (g, isAccount, key) in adoptGroups)
        {
            AdoptGroup(g, isAccount, key, assignments, accountSpIds);
        }

        foreach (var (s, isAccount, key, assignmentId, access) in sps)
        {
            AdoptSp(s, isAccount, key, assignmentId, access, accountSpIds);
        }

        foreach (var scope in estate.Scopes)
        {
            AdoptScope(scope);
        }

        foreach (var (on, type, name) in securables)
        {
            AdoptGrants(on, estate.Grants.FirstOrDefault(g => g.Type == type && g.FullName == name));
        }

        return
        [
            new Section("servicePrincipals", _sps),
            new Section("groups", _groups),
            new Section("secretScopes", _scopes),
            new Section("catalogGrants", _grants),
        ];
    }

    private static string? Access(AssignmentItem? a) =>
        a is null ? null : (a.Permissions ?? []).Any(p => p.Equals("ADMIN", StringComparison.OrdinalIgnoreCase)) ? "admin" : "user";

    private void AdoptGroup(EstateGroup g, bool isAccount, string key, List<AssignmentItem> assignments, Dictionary<string, EstateServicePrincipal> accountSps)
    {
        var name = g.DisplayName!;
        var builtIn = Names.IsBuiltInGroup(key) && !isAccount;
        var entra = !builtIn && !string.IsNullOrEmpty(g.ExternalId);
        var where = isAccount ? "account" : "workspace";
        _groups.Add($"# adopted {stamp} from the {where} group '{Comment(name)}' (SCIM id {Comment(g.Id!)}){(entra ? $", synced from Entra ID (externalId {Comment(g.ExternalId!)})" : string.Empty)}");
        _groups.Add($"{Scalar(key)}:");
        if (builtIn)
        {
            _groups.Add("  existing: true");
        }
        else
        {
            if (name != key)
            {
                _groups.Add($"  displayName: {Scalar(name)}");
            }

            if (entra)
            {
                _groups.Add("  source: entra");
                _report.EntraGroups++;
            }

            if (_account && !isAccount)
            {
                _groups.Add("  level: workspace");
            }
        }

        long? assignmentId = null;
        if (isAccount)
        {
            var assignment = assignments.FirstOrDefault(a => string.Equals(a.Principal!.GroupName, name, StringComparison.OrdinalIgnoreCase));
            assignmentId = assignment?.Principal?.PrincipalId;
            var access = Access(assignment) ?? "none";
            if (access != "user")
            {
                _groups.Add($"  workspaceAccess: {access}");
            }
        }

        // Entitlements are read from the workspace's own groups (account groups carry none, model.go:55).
        var entitlements = builtIn ? [] : Entitlements(g.Entitlements);
        if (entitlements.Count > 0)
        {
            _groups.Add($"  entitlements: [{string.Join(", ", entitlements)}]");
        }

        _ids.Groups[key] = (g.Id!, !isAccount && entitlements.Count > 0 ? g.Id : null, assignmentId);
        if (!builtIn)
        {
            _report.Groups++;
        }

        if (entra || key == Names.UsersGroup)
        {
            return;
        }

        var members = new List<(string Ref, string Id)>();
        foreach (var m in g.Members ?? [])
        {
            if (Member(m, key == Names.AdminsGroup) is { } r)
            {
                members.Add((r, m.Value!));
            }
        }

        if (members.Count == 0)
        {
            return;
        }

        _groups.Add("  members:");
        foreach (var (r, id) in members.DistinctBy(m => m.Ref).OrderBy(m => m.Ref, StringComparer.Ordinal))
        {
            _groups.Add($"    - {Scalar(r)}");
            _ids.Members[(key, r)] = id;
            _report.Members++;
        }
    }

    /// <summary>A member as the model names it; null (and a note) when it cannot be declared, or need not be.</summary>
    private string? Member(EstateValue m, bool admins)
    {
        if (m.Value is not { } id)
        {
            return null;
        }

        var kind = m.Ref?.Split('/')[0];
        if (kind is "Users" or null && _userById.TryGetValue(id, out var email))
        {
            return Names.IsEmail(email) ? $"user:{email}" : Skip($"user '{email}' (SCIM id {id}): not a user name the model accepts");
        }

        if (kind is "Groups" or null && _groupRefById.TryGetValue(id, out var g))
        {
            return g;
        }

        if (kind is "ServicePrincipals" or null)
        {
            var sp = estate.WorkspaceSps.Concat(estate.AccountSps).FirstOrDefault(s => s.Id == id);
            if (sp?.ApplicationId is { } app)
            {
                if (input.Deployer?.AdminApplicationIds.Contains(app, StringComparer.OrdinalIgnoreCase) == true)
                {
                    return admins ? null : Skip($"the deployer or automation identity {app} in a group other than admins: declare it by hand if it belongs there");
                }

                if (_spRefByAppId.TryGetValue(app, out var r))
                {
                    return r;
                }
            }
        }

        return Skip($"member {Comment(m.Display ?? "?")} (SCIM id {Comment(id)}, {Comment(m.Ref ?? "no $ref")}) of a group: not found in the workspace's users, groups or service principals");
    }

    private string? Skip(string why)
    {
        _report.NotAdopted.Add(why);
        return null;
    }

    private static List<string> Entitlements(IReadOnlyList<EstateValue>? values) =>
        (values ?? []).Select(e => e.Value?.ToLowerInvariant()).OfType<string>().Where(Vocabulary.Entitlements.Contains).Distinct().Order(StringComparer.Ordinal).ToList();

    private void AdoptSp(EstateServicePrincipal s, bool isAccount, string key, long? assignmentId, string? access, Dictionary<string, EstateServicePrincipal> accountSps)
    {
        var name = s.DisplayName ?? s.ApplicationId!;
        var entra = !string.IsNullOrEmpty(s.ExternalId);
        _sps.Add($"# adopted {stamp} from the {(isAccount ? "account" : "workspace")} service principal '{Comment(name)}' (SCIM id {Comment(s.Id!)})");
        _sps.Add($"{Scalar(key)}:");
        if (name != key)
        {
            _sps.Add($"  displayName: {Scalar(name)}");
        }

        _sps.Add($"  applicationId: {Scalar(s.ApplicationId!)}");
        if (entra)
        {
            _sps.Add("  source: entra");
        }

        if (_account && !isAccount)
        {
            _sps.Add("  level: workspace");
        }
        else if (isAccount && (access ?? "none") != "user")
        {
            _sps.Add($"  workspaceAccess: {access ?? "none"}");
        }

        var wsSp = estate.WorkspaceSps.FirstOrDefault(w => string.Equals(w.ApplicationId, s.ApplicationId, StringComparison.OrdinalIgnoreCase));
        var entitlements = Entitlements(wsSp?.Entitlements);
        if (entitlements.Count > 0)
        {
            _sps.Add($"  entitlements: [{string.Join(", ", entitlements)}]");
        }

        var accountId = isAccount && accountSps.TryGetValue(s.ApplicationId!, out var a) ? a.Id! : s.Id!;
        _ids.Sps[key] = (accountId, entitlements.Count > 0 ? wsSp?.Id : null, assignmentId, !entra);
        _report.ServicePrincipals++;
    }

    /// <summary>A principal as secret ACLs and grants name it (email, group name, application id), in the model's terms.</summary>
    private string? Principal(string live, string where)
    {
        if (_spRefByAppId.TryGetValue(live, out var sp))
        {
            return sp;
        }

        if (_groupRefByName.TryGetValue(live, out var g))
        {
            return g;
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

    private void AdoptScope(EstateScopeRead read)
    {
        var name = read.Scope.Name!;
        if (input.SecretScopes.Values.Any(s => s.Name == name))
        {
            _report.AlreadyDeclared++;
            return;
        }

        var key = NewKey(name, _scopeKeys, "scope");
        var kv = string.Equals(read.Scope.BackendType, "AZURE_KEYVAULT", StringComparison.OrdinalIgnoreCase);
        _scopes.Add($"# adopted {stamp} from the secret scope '{Comment(name)}' ({(kv ? "Azure Key Vault-backed" : "Databricks-backed")})");
        _scopes.Add($"{Scalar(key)}:");
        if (name != key)
        {
            _scopes.Add($"  name: {Scalar(name)}");
        }

        if (kv)
        {
            _scopes.Add("  backend: azure-keyvault");
            _scopes.Add("  keyVault:");
            _scopes.Add($"    resourceId: {Scalar(read.Scope.KeyVault?.ResourceId ?? string.Empty)}");
            _scopes.Add($"    dnsName: {Scalar(read.Scope.KeyVault?.DnsName ?? string.Empty)}");
        }

        var principals = new Dictionary<string, string>(StringComparer.Ordinal);
        var acls = new List<(string Ref, string Permission)>();
        foreach (var acl in read.Acls.Where(a => a.Principal is { Length: > 0 } && a.Permission is { Length: > 0 }))
        {
            if (input.Deployer?.AdminApplicationIds.Contains(acl.Principal!, StringComparer.OrdinalIgnoreCase) == true)
            {
                continue; // the deployer's MANAGE is declared without a line (docs/audit.md)
            }

            if (Principal(acl.Principal!, $"scope {name}") is { } r && principals.TryAdd(r, acl.Principal!))
            {
                acls.Add((r, acl.Permission!.ToUpperInvariant()));
            }
        }

        if (acls.Count > 0)
        {
            _scopes.Add("  acls:");
            foreach (var (r, permission) in acls.OrderBy(a => a.Ref, StringComparer.Ordinal))
            {
                _scopes.Add($"    {Scalar(r)}: {permission}");
                _report.Acls++;
            }
        }

        var secrets = read.SecretKeys.Where(k => Names.IsKey(k.ToLowerInvariant())).ToList();
        foreach (var bad in read.SecretKeys.Except(secrets))
        {
            Skip($"secret '{Comment(bad)}' of scope {name}: not a key the model accepts");
        }

        if (secrets.Count > 0)
        {
            _scopes.Add("  # values are not readable: existing: true declares the secret without managing (or ever writing) its value");
            _scopes.Add("  secrets:");
            foreach (var k in secrets.DistinctBy(k => k.ToLowerInvariant()))
            {
                _scopes.Add($"    {Scalar(k)}: {{ existing: true }}");
                _report.Secrets.Add($"{name}/{k}");
            }
        }

        _ids.Scopes[key] = (name, principals);
        _report.Scopes++;
    }

    private void AdoptGrants(Securable on, EstateGrants? grants)
    {
        if (grants?.Assignments is not { } assignments)
        {
            Skip($"{on}: the securable does not exist (HTTP 404)");
            return;
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

            _grants.Add($"# adopted {stamp} from the grants on {Comment(on.ToString())}");
            _grants.Add($"- on: {Scalar(on.ToString())}");
            _grants.Add($"  to: {Scalar(to)}");
            _grants.Add($"  privileges: [{string.Join(", ", known)}]");
            _ids.Grants[(on.ToString(), to)] = a.Key;
            _report.Grants++;
        }
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

    /// <summary>
    /// The import id of every adopted resource the plan registers, by resource name. Formats follow
    /// terraform-provider-databricks v1.128.0 (each resource's Read of <c>d.Id()</c>):
    /// Group <c>&lt;id&gt;</c> (scim/resource_group.go:70); ServicePrincipal <c>&lt;id&gt;</c>
    /// (scim/resource_service_principal.go:187); GroupMember <c>&lt;groupId&gt;|&lt;memberId&gt;</c>
    /// (scim/resource_group_member.go:122, common.NewPairID with "|", common/pair.go:21); Entitlements
    /// <c>group/&lt;id&gt;</c>, <c>spn/&lt;id&gt;</c> (scim/resource_entitlement.go:52); MwsPermissionAssignment
    /// <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> (mws/resource_mws_permission_assignment.go:40); SecretScope
    /// <c>&lt;name&gt;</c> (secrets/resource_secret_scope.go:98); SecretAcl <c>&lt;scope&gt;|||&lt;principal&gt;</c>
    /// (secrets/resource_secret_acl.go:20); Grant <c>&lt;type&gt;/&lt;name&gt;/&lt;principal&gt;</c>
    /// (catalog/resource_grant.go:128, the securable part from catalog/permissions/permissions.go:120).
    /// </summary>
    public SortedDictionary<string, string> Imports(ResourcePlan plan)
    {
        var imports = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var g in plan.Groups)
        {
            if (!_ids.Groups.TryGetValue(g.Spec.Key, out var ids))
            {
                continue;
            }

            if (g.Creates)
            {
                imports[g.GroupResource] = ids.Id;
            }

            if (g.EntitlementsResource is { } e && ids.EntitlementsId is { } eid)
            {
                imports[e] = $"group/{eid}";
            }

            if (g.AssignmentResource is { } a && ids.AssignmentId is { } aid)
            {
                imports[a] = $"{workspaceId}|{aid.ToString(CultureInfo.InvariantCulture)}";
            }

            foreach (var m in g.Members)
            {
                if (_ids.Members.TryGetValue((g.Spec.Key, m.Membership.Principal.ToString()), out var memberId))
                {
                    imports[m.ResourceName] = $"{ids.Id}|{memberId}";
                }
            }
        }

        foreach (var s in plan.ServicePrincipals)
        {
            if (!_ids.Sps.TryGetValue(s.Spec.Key, out var ids))
            {
                continue;
            }

            if (s.Creates)
            {
                imports[s.SpResource] = ids.Id;
            }

            if (s.EntitlementsResource is { } e && ids.EntitlementsId is { } eid)
            {
                imports[e] = $"spn/{eid}";
            }

            if (s.AssignmentResource is { } a && ids.AssignmentId is { } aid)
            {
                imports[a] = $"{workspaceId}|{aid.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        foreach (var scope in plan.Scopes)
        {
            if (!_ids.Scopes.TryGetValue(scope.Spec.Key, out var ids))
            {
                continue;
            }

            imports[scope.ScopeResource] = ids.Name;
            foreach (var acl in scope.Acls)
            {
                if (ids.Principals.TryGetValue(acl.Acl.Principal.ToString(), out var live))
                {
                    imports[acl.ResourceName] = $"{ids.Name}|||{live}";
                }
            }
        }

        foreach (var securable in plan.Grants?.Securables.Where(s => !s.Authoritative) ?? [])
        {
            foreach (var g in securable.Grants)
            {
                if (_ids.Grants.TryGetValue((securable.On.ToString(), g.Principal.ToString()), out var live))
                {
                    imports[securable.PrincipalResource(g)] = $"{Securable.Prefix(securable.On.Kind)}/{securable.On.Name}/{live}";
                }
            }
        }

        _report.Imports = imports.Count;
        return imports;
    }

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex KeyChars();
}
