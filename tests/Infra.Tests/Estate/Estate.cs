using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// An in-memory Databricks workspace and account, holding the access an apply can change. Each resource type's
/// Create, Update and Delete do what the provider that Pulumi.Databricks 1.106.0 wraps does
/// (the facts named below, docs/facts.md); resources whose effect is only their own existence
/// (groups, service principals, scopes, jobs, Azure resources) are tracked as objects.
/// Access is observed as <see cref="Facts"/>: one string per unit of access (<c>grant|catalog:main|&lt;principal&gt;|SELECT</c>).
/// </summary>
public sealed partial class Estate
{
    // securable -> principal -> privileges
    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _grants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _entitlements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _assignments = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Scope, string Principal), string> _acls = [];
    private readonly Dictionary<(string Scope, string Key), (string Slot, int Generation)?> _secrets = [];
    private readonly Dictionary<string, List<(string Principal, string Role)>> _ruleSets = new(StringComparer.Ordinal);
    private readonly HashSet<(string Group, string Member)> _members = [];
    private readonly Dictionary<string, string> _tokenPermissions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Warehouse, string Principal), (string Kind, string Level)> _warehouseAcls = [];
    private readonly Dictionary<string, string> _warehouseCreators = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Job, string Principal), (string Kind, string Level)> _jobAcls = [];
    private readonly Dictionary<string, string> _jobCreators = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, string Id), ImmutableDictionary<string, object>> _objects = [];
    private readonly Dictionary<string, string> _workspaceConf = new(StringComparer.Ordinal);
    private readonly HashSet<(string Principal, string Role)> _accountRoles = [];
    private readonly HashSet<(string Slot, int Generation)> _liveCredentials = [];
    private readonly Dictionary<string, int> _generation = new(StringComparer.Ordinal);

    /// <summary>Credential values as the mocks hand them out (by value), to the slot resource that minted them.</summary>
    public Dictionary<string, string> CredentialSlotByValue { get; } = new(StringComparer.Ordinal);

    public Estate Clone()
    {
        var copy = new Estate();
        foreach (var (s, byPrincipal) in _grants)
        {
            copy._grants[s] = byPrincipal.ToDictionary(kv => kv.Key, kv => new SortedSet<string>(kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        }

        foreach (var (k, v) in _entitlements)
        {
            copy._entitlements[k] = new SortedSet<string>(v, StringComparer.Ordinal);
        }

        foreach (var (k, v) in _assignments) copy._assignments[k] = v;
        foreach (var (k, v) in _acls) copy._acls[k] = v;
        foreach (var (k, v) in _secrets) copy._secrets[k] = v;
        foreach (var (k, v) in _ruleSets) copy._ruleSets[k] = [.. v];
        copy._members.UnionWith(_members);
        foreach (var (k, v) in _tokenPermissions) copy._tokenPermissions[k] = v;
        foreach (var (k, v) in TokenKinds) copy.TokenKinds[k] = v;
        foreach (var (k, v) in _warehouseAcls) copy._warehouseAcls[k] = v;
        foreach (var (k, v) in _warehouseCreators) copy._warehouseCreators[k] = v;
        foreach (var (k, v) in _jobAcls) copy._jobAcls[k] = v;
        foreach (var (k, v) in _jobCreators) copy._jobCreators[k] = v;
        foreach (var (k, v) in _objects) copy._objects[k] = v;
        copy.Caller = Caller;
        foreach (var (k, v) in _workspaceConf) copy._workspaceConf[k] = v;
        copy._accountRoles.UnionWith(_accountRoles);
        copy._liveCredentials.UnionWith(_liveCredentials);
        foreach (var (k, v) in _generation) copy._generation[k] = v;
        foreach (var (k, v) in CredentialSlotByValue) copy.CredentialSlotByValue[k] = v;
        CopySecretValuesTo(copy);
        return copy;
    }

    /// <summary>Access someone set up before (or beside) the stack.</summary>
    public void Grant(string securable, string principal, params string[] privileges) => Privileges(securable, principal).UnionWith(privileges);

    public void Entitle(string principalId, params string[] entitlements) =>
        (_entitlements.TryGetValue(principalId, out var set) ? set : _entitlements[principalId] = new(StringComparer.Ordinal)).UnionWith(entitlements);

    public void Assign(string principalId, string level) => _assignments[principalId] = level;

    public void Acl(string scope, string principal, string permission) => _acls[(scope, principal)] = permission;

    public void Member(string group, string member) => _members.Add((group, member));

    /// <summary>
    /// Who runs the provider (the deployer): the permissions resource's current user, <c>me.UserName</c>; a service
    /// principal's is its application id [fact: permissions-current-user].
    /// </summary>
    public string Caller { get; set; } = "deployer";

    /// <summary>An object someone created before (or beside) the stack, with the provider fields Read returns for it.</summary>
    public void Plant(string type, string id, ImmutableDictionary<string, object> fields) => _objects[(type, id)] = fields;

    /// <summary>
    /// An existing SQL warehouse: its creator (what Delete hands ownership back to [fact: permissions-delete-to-creator])
    /// and its ACL as (kind, name, level), kind one of userName,
    /// groupName, servicePrincipalName.
    /// </summary>
    public void Warehouse(string id, string creator, params (string Kind, string Who, string Level)[] acl)
    {
        _warehouseCreators[id] = creator;
        foreach (var (kind, who, level) in acl)
        {
            _warehouseAcls[(id, who)] = (kind, level);
        }
    }

    /// <summary>The principal holding IS_OWNER on the warehouse, or null.</summary>
    public string? WarehouseOwner(string id) =>
        _warehouseAcls.Where(kv => kv.Key.Warehouse == id && kv.Value.Level == "IS_OWNER").Select(kv => kv.Key.Principal).SingleOrDefault();

    /// <summary>
    /// An existing job's ACL (its creator, jobs.Get creator_user_name, is what Delete hands ownership back to
    /// [fact: permissions-delete-to-creator]). Not in
    /// <see cref="Facts"/>: observed with <see cref="JobAcl"/>.
    /// </summary>
    public void Job(string id, string creator, params (string Kind, string Who, string Level)[] acl)
    {
        _jobCreators[id] = creator;
        foreach (var (kind, who, level) in acl)
        {
            _jobAcls[(id, who)] = (kind, level);
        }
    }

    /// <summary>The job's live ACL as "principal LEVEL", ordered.</summary>
    public IReadOnlyList<string> JobAcl(string id) =>
        _jobAcls.Where(kv => kv.Key.Job == id).Select(kv => $"{kv.Key.Principal} {kv.Value.Level}").Order(StringComparer.Ordinal).ToList();

    /// <summary>Every unit of access, as comparable strings.</summary>
    public ImmutableSortedSet<string> Facts()
    {
        var facts = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var (s, byPrincipal) in _grants)
        {
            foreach (var (p, privileges) in byPrincipal)
            {
                facts.UnionWith(privileges.Select(x => $"grant|{s}|{p}|{x}"));
            }
        }

        foreach (var (p, es) in _entitlements)
        {
            facts.UnionWith(es.Select(e => $"entitlement|{p}|{e}"));
        }

        facts.UnionWith(_assignments.Select(kv => $"assignment|{kv.Key}|{kv.Value}"));
        facts.UnionWith(_acls.Select(kv => $"acl|{kv.Key.Scope}|{kv.Key.Principal}|{kv.Value}"));
        facts.UnionWith(_ruleSets.SelectMany(kv => kv.Value.Select(r => $"rule|{kv.Key}|{r.Principal}|{r.Role}")));
        facts.UnionWith(_members.Select(m => $"member|{m.Group}|{m.Member}"));
        facts.UnionWith(_tokenPermissions.Select(kv => $"token-use|{kv.Key}|{kv.Value}"));
        facts.UnionWith(_warehouseAcls.Select(kv => $"warehouse|{kv.Key.Warehouse}|{kv.Key.Principal}|{kv.Value.Level}"));
        facts.UnionWith(_workspaceConf.Where(kv => kv.Value.Length > 0).Select(kv => $"workspace-conf|{kv.Key}|{kv.Value}"));
        facts.UnionWith(_accountRoles.Select(r => $"account-role|{r.Principal}|{r.Role}"));
        return facts.ToImmutable();
    }

    /// <summary>The credential a consumer reads from a store now (slot and generation), or null when the key is missing.</summary>
    public (string Slot, int Generation)? Stored(string scope, string key) => _secrets.TryGetValue((scope, key), out var v) ? v : null;

    public bool IsLive((string Slot, int Generation) credential) => _liveCredentials.Contains(credential);

    public IEnumerable<(string Scope, string Key)> StoredCredentials => _secrets.Where(kv => kv.Value is not null).Select(kv => kv.Key);

    /// <summary>Applies one provider operation.</summary>
    public void Apply(string op, string type, ImmutableDictionary<string, object> inputs, ImmutableDictionary<string, object> outputs, bool accountLevel = false)
    {
        var id = outputs.TryGetValue("__id", out var oid) ? Convert.ToString(oid, CultureInfo.InvariantCulture) ?? string.Empty : string.Empty;
        if (op == "delete")
        {
            _objects.Remove((type, id));
        }
        else
        {
            _objects[(type, id)] = outputs;
        }

        switch (type)
        {
            case PulumiTypes.Group or PulumiTypes.ServicePrincipal:
                {
                    // Workspace SCIM: Create sends the declared entitlement fields, and an Update PUTs the whole principal with
                    // its own entitlement list, so the live entitlements become exactly the fields that are true
                    // [fact: scim-principal-writes-entitlements]. Account SCIM has no entitlements [fact: sdk-scim-shapes]:
                    // an account-level principal's workspace entitlements are untouched.
                    if (accountLevel)
                    {
                        break;
                    }

                    if (op == "delete")
                    {
                        _entitlements.Remove(id);
                    }
                    else
                    {
                        _entitlements[id] = new SortedSet<string>(ProviderSchema.EntitlementField
                            .Where(kv => outputs.TryGetValue(kv.Value, out var v) && v is true).Select(kv => kv.Key), StringComparer.Ordinal);
                    }

                    break;
                }

            case PulumiTypes.Grant:
                {
                    // Create and Update make the principal's privileges exactly the declared list; Delete replaces them with
                    // the empty list: everything the principal held there is revoked [fact: grant-principal-authoritative].
                    var set = Privileges(Securable(inputs), Str(inputs, "principal"));
                    set.Clear();
                    if (op != "delete")
                    {
                        set.UnionWith(Strings(inputs, "privileges"));
                    }

                    break;
                }

            case PulumiTypes.Grants:
                {
                    // Create and Update: every principal's privileges on the securable become exactly the declared ones
                    // (undeclared principals revoked); Delete revokes all [fact: grants-securable-authoritative].
                    var securable = Securable(inputs);
                    _grants[securable] = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
                    if (op != "delete")
                    {
                        foreach (var g in Maps(inputs, "grants"))
                        {
                            Privileges(securable, (string)g["principal"]!).UnionWith(((IEnumerable)g["privileges"]!).Cast<string>());
                        }
                    }

                    break;
                }

            case PulumiTypes.Entitlements:
                {
                    // Create and Update PATCH "replace" the whole entitlements list with the declared flags; Delete PATCHes
                    // "remove" of the declared ones [fact: entitlements-patch-replace].
                    var principal = new[] { "groupId", "userId", "servicePrincipalId" }.Select(k => Str(inputs, k)).First(v => !string.IsNullOrEmpty(v));
                    var declared = ProviderSchema.EntitlementField.Where(kv => inputs.TryGetValue(kv.Value, out var v) && v is true).Select(kv => kv.Key).ToList();
                    if (op == "delete")
                    {
                        _entitlements.GetValueOrDefault(principal)?.ExceptWith(declared);
                    }
                    else
                    {
                        _entitlements[principal] = new SortedSet<string>(declared, StringComparer.Ordinal);
                    }

                    break;
                }

            case PulumiTypes.MwsPermissionAssignment:
                // Create PUTs the principal's level (whatever it was); Delete unassigns the principal; no Update, so every
                // field forces a replacement [fact: mws-assignment-put] [fact: tf-no-update-all-forcenew].
                if (op == "delete")
                {
                    _assignments.Remove(Str(inputs, "principalId"));
                }
                else
                {
                    _assignments[Str(inputs, "principalId")] = Strings(inputs, "permissions").Single();
                }

                break;

            case PulumiTypes.SecretAcl:
                // Create PUTs the principal's ACL on the scope (replacing what it had); Delete removes it. Every field
                // forces a replacement [fact: secret-acl-put].
                if (op == "delete")
                {
                    _acls.Remove((Str(inputs, "scope"), Str(inputs, "principal")));
                }
                else
                {
                    _acls[(Str(inputs, "scope"), Str(inputs, "principal"))] = Str(inputs, "permission");
                }

                break;

            case PulumiTypes.Secret:
                {
                    // Create puts the key (overwriting); Delete removes it; string_value forces a replacement
                    // [fact: secret-put-overwrites]. The stored value is a credential the mocks minted (by value) or any other secret.
                    var key = (Str(inputs, "scope"), Str(inputs, "key"));
                    if (op == "delete")
                    {
                        _secrets.Remove(key);
                        DeleteSecretValue(key);
                    }
                    else
                    {
                        _secrets[key] = CredentialSlotByValue.TryGetValue(Str(inputs, "stringValue"), out var slot) ? (slot, _generation.GetValueOrDefault(slot)) : null;
                        PutSecretValue(key, Str(inputs, "stringValue"));
                    }

                    break;
                }

            case PulumiTypes.OboToken or PulumiTypes.ServicePrincipalSecret:
                {
                    // Create mints a new token (a new id), Delete revokes that token [fact: obo-token-replace]; likewise for
                    // OAuth secrets [fact: sp-secret-replace]. Each create is a new
                    // generation of the slot; a delete revokes the oldest live generation (the one the replaced state names).
                    var slot = outputs.TryGetValue("__name", out var n) ? (string)n : throw new InvalidOperationException("credential without name");
                    if (op == "delete")
                    {
                        var oldest = _liveCredentials.Where(c => c.Slot == slot).OrderBy(c => c.Generation).First();
                        _liveCredentials.Remove(oldest);
                    }
                    else
                    {
                        var generation = _generation[slot] = _generation.GetValueOrDefault(slot) + 1;
                        _liveCredentials.Add((slot, generation));
                        if (outputs.TryGetValue(type == PulumiTypes.OboToken ? "tokenValue" : "secret", out var value) && value is string v)
                        {
                            CredentialSlotByValue[v] = slot;
                        }
                    }

                    break;
                }

            case PulumiTypes.AccessControlRuleSet:
                // Create and Update PUT the whole rule set (only the declared rules remain); Delete PUTs an empty one
                // [fact: rule-set-put-whole].
                _ruleSets[Str(inputs, "name")] = op == "delete"
                    ? []
                    : Maps(inputs, "grantRules").SelectMany(r => ((IEnumerable)r["principals"]!).Cast<string>().Select(p => (p, (string)r["role"]!))).ToList();
                break;

            case PulumiTypes.GroupMember:
                // Adds the one member (PATCH "add"), and removes that member only [fact: group-member-one-member].
                if (op == "delete")
                {
                    _members.Remove((Str(inputs, "groupId"), Str(inputs, "memberId")));
                }
                else
                {
                    _members.Add((Str(inputs, "groupId"), Str(inputs, "memberId")));
                }

                break;

            case PulumiTypes.Permissions when Str(inputs, "sqlEndpointId").Length > 0:
                {
                    // Update (Create calls it): the declared list, the caller added as CAN_MANAGE when it is not in it
                    // [fact: permissions-caller-manage], the caller added as IS_OWNER when the list has no IS_OWNER
                    // [fact: permissions-owner-added], and the warehouse's whole ACL PUT [fact: permissions-put-whole-acl].
                    // Delete: admins' direct entries (not modelled), the caller as CAN_MANAGE, and IS_OWNER to the
                    // warehouse's creator [fact: permissions-delete-to-creator].
                    var warehouse = Str(inputs, "sqlEndpointId");
                    foreach (var key in _warehouseAcls.Keys.Where(k => k.Warehouse == warehouse).ToList())
                    {
                        _warehouseAcls.Remove(key);
                    }

                    var list = op == "delete"
                        ? new List<(string Kind, string Who, string Level)>()
                        : Maps(inputs, "accessControls").Select(c => Entry(c)).ToList();
                    if (!list.Any(e => string.Equals(e.Who, Caller, StringComparison.OrdinalIgnoreCase)))
                    {
                        list.Add(("userName", Caller, "CAN_MANAGE"));
                    }

                    if (!list.Any(e => e.Level == "IS_OWNER"))
                    {
                        list.Add(("userName", op == "delete" ? _warehouseCreators.GetValueOrDefault(warehouse, Caller) : Caller, "IS_OWNER"));
                    }

                    foreach (var (kind, who, level) in list.OrderBy(e => e.Level == "IS_OWNER"))
                    {
                        _warehouseAcls[(warehouse, who)] = (kind, level);
                    }

                    break;
                }

            case PulumiTypes.Permissions when Str(inputs, "jobId").Length > 0 && _jobCreators.ContainsKey(Str(inputs, "jobId")):
                {
                    // A job planted with Job(): Update (Create calls it) PUTs the declared list (the job mapping has no update
                    // customizer [fact: permissions-caller-manage]), with the caller added as IS_OWNER when the list has none
                    // [fact: permissions-owner-added]. Delete: admins' direct entries (not modelled), IS_OWNER to the job's
                    // creator [fact: permissions-delete-to-creator].
                    var job = Str(inputs, "jobId");
                    foreach (var key in _jobAcls.Keys.Where(k => k.Job == job).ToList())
                    {
                        _jobAcls.Remove(key);
                    }

                    var list = op == "delete" ? new List<(string Kind, string Who, string Level)>() : Maps(inputs, "accessControls").Select(c => Entry(c)).ToList();
                    if (!list.Any(e => e.Level == "IS_OWNER"))
                    {
                        list.Add(("userName", op == "delete" ? _jobCreators[job] : Caller, "IS_OWNER"));
                    }

                    foreach (var (kind, who, level) in list)
                    {
                        _jobAcls[(job, who)] = (kind, level);
                    }

                    break;
                }

            case PulumiTypes.WorkspaceConf:
                // Create/Update PATCH the declared keys (a key no longer declared is set to ""); Delete sets every
                // declared key to "" (the limit is lifted) [fact: workspace-conf-patch].
                foreach (var (k, v) in inputs.TryGetValue("customConfig", out var m) && m is IEnumerable e ? e.Cast<object>().OfType<KeyValuePair<string, object>>() : [])
                {
                    _workspaceConf[k] = op == "delete" ? string.Empty : Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty;
                }

                break;

            case PulumiTypes.ServicePrincipalRole:
                // Create is a SCIM PATCH "add" of one role; Delete removes that role, also one given by hand before
                // [fact: sp-role-patch].
                if (op == "delete")
                {
                    _accountRoles.Remove((Str(inputs, "servicePrincipalId"), Str(inputs, "role")));
                }
                else
                {
                    _accountRoles.Add((Str(inputs, "servicePrincipalId"), Str(inputs, "role")));
                }

                break;

            case PulumiTypes.Permissions when Str(inputs, "authorization") == "tokens":
                // Create/Update set the whole ACL of the object; Delete resets it (only admins keep CAN_MANAGE)
                // [fact: permissions-put-whole-acl] [fact: permissions-tokens-workspace].
                _tokenPermissions.Clear();
                if (op != "delete")
                {
                    foreach (var c in Maps(inputs, "accessControls"))
                    {
                        var who = new[] { "userName", "groupName", "servicePrincipalName" }.Select(k => c.TryGetValue(k, out var v) ? v as string : null).First(v => v is not null)!;
                        _tokenPermissions[who] = (string)c["permissionLevel"]!;
                        TokenKinds[who] = Entry(c).Kind;
                    }
                }

                // Both the update and the reset leave admins CAN_MANAGE on it (update.AddAdmin) [fact: permissions-tokens-workspace].
                _tokenPermissions["admins"] = "CAN_MANAGE";
                TokenKinds["admins"] = "groupName";

                break;
        }
    }

    /// <summary>
    /// What the provider's Read returns for the object <paramref name="id"/> of <paramref name="type"/>: the
    /// <paramref name="prior"/> state (null on an import) with every field Read sets filled from the live estate, as
    /// <see cref="ProviderSchema"/> classifies them (each case cites the Read it follows); null when Read finds the
    /// object gone (the engine drops it from the state).
    /// </summary>
    public ImmutableDictionary<string, object>? Read(string type, string id, ImmutableDictionary<string, object>? prior, bool accountLevel)
    {
        var state = prior ?? ImmutableDictionary<string, object>.Empty;
        _objects.TryGetValue((type, id), out var obj);
        string Prior(string key) => prior is not null && prior.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty : string.Empty;
        switch (type)
        {
            case PulumiTypes.Group or PulumiTypes.ServicePrincipal:
                {
                    if (obj is null)
                    {
                        return null;
                    }

                    // A group: display_name, external_id, acl_principal_id, url, then the entitlements; a service principal:
                    // display_name, active, external_id, home, repos, acl_principal_id, application_id, then the
                    // entitlements [fact: scim-principal-read].
                    var fields = type == PulumiTypes.Group
                        ? new[] { "displayName", "externalId", "url" }
                        : ["applicationId", "displayName", "active", "externalId", "home", "repos"];
                    foreach (var f in fields)
                    {
                        state = obj.TryGetValue(f, out var v) ? state.SetItem(f, v) : f == "active" ? state.SetItem(f, true) : state.Remove(f);
                    }

                    state = state.SetItem("aclPrincipalId", type == PulumiTypes.Group ? $"groups/{Str(obj, "displayName")}" : $"servicePrincipals/{Str(obj, "applicationId")}");

                    // readIntoData sets true each entitlement the principal has and leaves every other field as it was
                    // [fact: scim-entitlement-fields]. Account SCIM answers no entitlements [fact: sdk-scim-shapes].
                    if (!accountLevel)
                    {
                        foreach (var e in _entitlements.GetValueOrDefault(id) ?? [])
                        {
                            state = state.SetItem(ProviderSchema.EntitlementField[e], true);
                        }
                    }

                    return state;
                }

            case PulumiTypes.Entitlements:
                {
                    // The principal from the id ("group/<id>", "user/<id>", "spn/<id>") [fact: entitlements-patch-replace],
                    // then generateEmpty (every flag false) and readIntoData (the live ones true).
                    var (field, principal) = Prior("groupId") is { Length: > 0 } g ? ("groupId", g)
                        : Prior("servicePrincipalId") is { Length: > 0 } sp ? ("servicePrincipalId", sp)
                        : Prior("userId") is { Length: > 0 } u ? ("userId", u)
                        : id.Split('/', 2) switch
                        {
                            ["group", var x] => ("groupId", x),
                            ["spn", var x] => ("servicePrincipalId", x),
                            ["user", var x] => ("userId", x),
                            _ => throw new InvalidOperationException($"entitlements id {id}"),
                        };
                    state = state.SetItem(field, principal);
                    var live = _entitlements.GetValueOrDefault(principal) ?? [];
                    foreach (var (name, f) in ProviderSchema.EntitlementField)
                    {
                        state = state.SetItem(f, live.Contains(name));
                    }

                    return state;
                }

            case PulumiTypes.GroupMember:
                {
                    // The pair id group_id|member_id; gone when the member is not in the group [fact: group-member-one-member].
                    var (group, member) = Prior("groupId").Length > 0 ? (Prior("groupId"), Prior("memberId")) : Pair(id, "|");
                    return _members.Contains((group, member)) ? state.SetItem("groupId", group).SetItem("memberId", member) : null;
                }

            case PulumiTypes.MwsPermissionAssignment:
                {
                    // The principal's permissions from the workspace's assignments; NOT_FOUND (gone) when it has none
                    // [fact: mws-assignment-put].
                    var (workspace, principal) = Prior("principalId").Length > 0 ? (Prior("workspaceId"), Prior("principalId")) : Pair(id, "|");
                    return _assignments.TryGetValue(principal, out var level)
                        ? state.SetItem("workspaceId", workspace).SetItem("principalId", principal).SetItem("permissions", ImmutableArray.Create<object>(level))
                        : null;
                }

            case PulumiTypes.SecretAcl:
                {
                    // GetAcl of scope and principal (the id scope|||principal) [fact: secret-acl-put].
                    var (scope, principal) = Prior("scope").Length > 0 ? (Prior("scope"), Prior("principal")) : Pair(id, "|||");
                    return _acls.TryGetValue((scope, principal), out var permission)
                        ? state.SetItem("scope", scope).SetItem("principal", principal).SetItem("permission", permission)
                        : null;
                }

            case PulumiTypes.Grant:
                {
                    // Read: the id <securable type>/<name>/<principal>; the principal's privileges on the securable (none is
                    // NOT_FOUND, gone) [fact: grant-schema].
                    string field, name, principal;
                    if (prior is not null && Prior("principal").Length > 0)
                    {
                        var securable = Securable(prior).Split(':', 2);
                        (field, name, principal) = (FieldOf(securable[0]), securable[1], Prior("principal"));
                    }
                    else
                    {
                        var parts = id.Split('/', 3);
                        (field, name, principal) = (FieldOf(parts[0]), parts[1], parts[2]);
                    }

                    var held = _grants.GetValueOrDefault($"{KindOf(field)}:{name}")?.GetValueOrDefault(principal);
                    return held is { Count: > 0 }
                        ? state.SetItem(field, name).SetItem("principal", principal).SetItem("privileges", held.Cast<object>().ToImmutableArray())
                        : null;
                }

            case PulumiTypes.Grants:
                {
                    // Read: every principal's privileges on the securable [fact: grants-securable-authoritative].
                    var securable = prior is not null ? Securable(prior) : $"{id.Split('/', 2)[0]}:{id.Split('/', 2)[1]}";
                    var grants = (_grants.GetValueOrDefault(securable) ?? []).Where(kv => kv.Value.Count > 0)
                        .Select(kv => (object)ImmutableDictionary<string, object>.Empty.Add("principal", kv.Key).Add("privileges", kv.Value.Cast<object>().ToImmutableArray()))
                        .ToImmutableArray();
                    return state.SetItem(FieldOf(securable.Split(':', 2)[0]), securable.Split(':', 2)[1]).SetItem("grants", grants);
                }

            case PulumiTypes.Permissions when Prior("sqlEndpointId").Length > 0 || id.StartsWith("/sql/warehouses/", StringComparison.Ordinal):
                {
                    // Read [fact: permissions-read]: the live ACL without the caller's own entry (unless the state declares the caller), without admins (not
                    // configurable on warehouses) and without inherited entries (not modelled).
                    var warehouse = Prior("sqlEndpointId") is { Length: > 0 } w ? w : id["/sql/warehouses/".Length..];
                    var declaresCaller = Maps(state, "accessControls").Any(c => Entry(c).Who.Equals(Caller, StringComparison.OrdinalIgnoreCase));
                    var acl = _warehouseAcls.Where(kv => kv.Key.Warehouse == warehouse)
                        .Where(kv => declaresCaller || !kv.Key.Principal.Equals(Caller, StringComparison.OrdinalIgnoreCase))
                        .Where(kv => !(kv.Value.Kind == "groupName" && kv.Key.Principal == "admins"))
                        .Select(kv => (object)ImmutableDictionary<string, object>.Empty.Add(kv.Value.Kind, kv.Key.Principal).Add("permissionLevel", kv.Value.Level))
                        .ToImmutableArray();
                    return acl.IsEmpty ? null : state.SetItem("sqlEndpointId", warehouse).SetItem("accessControls", acl);
                }

            case PulumiTypes.Permissions when (Prior("jobId") is { Length: > 0 } j ? j : id.StartsWith("/jobs/", StringComparison.Ordinal) ? id["/jobs/".Length..] : string.Empty) is { Length: > 0 } job
                && _jobCreators.ContainsKey(job):
                {
                    // A job planted with Job(): the same Read [fact: permissions-read]: the live
                    // ACL without the caller's entry (unless the state declares the caller), without admins (not configurable
                    // on jobs) and inherited entries (not modelled). The live IS_OWNER of another principal is kept.
                    var declaresCaller = Maps(state, "accessControls").Any(c => Entry(c).Who.Equals(Caller, StringComparison.OrdinalIgnoreCase));
                    var acl = _jobAcls.Where(kv => kv.Key.Job == job)
                        .Where(kv => declaresCaller || !kv.Key.Principal.Equals(Caller, StringComparison.OrdinalIgnoreCase))
                        .Where(kv => !(kv.Value.Kind == "groupName" && kv.Key.Principal == "admins"))
                        .Select(kv => (object)ImmutableDictionary<string, object>.Empty.Add(kv.Value.Kind, kv.Key.Principal).Add("permissionLevel", kv.Value.Level))
                        .ToImmutableArray();
                    return acl.IsEmpty ? null : state.SetItem("jobId", job).SetItem("accessControls", acl);
                }

            case PulumiTypes.Permissions when Prior("authorization") == "tokens" || id == "/authorization/tokens":
                // The same Read on the workspace's token permissions. The provider leaves admins out of it (tokens do not allow
                // configuring admins [fact: permissions-read]), so the entry the update added is not diffed.
                return state.SetItem("authorization", "tokens").SetItem("accessControls", _tokenPermissions
                    .Where(kv => !(kv.Key == "admins" && TokenKinds.GetValueOrDefault(kv.Key) == "groupName"))
                    .Select(kv => (object)ImmutableDictionary<string, object>.Empty.Add(TokenKinds.GetValueOrDefault(kv.Key, "userName"), kv.Key).Add("permissionLevel", kv.Value))
                    .ToImmutableArray());

            case PulumiTypes.WorkspaceConf:
                {
                    // Read: the declared keys' live values [fact: workspace-conf-patch].
                    var declared = state.TryGetValue("customConfig", out var m) && m is IEnumerable e ? e.Cast<object>().OfType<KeyValuePair<string, object>>().Select(kv => kv.Key).ToList() : [];
                    return state.SetItem("customConfig", declared.ToImmutableDictionary(k => k, k => (object)_workspaceConf.GetValueOrDefault(k, string.Empty)));
                }

            default:
                // Objects whose Read returns what was written (scopes, secrets, jobs, tokens, Azure resources): as stored.
                return obj is null ? prior : obj.SetItems(state.Where(kv => !obj.ContainsKey(kv.Key)));
        }
    }

    private readonly Dictionary<string, string> TokenKinds = new(StringComparer.Ordinal);

    private static (string, string) Pair(string id, string separator)
    {
        var i = id.IndexOf(separator, StringComparison.Ordinal);
        return (id[..i], id[(i + separator.Length)..]);
    }

    private static readonly (string Field, string Kind)[] SecurableKinds =
        [("metastore", "metastore"), ("catalog", "catalog"), ("schema", "schema"), ("table", "table"), ("volume", "volume"), ("function", "function"),
         ("externalLocation", "external_location"), ("storageCredential", "storage_credential")];

    private static string FieldOf(string kind) => SecurableKinds.Single(s => s.Kind == kind).Field;

    private static string KindOf(string field) => SecurableKinds.Single(s => s.Field == field).Kind;

    private static (string Kind, string Who, string Level) Entry(IReadOnlyDictionary<string, object?> c)
    {
        var kind = new[] { "userName", "groupName", "servicePrincipalName" }.First(k => c.TryGetValue(k, out var v) && v is string { Length: > 0 });
        return (kind, (string)c[kind]!, (string)c["permissionLevel"]!);
    }

    private SortedSet<string> Privileges(string securable, string principal)
    {
        if (!_grants.TryGetValue(securable, out var byPrincipal))
        {
            _grants[securable] = byPrincipal = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }

        return byPrincipal.TryGetValue(principal, out var set) ? set : byPrincipal[principal] = new SortedSet<string>(StringComparer.Ordinal);
    }

    /// <summary>The securable of a Grant or Grants: the one securable field set (one Optional+ForceNew field per securable kind [fact: grant-schema]).</summary>
    public static string Securable(ImmutableDictionary<string, object> inputs)
    {
        foreach (var (field, kind) in SecurableKinds)
        {
            if (inputs.TryGetValue(field, out var v) && v is string s && s.Length > 0)
            {
                return $"{kind}:{s}";
            }
        }

        throw new InvalidOperationException("a grant without a securable");
    }

    private static string Str(ImmutableDictionary<string, object> inputs, string key) =>
        inputs.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty : string.Empty;

    private static IEnumerable<string> Strings(ImmutableDictionary<string, object> inputs, string key) =>
        inputs.TryGetValue(key, out var v) && v is IEnumerable e and not string ? e.Cast<object>().Select(x => Convert.ToString(x, CultureInfo.InvariantCulture)!) : [];

    private static IEnumerable<IReadOnlyDictionary<string, object?>> Maps(ImmutableDictionary<string, object> inputs, string key) =>
        inputs.TryGetValue(key, out var v) && v is IEnumerable e ? e.OfType<IReadOnlyDictionary<string, object?>>() : [];
}
