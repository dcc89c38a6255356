using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>Groups: their keys (members, ACLs and grants refer to them), then each group with its members.</summary>
public sealed partial class Adopter
{
    /// <summary>A live group to adopt: account or workspace level, under its new key.</summary>
    private sealed record GroupToAdopt(EstateGroup Group, bool Account, string Key);

    /// <summary>A member as the model names it, and its live SCIM id.</summary>
    private sealed record LiveMember(string Ref, string Id);

    /// <summary>
    /// Keys every live group (both levels) before anything refers to one: a built-in group by its name, one the input
    /// declares by its key, any other by a new key from its name.
    /// </summary>
    private List<GroupToAdopt> KeyGroups()
    {
        var groups = estate.WorkspaceGroups.Select(g => (Group: g, Account: false)).Concat(estate.AccountGroups.Select(g => (Group: g, Account: true)))
            .Where(x => x.Group.Id is not null && x.Group.DisplayName is not null).ToList();
        var adoptGroups = new List<GroupToAdopt>();
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

                adoptGroups.Add(new GroupToAdopt(g, false, name));
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
            adoptGroups.Add(new GroupToAdopt(g, isAccount, key));
        }

        foreach (var g in estate.WorkspaceGroupNames.Where(g => g.Id is not null && g.DisplayName is not null && Names.IsBuiltInGroup(g.DisplayName!)))
        {
            _groupRefById.TryAdd(g.Id!, $"group:{g.DisplayName}");
        }

        return adoptGroups;
    }

    private void AdoptGroup(GroupToAdopt adopt, List<AssignmentItem> assignments)
    {
        var (g, isAccount, key) = adopt;
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

        // Entitlements are read from the workspace's own groups (account groups carry none [fact: sdk-scim-shapes]).
        var entitlements = builtIn ? [] : Entitlements(g.Entitlements);
        if (entitlements.Count > 0)
        {
            e.Lines.Add($"  entitlements: [{string.Join(", ", entitlements)}]");
        }

        _ids.Groups[key] = new AdoptedGroupIds(g.Id!, !isAccount && entitlements.Count > 0 ? g.Id : null, assignmentId);

        if (entra || key == Names.UsersGroup)
        {
            return;
        }

        var members = new List<LiveMember>();
        foreach (var m in g.Members ?? [])
        {
            if (Member(m, key == Names.AdminsGroup) is { } r)
            {
                members.Add(new LiveMember(r, m.Value!));
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
            _ids.Members[new AdoptedMembership(key, r)] = id;
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

    private static List<string> Entitlements(IReadOnlyList<EstateValue>? values) =>
        (values ?? []).Select(e => e.Value?.ToLowerInvariant()).OfType<string>().Where(Vocabulary.Entitlements.Contains).Distinct().Order(StringComparer.Ordinal).ToList();
}
