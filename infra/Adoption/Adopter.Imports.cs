using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using ImportId = DatabricksAccess.Topology.Planning.ResourceTraits.ImportId;

namespace DatabricksAccess.Adoption;

/// <summary>Import ids: once the plan has named the adopted resources, each one's provider import id.</summary>
public sealed partial class Adopter
{
    /// <summary>
    /// The import id of every adopted resource the plan registers, by resource name, in the provider's formats
    /// (<see cref="ResourceTraits.ImportId"/>, one function per resource type).
    /// </summary>
    public SortedDictionary<string, string> Imports(ResourcePlan plan)
    {
        var imports = new SortedDictionary<string, string>(StringComparer.Ordinal);
        UserImports(plan, imports);
        GroupImports(plan, imports);
        ServicePrincipalImports(plan, imports);
        ScopeImports(plan, imports);
        GrantImports(plan, imports);
        JobImports(plan, imports);
        _report.Imports = imports.Count;
        return imports;
    }

    private void UserImports(ResourcePlan plan, SortedDictionary<string, string> imports)
    {
        foreach (var u in plan.UserAssignments)
        {
            if (_ids.Users.TryGetValue(u.Spec.Email, out var principalId))
            {
                imports[u.ResourceName] = ImportId.MwsPermissionAssignment(workspaceId, principalId);
            }
        }
    }

    private void GroupImports(ResourcePlan plan, SortedDictionary<string, string> imports)
    {
        foreach (var g in plan.Groups)
        {
            if (!_ids.Groups.TryGetValue(g.Spec.Key, out var ids))
            {
                continue;
            }

            PrincipalImports(imports, ids, g.Creates ? g.GroupResource : null, ImportId.Group(ids.Id), g.EntitlementsResource, ImportId.GroupEntitlements, g.AssignmentResource);
            foreach (var m in g.Members)
            {
                if (_ids.Members.TryGetValue(new AdoptedMembership(g.Spec.Key, m.Membership.Principal.ToString()), out var memberId))
                {
                    imports[m.ResourceName] = ImportId.GroupMember(ids.Id, memberId);
                }
            }
        }
    }

    private void ServicePrincipalImports(ResourcePlan plan, SortedDictionary<string, string> imports)
    {
        foreach (var s in plan.ServicePrincipals)
        {
            if (_ids.Sps.TryGetValue(s.Spec.Key, out var ids))
            {
                PrincipalImports(imports, ids, s.Creates ? s.SpResource : null, ImportId.ServicePrincipal(ids.Id), s.EntitlementsResource, ImportId.ServicePrincipalEntitlements, s.AssignmentResource);
            }
        }
    }

    /// <summary>
    /// What an adopted group or service principal brings: the principal itself (<paramref name="created"/>: its resource
    /// when the stack creates it), its entitlements and its workspace assignment, each where the plan has the resource
    /// and the live principal the id.
    /// </summary>
    private void PrincipalImports(SortedDictionary<string, string> imports, AdoptedPrincipalIds ids, string? created, string principalId,
        string? entitlements, Func<string, string> entitlementsId, string? assignment)
    {
        if (created is not null)
        {
            imports[created] = principalId;
        }

        if (entitlements is not null && ids.EntitlementsId is { } eid)
        {
            imports[entitlements] = entitlementsId(eid);
        }

        if (assignment is not null && ids.AssignmentId is { } aid)
        {
            imports[assignment] = ImportId.MwsPermissionAssignment(workspaceId, aid);
        }
    }

    private void ScopeImports(ResourcePlan plan, SortedDictionary<string, string> imports)
    {
        foreach (var scope in plan.Scopes)
        {
            if (!_ids.Scopes.TryGetValue(scope.Spec.Key, out var ids))
            {
                continue;
            }

            imports[scope.ScopeResource] = ImportId.SecretScope(ids.Name);
            foreach (var acl in scope.Acls)
            {
                if (ids.Principals.TryGetValue(acl.Acl.Principal.ToString(), out var live))
                {
                    imports[acl.ResourceName] = ImportId.SecretAcl(ids.Name, live);
                }
            }
        }
    }

    private void GrantImports(ResourcePlan plan, SortedDictionary<string, string> imports)
    {
        foreach (var securable in plan.Grants?.Securables.Where(s => !s.Authoritative) ?? [])
        {
            foreach (var g in securable.Grants)
            {
                if (_ids.Grants.TryGetValue(new AdoptedGrant(securable.On.ToString(), g.Principal.ToString()), out var live))
                {
                    // The metastore is named by its id ("metastore/<id>" [fact: grant-schema]).
                    var name = securable.On.Kind == SecurableKind.Metastore ? estate.MetastoreId : securable.On.Name;
                    if (name is not null)
                    {
                        imports[securable.PrincipalResource(g)] = ImportId.Grant(securable.On.Kind, name, live);
                    }
                }
            }
        }
    }

    private void JobImports(ResourcePlan plan, SortedDictionary<string, string> imports)
    {
        foreach (var job in plan.Jobs)
        {
            if (_ids.Jobs.TryGetValue(job.Spec.Key, out var id))
            {
                imports[job.JobResource] = ImportId.Job(id);
                if (job.PermissionsResource is { } permissions)
                {
                    // The object path, "/jobs/<id>" [fact: permissions-put-whole-acl].
                    imports[permissions] = ImportId.JobPermissions(id);
                }
            }
        }
    }
}
