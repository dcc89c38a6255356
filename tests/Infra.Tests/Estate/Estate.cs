using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// An in-memory Databricks workspace and account, holding the access an apply can change. Each resource type's
/// Create, Update and Delete do what the provider that Pulumi.Databricks 1.106.0 wraps does
/// (databricks/terraform-provider-databricks v1.128.0, paths below); resources whose effect is only their own existence
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
    private readonly Dictionary<(string Warehouse, string Principal), string> _warehouseAcls = [];
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
        foreach (var (k, v) in _warehouseAcls) copy._warehouseAcls[k] = v;
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
        facts.UnionWith(_warehouseAcls.Select(kv => $"warehouse|{kv.Key.Warehouse}|{kv.Key.Principal}|{kv.Value}"));
        facts.UnionWith(_workspaceConf.Where(kv => kv.Value.Length > 0).Select(kv => $"workspace-conf|{kv.Key}|{kv.Value}"));
        facts.UnionWith(_accountRoles.Select(r => $"account-role|{r.Principal}|{r.Role}"));
        return facts.ToImmutable();
    }

    /// <summary>The credential a consumer reads from a store now (slot and generation), or null when the key is missing.</summary>
    public (string Slot, int Generation)? Stored(string scope, string key) => _secrets.TryGetValue((scope, key), out var v) ? v : null;

    public bool IsLive((string Slot, int Generation) credential) => _liveCredentials.Contains(credential);

    public IEnumerable<(string Scope, string Key)> StoredCredentials => _secrets.Where(kv => kv.Value is not null).Select(kv => kv.Key);

    /// <summary>Applies one provider operation.</summary>
    public void Apply(string op, string type, ImmutableDictionary<string, object> inputs, ImmutableDictionary<string, object> outputs)
    {
        switch (type)
        {
            case PulumiTypes.Grant:
            {
                // terraform-provider-databricks v1.128.0 catalog/resource_grant.go:167-193 (Create) and :209-236 (Update):
                // replacePermissionsForPrincipal (:70-92) makes the principal's privileges exactly the declared list;
                // Delete (:237-263) replaces them with the empty list: everything the principal held there is revoked.
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
                // catalog/resource_grants.go:171-218 (Create), :219-236 (Update): every principal's privileges on the
                // securable become exactly the declared ones (undeclared principals revoked); :237 Delete revokes all.
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
                // scim/resource_entitlement.go:40 (Create) and :89 (Update) PATCH "replace" the whole entitlements list with
                // the declared flags (patchEntitlements :118-135); :96 Delete PATCHes "remove" of the declared ones.
                var principal = new[] { "groupId", "userId", "servicePrincipalId" }.Select(k => Str(inputs, k)).First(v => !string.IsNullOrEmpty(v));
                var declared = new[] { "workspaceAccess", "databricksSqlAccess", "allowClusterCreate", "allowInstancePoolCreate" }
                    .Where(k => inputs.TryGetValue(k, out var v) && v is true).ToList();
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
                // mws/resource_mws_permission_assignment.go:46-61 Create PUTs the principal's level (whatever it was);
                // :83-93 Delete unassigns the principal. No Update (every field forces a replacement, common/resource.go:211-229).
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
                // secrets/resource_secret_acl.go:49-61 Create PUTs the principal's ACL on the scope (replacing what it had);
                // :80-100 Delete removes it. Every field forces a replacement (:26, :31, :36).
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
                // secrets/resource_secret.go:77-90 Create puts the key; :107 Delete removes it; string_value forces a
                // replacement (:46-59). The stored value is a credential the mocks minted (by value) or any other secret.
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
                // tokens/resource_obo_token.go:60-72 Create mints a new token (a new id), :99-105 Delete revokes that token;
                // tokens/resource_service_principal_secret.go:57-95 and :150 likewise for OAuth secrets. Each create is a new
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
                // permissions/resource_access_control_rule_set.go:109-128 Create and :156-182 Update PUT the whole rule set
                // (only the declared rules remain); :184-200 Delete PUTs an empty one.
                _ruleSets[Str(inputs, "name")] = op == "delete"
                    ? []
                    : Maps(inputs, "grantRules").SelectMany(r => ((IEnumerable)r["principals"]!).Cast<string>().Select(p => (p, (string)r["role"]!))).ToList();
                break;

            case PulumiTypes.GroupMember:
                // scim/resource_group_member.go:98-103 adds the one member (PATCH "add"), :81-87 removes that member only.
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
                // permissions/resource_permissions.go:287-325 Create/Update PUT the whole ACL of the warehouse; :326 Delete
                // resets it (the owner and admins keep theirs; not modelled: neither is a principal the stack declares).
                var warehouse = Str(inputs, "sqlEndpointId");
                foreach (var key in _warehouseAcls.Keys.Where(k => k.Warehouse == warehouse).ToList())
                {
                    _warehouseAcls.Remove(key);
                }

                if (op != "delete")
                {
                    foreach (var c in Maps(inputs, "accessControls"))
                    {
                        var who = new[] { "userName", "groupName", "servicePrincipalName" }.Select(k => c.TryGetValue(k, out var v) ? v as string : null).First(v => v is not null)!;
                        _warehouseAcls[(warehouse, who)] = (string)c["permissionLevel"]!;
                    }
                }

                break;
            }

            case PulumiTypes.WorkspaceConf:
                // workspace/resource_workspace_conf.go:28-80 Create/Update PATCH the declared keys (a key no longer
                // declared is set to ""); :98-141 Delete sets every declared key to "" (the limit is lifted).
                foreach (var (k, v) in inputs.TryGetValue("customConfig", out var m) && m is IEnumerable e ? e.Cast<object>().OfType<KeyValuePair<string, object>>() : [])
                {
                    _workspaceConf[k] = op == "delete" ? string.Empty : Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty;
                }

                break;

            case PulumiTypes.ServicePrincipalRole:
                // aws/resource_service_principal_role.go:26 Create is a SCIM PATCH "add" of one role; :49 Delete removes
                // that role, also one given by hand before.
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
                // permissions/resource_permissions.go:287-325 Create/Update set the whole ACL of the object; :326 Delete
                // resets it (only admins keep CAN_MANAGE).
                _tokenPermissions.Clear();
                if (op != "delete")
                {
                    foreach (var c in Maps(inputs, "accessControls"))
                    {
                        var who = new[] { "userName", "groupName", "servicePrincipalName" }.Select(k => c.TryGetValue(k, out var v) ? v as string : null).First(v => v is not null)!;
                        _tokenPermissions[who] = (string)c["permissionLevel"]!;
                    }
                }

                break;
        }
    }

    private SortedSet<string> Privileges(string securable, string principal)
    {
        if (!_grants.TryGetValue(securable, out var byPrincipal))
        {
            _grants[securable] = byPrincipal = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }

        return byPrincipal.TryGetValue(principal, out var set) ? set : byPrincipal[principal] = new SortedSet<string>(StringComparer.Ordinal);
    }

    /// <summary>The securable of a Grant or Grants: the one securable field set (catalog/resource_grant.go:153-160, permissions.Mappings).</summary>
    public static string Securable(ImmutableDictionary<string, object> inputs)
    {
        foreach (var (field, kind) in new[] { ("metastore", "metastore"), ("catalog", "catalog"), ("schema", "schema"), ("table", "table"), ("volume", "volume"), ("function", "function"), ("externalLocation", "external_location"), ("storageCredential", "storage_credential") })
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
