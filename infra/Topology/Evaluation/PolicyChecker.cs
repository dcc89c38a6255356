using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Model.Vocabulary;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// The stack's policy over a consistent model. A violation names its rule and the config path; an active
/// policy exception (rule + principal, with a reason and an expiry) waives exactly that pair.
/// </summary>
internal sealed class PolicyChecker(AccessGraph graph, Diagnostics d)
{
    private readonly TopologyModel _m = graph.Model;

    private PolicySpec Policy => _m.Policy;

    public void Check()
    {
        CheckExceptions();
        CheckMemberships();
        CheckStandingAdmins();
        CheckCredentials();
        CheckAllUsers();
    }

    private void Violation(string path, string rule, PrincipalRef principal, string message)
    {
        if (Policy.Exceptions.Any(e => e.Rule == rule && e.Principal == principal))
        {
            return;
        }

        d.Violation(path, rule, message);
    }

    private void CheckExceptions()
    {
        foreach (var e in Policy.Exceptions)
        {
            if (e.Expires - _m.Now > TimeSpan.FromDays(Policy.MaxExpiryDays))
            {
                d.Violation($"{e.Path}.expires", Rules.ExpiryHorizon,
                    $"exception expires {Instants.Format(e.Expires)}, more than maxExpiryDays ({Policy.MaxExpiryDays}) from now");
            }
        }
    }

    private void CheckMemberships()
    {
        foreach (var group in _m.Groups.Values)
        {
            var admin = AccessGraph.GrantsAdmin(group);
            foreach (var m in group.Members)
            {
                if (m.Expires is not { } expires)
                {
                    continue;
                }

                if (Policy.RequireReason && string.IsNullOrWhiteSpace(m.Reason))
                {
                    Violation($"{m.Path}.reason", Rules.ReasonRequired, m.Principal,
                        $"{m.Principal} in '{group.Key}' expires {Instants.Format(expires)} but gives no reason (a ticket or why)");
                }

                if (expires - _m.Now > TimeSpan.FromDays(Policy.MaxExpiryDays))
                {
                    Violation($"{m.Path}.expires", Rules.ExpiryHorizon, m.Principal,
                        $"{m.Principal} in '{group.Key}' expires {Instants.Format(expires)}, more than maxExpiryDays ({Policy.MaxExpiryDays}) from now");
                }

                if (admin && expires - _m.Now > TimeSpan.FromHours(Policy.MaxAdminHours))
                {
                    Violation($"{m.Path}.expires", Rules.AdminDuration, m.Principal,
                        $"admin access for {m.Principal} through '{group.Key}' lasts until {Instants.Format(expires)}, longer than maxAdminHours ({Policy.MaxAdminHours}h)");
                }
            }
        }
    }

    private void CheckStandingAdmins()
    {
        // The built-in users group is left out of the access matrix (everyone is in it) but not out of this check.
        foreach (var principal in graph.Principals().Append(PrincipalRef.Group(Names.UsersGroup)))
        {
            // A group's own members are checked one by one; a group whose members this stack does not know (synced,
            // looked up, built-in) counts as a principal itself.
            var opaqueGroup = principal.Kind == PrincipalKind.Group
                && !(_m.Groups.TryGetValue(principal.Key, out var g) && g.IsManaged);
            if ((principal.Kind == PrincipalKind.Group && !opaqueGroup) || Policy.StandingAdmins.Contains(principal))
            {
                continue;
            }

            if (graph.AdminReach(principal) is { Until: null } reach)
            {
                var how = reach.Via.Length == 0 ? "its workspaceAccess: admin" : $"'{reach.Via}'";
                var what = principal.IsHuman ? "standing human admin"
                    : opaqueGroup ? "standing admin group whose members are managed outside this stack"
                    : "standing admin";
                Violation(reach.EdgePath, Rules.StandingAdmin, principal,
                    $"{principal} would be a {what} through {how} with no expiry; give the membership expires + reason, or list it in policy.standingAdmins");
            }
        }
    }

    private void CheckCredentials()
    {
        foreach (var sp in _m.ServicePrincipals.Values)
        {
            foreach (var c in sp.Credentials)
            {
                var what = c.Kind == CredentialKind.Token ? "token" : "OAuth secret";
                if (c.Kind == CredentialKind.Token && c.LifetimeDays > Policy.MaxTokenLifetimeDays)
                {
                    Violation(c.LifetimePath, Rules.TokenLifetime, sp.Ref,
                        $"token lifetime {c.LifetimeDays} days (rotationDays {c.RotationDays} + overlapDays {c.OverlapDays}) exceeds maxTokenLifetimeDays ({Policy.MaxTokenLifetimeDays})");
                }

                if (c.RotationDays > Policy.MaxRotationDays)
                {
                    Violation($"{c.Path}.rotationDays", Rules.RotationPeriod, sp.Ref,
                        $"{what} rotation every {c.RotationDays} days exceeds maxRotationDays ({Policy.MaxRotationDays})");
                }
            }
        }
    }

    private void CheckAllUsers()
    {
        if (Policy.AllowAllUsersAcl)
        {
            return;
        }

        var users = PrincipalRef.Group(Names.UsersGroup);
        const string Hint = "everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended";
        if (_m.Groups.TryGetValue(Names.UsersGroup, out var usersGroup))
        {
            foreach (var m in usersGroup.Members)
            {
                Violation(m.Path, Rules.AllUsersAccess, m.Principal, $"adds {m.Principal} to the built-in users group; every workspace identity is already in it");
            }
        }

        foreach (var scope in _m.SecretScopes.Values)
        {
            foreach (var acl in scope.Acls.Where(a => a.Principal == users))
            {
                Violation(acl.Path, Rules.AllUsersAccess, users, $"{Name(acl.Permission)} on scope '{scope.Name}' for the built-in users group: {Hint}");
            }
        }

        foreach (var job in _m.Jobs.Values)
        {
            foreach (var (p, level) in job.Permissions.Where(x => x.Principal == users))
            {
                Violation(job.Path, Rules.AllUsersAccess, p, $"{Name(level)} on job '{job.Name}' for the built-in users group: {Hint}");
            }
        }

        foreach (var grant in _m.CatalogGrants.Where(g => g.To.IsAllUsers))
        {
            Violation($"{grant.Path}.to", Rules.AllUsersAccess, grant.To, $"grant on {grant.On} to the all-users group '{grant.To.Key}': {Hint}");
        }

        if (_m.TokenUsage is { } usage)
        {
            for (var i = 0; i < usage.Declared.Count; i++)
            {
                if (usage.Declared[i] == users)
                {
                    Violation($"{usage.Path}.canUse[{i}]", Rules.AllUsersAccess, users, $"token use for the built-in users group: {Hint}");
                }
            }
        }
    }
}
