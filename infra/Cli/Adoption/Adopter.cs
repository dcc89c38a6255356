using System.Globalization;
using System.Text.RegularExpressions;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Cli.Adoption.StackText;

namespace DatabricksAccess.Cli.Adoption;

/// <summary>What adoption did, for the report: counts of what is written, secrets declared existing, what it skipped and why.</summary>
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

    public int JobPermissions { get; set; }

    /// <summary>Account users assigned to the workspace directly (<c>topology.users</c>).</summary>
    public int Users { get; set; }

    public int AlreadyDeclared { get; set; }

    public List<string> Secrets { get; } = [];

    /// <summary>One line per object (or part of one) not adopted, naming it and why.</summary>
    public List<string> NotAdopted { get; } = [];

    /// <summary>What a reviewer should know that is not a skip (names that differ only in case...).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>What Unity Catalog grants were read, and what not.</summary>
    public IReadOnlyList<string> GrantsRead { get; set; } = [];

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

    /// <summary>job key → job id.</summary>
    public Dictionary<string, long> Jobs { get; } = new(StringComparer.Ordinal);

    /// <summary>email (lower case) → the account user's id, the principal of its direct workspace assignment.</summary>
    public Dictionary<string, long> Users { get; } = new(StringComparer.Ordinal);
}

/// <summary>One adopted object as written: its section, its key (null in a list section), its lines and what it counts.</summary>
internal sealed class AdoptedEntry(string section, string? key, string what)
{
    public string Section { get; } = section;

    public string? Key { get; } = key;

    /// <summary>How the skip line names it.</summary>
    public string What { get; } = what;

    public List<string> Lines { get; } = [];

    public int Members { get; set; }

    public int Acls { get; set; }

    public int Permissions { get; set; }

    public bool Entra { get; set; }

    public bool Counted { get; set; } = true;

    public List<string> Secrets { get; } = [];

    public bool Dropped { get; set; }
}

/// <summary>
/// Turns a live <see cref="Estate"/> into stack-file entries in the model's own keys, beside what the input declares
/// already (kept as written, never changed). Secrets are declared <c>existing: true</c>. What the model cannot hold is
/// skipped with one line naming it and why; everything else is still adopted.
/// </summary>
internal sealed partial class Adopter(TopologyModel input, Estate estate, string workspaceId, string stamp)
{
    private static readonly HashSet<string> JobLevels = new(StringComparer.Ordinal) { "CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE" };

    /// <summary>Job settings the model does not hold but that are harmless at these values (absent, empty, or the default).</summary>
    private static readonly HashSet<string> JobSettingsIgnored = new(StringComparer.Ordinal) { "format", "edit_mode", "run_as", "queue", "deployment", "performance_target" };

    private static readonly string[] ClusterKeys = ["existing_cluster_id", "new_cluster", "job_cluster_key"];
    private static readonly (string Level, string Field)[] JobFields = [("CAN_VIEW", "canView"), ("CAN_MANAGE_RUN", "canManageRun"), ("CAN_MANAGE", "canManage")];

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

            if (_adoptedGroupByName.TryGetValue(name, out var same))
            {
                _groupRefById[g.Id!] = same; // the same name at both levels: one group
                continue;
            }

            if (_groupRefByName.TryGetValue(name, out var known) && input.Groups.Values.Any(d => d.DisplayName == name))
            {
                _groupRefById[g.Id!] = known;
                _report.AlreadyDeclared++;
                continue;
            }

            var key = NewKey(name, _groupKeys, "group");
            if (_groupRefByName.TryGetValue(name, out var twin))
            {
                // FINANCE beside finance: both are adopted, each under its own key; names are matched exactly.
                _report.Notes.Add($"group '{Comment(name)}' differs only in case from {twin}: adopted as group:{key}; ACLs and grants are matched to the exact name, and the audit compares names without case: review both");
            }

            _groupRefById[g.Id!] = $"group:{key}";
            _adoptedGroupByName[name] = $"group:{key}";
            _groupRefByName.TryAdd(name, $"group:{key}");
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

    /// <summary>
    /// An account user assigned to the workspace directly: <c>users.&lt;email&gt;.workspaceAccess</c>, imported as the
    /// account-level assignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> (the assignment's principal is the user's id).
    /// </summary>
    private void AdoptUser(AssignmentItem a)
    {
        var written = a.Principal!.UserName!;
        var email = written.ToLowerInvariant();
        if (input.Users.ContainsKey(email))
        {
            _report.AlreadyDeclared++;
            return;
        }

        if (!Names.IsEmail(email) || a.Principal.PrincipalId is not { } principalId)
        {
            Skip($"user {Comment(written)}: assigned to the workspace directly, but {(a.Principal.PrincipalId is null ? "the assignment names no principal id" : "its user name is not an email the model can key")} (audit reports the assignment as undeclared-assignment)");
            return;
        }

        if (_ids.Users.ContainsKey(email))
        {
            _report.Notes.Add($"user {Comment(written)} is assigned to the workspace twice under names that differ only in case: adopted once as {Comment(email)}; review the assignments");
            return;
        }

        var e = Entry("users", email, $"user {Comment(written)}");
        e.Lines.Add($"# adopted {stamp} from the direct workspace assignment of the account user '{Comment(written)}' (principal id {principalId.ToString(CultureInfo.InvariantCulture)}: {Comment(string.Join(", ", a.Permissions ?? []))})");
        e.Lines.Add($"{Scalar(email)}:");
        e.Lines.Add($"  workspaceAccess: {Access(a)}");
        _ids.Users[email] = principalId;
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

    private void AdoptGroup(EstateGroup g, bool isAccount, string key, List<AssignmentItem> assignments, Dictionary<string, EstateServicePrincipal> accountSps)
    {
        var name = g.DisplayName!;
        var builtIn = Names.IsBuiltInGroup(key) && !isAccount;
        var entra = !builtIn && !string.IsNullOrEmpty(g.ExternalId);
        var where = isAccount ? "account" : "workspace";
        var e = Entry("groups", key, $"group '{Comment(name)}' (SCIM id {Comment(g.Id!)})");
        e.Counted = !builtIn;
        e.Entra = entra;
        e.Lines.Add($"# adopted {stamp} from the {where} group '{Comment(name)}' (SCIM id {Comment(g.Id!)}){(entra ? $", synced from Entra ID (externalId {Comment(g.ExternalId!)})" : string.Empty)}");
        e.Lines.Add($"{Scalar(key)}:");
        if (builtIn)
        {
            e.Lines.Add("  existing: true");
        }
        else
        {
            if (name != key)
            {
                e.Lines.Add($"  displayName: {Scalar(name)}");
            }

            if (entra)
            {
                e.Lines.Add("  source: entra");
            }

            if (_account && !isAccount)
            {
                e.Lines.Add("  level: workspace");
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
                e.Lines.Add($"  workspaceAccess: {access}");
            }
        }

        // Entitlements are read from the workspace's own groups (account groups carry none, model.go:55).
        var entitlements = builtIn ? [] : Entitlements(g.Entitlements);
        if (entitlements.Count > 0)
        {
            e.Lines.Add($"  entitlements: [{string.Join(", ", entitlements)}]");
        }

        _ids.Groups[key] = (g.Id!, !isAccount && entitlements.Count > 0 ? g.Id : null, assignmentId);

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

        e.Lines.Add("  members:");
        foreach (var (r, id) in members.DistinctBy(m => m.Ref).OrderBy(m => m.Ref, StringComparer.Ordinal))
        {
            e.Lines.Add($"    - {Scalar(r)}");
            _ids.Members[(key, r)] = id;
            e.Members++;
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
        var e = Entry("servicePrincipals", key, $"service principal '{Comment(name)}' ({Comment(s.ApplicationId!)})");
        e.Lines.Add($"# adopted {stamp} from the {(isAccount ? "account" : "workspace")} service principal '{Comment(name)}' (SCIM id {Comment(s.Id!)})");
        e.Lines.Add($"{Scalar(key)}:");
        if (name != key)
        {
            e.Lines.Add($"  displayName: {Scalar(name)}");
        }

        e.Lines.Add($"  applicationId: {Scalar(s.ApplicationId!)}");
        if (entra)
        {
            e.Lines.Add("  source: entra");
        }

        if (_account && !isAccount)
        {
            e.Lines.Add("  level: workspace");
        }
        else if (isAccount && (access ?? "none") != "user")
        {
            e.Lines.Add($"  workspaceAccess: {access ?? "none"}");
        }

        var wsSp = estate.WorkspaceSps.FirstOrDefault(w => string.Equals(w.ApplicationId, s.ApplicationId, StringComparison.OrdinalIgnoreCase));
        var entitlements = Entitlements(wsSp?.Entitlements);
        if (entitlements.Count > 0)
        {
            e.Lines.Add($"  entitlements: [{string.Join(", ", entitlements)}]");
        }

        var accountId = isAccount && accountSps.TryGetValue(s.ApplicationId!, out var a) ? a.Id! : s.Id!;
        _ids.Sps[key] = (accountId, entitlements.Count > 0 ? wsSp?.Id : null, assignmentId, !entra);
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
        var e = Entry("secretScopes", key, $"secret scope '{Comment(name)}'");
        e.Lines.Add($"# adopted {stamp} from the secret scope '{Comment(name)}' ({(kv ? "Azure Key Vault-backed" : "Databricks-backed")})");
        e.Lines.Add($"{Scalar(key)}:");
        if (name != key)
        {
            e.Lines.Add($"  name: {Scalar(name)}");
        }

        if (kv)
        {
            e.Lines.Add("  backend: azure-keyvault");
            e.Lines.Add("  keyVault:");
            e.Lines.Add($"    resourceId: {Scalar(read.Scope.KeyVault?.ResourceId ?? string.Empty)}");
            e.Lines.Add($"    dnsName: {Scalar(read.Scope.KeyVault?.DnsName ?? string.Empty)}");
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
            e.Lines.Add("  acls:");
            foreach (var (r, permission) in acls.OrderBy(a => a.Ref, StringComparer.Ordinal))
            {
                e.Lines.Add($"    {Scalar(r)}: {permission}");
                e.Acls++;
            }
        }

        var secrets = read.SecretKeys.Where(k => Names.IsKey(k.ToLowerInvariant())).ToList();
        foreach (var bad in read.SecretKeys.Except(secrets))
        {
            Skip($"secret '{Comment(bad)}' of scope {name}: not a key the model accepts");
        }

        if (secrets.Count > 0)
        {
            e.Lines.Add("  # values are not readable: existing: true declares the secret without managing (or ever writing) its value");
            e.Lines.Add("  secrets:");
            foreach (var k in secrets.DistinctBy(k => k.ToLowerInvariant()))
            {
                e.Lines.Add($"    {Scalar(k)}: {{ existing: true }}");
                e.Secrets.Add($"{name}/{k}");
            }
        }

        _ids.Scopes[key] = (name, principals);
    }

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
            _ids.Grants[(on.ToString(), to)] = a.Key;
        }
    }

    /// <summary>
    /// A job the model can express (one notebook task keyed <c>main</c> on serverless compute, a schedule, run-as,
    /// CAN_VIEW / CAN_MANAGE_RUN / CAN_MANAGE and its IS_OWNER as <c>owner</c>): adopted with its permissions; any other job is skipped naming every
    /// reason. Shapes: Go SDK v0.175.0 service/jobs/model.go:2061 Job, :2561 JobSettings, :6284 Task, :3176 NotebookTask,
    /// :1117 CronSchedule.
    /// </summary>
    private void AdoptJob(EstateJob read)
    {
        var job = read.Job;
        var settings = job.Settings;
        var name = settings?.Name is { Length: > 0 } n ? n : $"job {job.JobId}";
        var what = $"job '{Comment(name)}' (job_id {job.JobId})";
        if (input.Jobs.Values.Any(j => j.Name == name))
        {
            _report.AlreadyDeclared++;
            return;
        }

        var why = new List<string>();
        var tasks = settings?.Tasks ?? [];
        JobNotebookTask? notebook = null;
        if (tasks.Count != 1)
        {
            why.Add($"it has {tasks.Count} tasks; the model's job has one notebook task");
        }
        else
        {
            var task = tasks[0];
            var other = task.Other ?? [];
            notebook = task.NotebookTask;
            if (notebook is null)
            {
                var type = other.Keys.FirstOrDefault(k => k.EndsWith("_task", StringComparison.Ordinal)) ?? "task of no known type";
                why.Add($"its task is a {type}; the model's job runs a notebook");
            }
            else
            {
                if (notebook.NotebookPath is not { } path || !Names.IsWorkspacePath(path))
                {
                    why.Add($"its notebook '{Comment(notebook.NotebookPath ?? string.Empty)}' is not a workspace path the model accepts");
                }

                if (string.Equals(notebook.Source, "GIT", StringComparison.OrdinalIgnoreCase) || notebook.BaseParameters is { Count: > 0 } || !string.IsNullOrEmpty(notebook.WarehouseId))
                {
                    why.Add("its notebook task has a Git source, parameters or a SQL warehouse, which the model does not hold");
                }
            }

            if (task.TaskKey != "main")
            {
                why.Add($"its task key is '{Comment(task.TaskKey ?? string.Empty)}'; the model names its one task 'main'");
            }

            var cluster = ClusterKeys.Where(k => Set(other.GetValueOrDefault(k))).ToList();
            if (cluster.Count > 0)
            {
                why.Add($"it runs on a cluster ({string.Join(", ", cluster)}); the model's job runs on serverless compute");
            }

            var extra = other.Where(kv => !kv.Key.EndsWith("_task", StringComparison.Ordinal) && !cluster.Contains(kv.Key) && kv.Key != "run_if" && Set(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            if (extra.Count > 0)
            {
                why.Add($"its task has settings the model does not hold ({string.Join(", ", extra)})");
            }
        }

        var unheld = (settings?.Other ?? []).Where(kv => !JobSettingsIgnored.Contains(kv.Key) && Set(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        if (settings?.MaxConcurrentRuns is { } runs && runs != 1)
        {
            unheld.Add($"max_concurrent_runs {runs}");
        }

        if (unheld.Count > 0)
        {
            why.Add($"it has settings the model does not hold ({string.Join(", ", unheld)})");
        }

        if (settings?.Schedule is { } cron && string.Equals(cron.PauseStatus, "PAUSED", StringComparison.OrdinalIgnoreCase))
        {
            why.Add("its schedule is paused; the model's schedule always runs");
        }

        string? runAs = null;
        if (job.RunAsUserName is not { Length: > 0 } runAsName)
        {
            why.Add("it names no run-as principal (run_as_user_name)");
        }
        else if (input.Deployer?.AdminApplicationIds.Contains(runAsName, StringComparer.OrdinalIgnoreCase) == true)
        {
            why.Add($"it runs as the deployer or an automation identity ({Comment(runAsName)}), which the model does not declare as a service principal");
        }
        else if (_spRefByAppId.TryGetValue(runAsName, out var sp))
        {
            runAs = sp;
        }
        else if (Names.IsEmail(runAsName.ToLowerInvariant()))
        {
            runAs = $"user:{runAsName.ToLowerInvariant()}";
        }
        else
        {
            why.Add($"it runs as '{Comment(runAsName)}', no user or adopted service principal");
        }

        // Its permissions: the Permissions resource is authoritative, so one the model cannot name would be revoked.
        var levels = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? owner = null;
        if (read.Acl is null)
        {
            why.Add("its permissions could not be read (HTTP 404)");
        }

        foreach (var entry in read.Acl ?? [])
        {
            var direct = (entry.AllPermissions ?? []).Where(l => !l.Inherited && l.Level is { Length: > 0 }).Select(l => l.Level!.ToUpperInvariant()).ToList();
            if (direct.Count == 0)
            {
                continue;
            }

            var live = entry.UserName ?? entry.GroupName ?? entry.ServicePrincipalName ?? string.Empty;
            if (entry.GroupName == "admins" || input.Deployer?.AdminApplicationIds.Contains(live, StringComparer.OrdinalIgnoreCase) == true)
            {
                continue; // admins hold CAN_MANAGE on every job; the deployer is declared without a line
            }

            var level = direct.Contains("IS_OWNER") ? "IS_OWNER" : direct.Contains("CAN_MANAGE") ? "CAN_MANAGE" : direct.Contains("CAN_MANAGE_RUN") ? "CAN_MANAGE_RUN" : direct[0];
            if (!JobLevels.Contains(level) && level != "IS_OWNER")
            {
                why.Add($"{Comment(live)} holds {Comment(level)}, a level the model does not know");
                continue;
            }

            var r = entry.UserName is { Length: > 0 } user
                ? (Names.IsEmail(user.ToLowerInvariant()) ? $"user:{user.ToLowerInvariant()}" : null)
                : entry.GroupName is { Length: > 0 } group
                    ? (group == "users" ? "group:users" : _adoptedGroupByName.GetValueOrDefault(group) ?? _groupRefByName.GetValueOrDefault(group))
                    : entry.ServicePrincipalName is { Length: > 0 } app ? _spRefByAppId.GetValueOrDefault(app) : null;
            if (r is null)
            {
                why.Add($"{Comment(live)} holds {level} on it and is no user, adopted group or service principal (declaring its permissions would revoke that)");
                continue;
            }

            if (level == "IS_OWNER")
            {
                // Declared as the job's owner: the import reads the live IS_OWNER (permissions/permission_definitions.go:214-254
                // prepareResponse drops only the caller, admins and inherited entries), and a list without one would make the
                // deployer IS_OWNER on the first up (resource_permissions.go:33-55 safePutWithOwner, addOwnerPermissionIfNeeded).
                if (r.StartsWith("group:", StringComparison.Ordinal))
                {
                    why.Add($"its owner is the group {Comment(live)}; a job's owner is a user or a service principal");
                    continue;
                }

                owner = r;
                continue;
            }

            levels.GetOrAdd(level).Add(r);
        }

        if (why.Count > 0)
        {
            Skip($"{what}: {string.Join("; ", why)}");
            return;
        }

        var key = NewKey(name, _jobKeys, "job");
        var e = Entry("jobs", key, what);
        e.Lines.Add($"# adopted {stamp} from the {what}");
        e.Lines.Add($"{Scalar(key)}:");
        if (name != key)
        {
            e.Lines.Add($"  name: {Scalar(name)}");
        }

        e.Lines.Add($"  notebook: {Scalar(notebook!.NotebookPath!)}");
        e.Lines.Add($"  runAs: {Scalar(runAs!)}");
        if (settings?.Schedule is { Cron: { Length: > 0 } expression } schedule)
        {
            e.Lines.Add("  schedule:");
            e.Lines.Add($"    cron: {Scalar(expression)}");
            e.Lines.Add($"    timezone: {Scalar(schedule.TimeZone is { Length: > 0 } tz ? tz : "UTC")}");
        }

        if (owner is not null)
        {
            e.Lines.Add($"  owner: {Scalar(owner)}");
        }

        foreach (var (level, field) in JobFields)
        {
            if (levels.TryGetValue(level, out var refs))
            {
                var distinct = refs.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                e.Lines.Add($"  {field}: [{string.Join(", ", distinct.Select(Scalar))}]");
                e.Permissions += distinct.Count;
            }
        }

        _ids.Jobs[key] = job.JobId;
    }

    /// <summary>A JSON value that says something: not null, false, 0, "" or an empty object or array.</summary>
    private static bool Set(System.Text.Json.JsonElement? value) => value is { } v && v.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.False => false,
        System.Text.Json.JsonValueKind.Number => v.GetRawText() is not ("0" or "0.0"),
        System.Text.Json.JsonValueKind.String => v.GetString()!.Length > 0,
        System.Text.Json.JsonValueKind.Object => v.EnumerateObject().Any(p => Set(p.Value)),
        System.Text.Json.JsonValueKind.Array => v.GetArrayLength() > 0,
        _ => true,
    };

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
    /// (catalog/resource_grant.go:122 toSecurableId, the securable part from catalog/permissions/permissions.go:120); Job
    /// <c>&lt;job id&gt;</c> (jobs/resource_job.go:1142 d.SetId of the numeric id, read back at :1159); Permissions of a job <c>/jobs/&lt;job id&gt;</c>
    /// (permissions/resource_permissions.go:310, permission_definitions.go:398-400). A user's direct assignment is the same
    /// MwsPermissionAssignment <c>&lt;workspaceId&gt;|&lt;principalId&gt;</c> with the account user's id as principal (its Read
    /// unpacks the pair and finds the principal in WorkspaceAssignment.ListByWorkspaceId, mws/resource_mws_permission_assignment.go:62-81).
    /// </summary>
    public SortedDictionary<string, string> Imports(ResourcePlan plan)
    {
        var imports = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var u in plan.UserAssignments)
        {
            if (_ids.Users.TryGetValue(u.Spec.Email, out var principalId))
            {
                imports[u.ResourceName] = $"{workspaceId}|{principalId.ToString(CultureInfo.InvariantCulture)}";
            }
        }

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
                    // The metastore is named by its id (catalog/permissions/permissions.go:120 Mappings.Id: "metastore/<id>").
                    var name = securable.On.Kind == SecurableKind.Metastore ? estate.MetastoreId : securable.On.Name;
                    if (name is not null)
                    {
                        imports[securable.PrincipalResource(g)] = $"{Securable.Prefix(securable.On.Kind)}/{name}/{live}";
                    }
                }
            }
        }

        foreach (var job in plan.Jobs)
        {
            if (_ids.Jobs.TryGetValue(job.Spec.Key, out var id))
            {
                imports[job.JobResource] = id.ToString(CultureInfo.InvariantCulture);
                if (job.PermissionsResource is { } permissions)
                {
                    // permissions/resource_permissions.go:310 d.SetId(objectID): "/jobs/<id>" (permission_definitions.go:398-400).
                    imports[permissions] = $"/jobs/{id.ToString(CultureInfo.InvariantCulture)}";
                }
            }
        }

        _report.Imports = imports.Count;
        return imports;
    }

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex KeyChars();
}
