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

    private readonly HashSet<(string Rule, PrincipalRef Principal)> _waived =
        graph.Model.Policy.Exceptions.Select(e => (e.Rule, e.Principal)).ToHashSet();

    private PolicySpec Policy => _m.Policy;

    public void Check()
    {
        CheckExceptions();
        CheckMemberships();
        CheckPending();
        CheckStandingAdmins();
        CheckActingAsAdmins();
        CheckAccountAdmins();
        CheckDelegatedGroups();
        CheckCredentials();
        CheckAllUsers();
    }

    private void Violation(string path, string rule, PrincipalRef principal, string message)
    {
        if (_waived.Contains((rule, principal)))
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
            // Admin rights through this group, directly or through a group it is in (on the closure): a long
            // membership of a group that is itself a member of admins is long admin access too.
            Reach? admin = AccessGraph.GrantsAdmin(group) ? new Reach(null, group.Key, group.Path) : graph.AdminReach(group.Ref);
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

                // Measured from when it starts: a JIT entry declared ahead of time is as long as its window.
                var from = m.Starts is { } st && st < _m.Now ? st : _m.Now;
                if (admin is { } a && Reach.Min(expires, a.Until) is { } until && until - from > TimeSpan.FromHours(Policy.MaxAdminHours))
                {
                    var through = a.Via == group.Key ? $"'{group.Key}'"
                        : a.Via.Length == 0 ? $"'{group.Key}' (its workspaceAccess: admin)"
                        : $"'{group.Key}' (a member of '{a.Via}')";
                    Violation($"{m.Path}.expires", Rules.AdminDuration, m.Principal,
                        $"admin access for {m.Principal} through {through} lasts until {Instants.Format(until)}, longer than maxAdminHours ({Policy.MaxAdminHours}h)");
                }
            }
        }
    }

    /// <summary>Time-bound memberships that start later are held to the same rules now; admin duration counts from starts.</summary>
    private void CheckPending()
    {
        foreach (var p in _m.Pending)
        {
            if (!_m.Groups.TryGetValue(p.Group, out var group))
            {
                continue;
            }

            if (Policy.RequireReason && string.IsNullOrWhiteSpace(p.Reason))
            {
                Violation($"{p.Path}.reason", Rules.ReasonRequired, p.Principal,
                    $"{p.Principal} in '{group.Key}' from {Instants.Format(p.Starts)} until {Instants.Format(p.Expires)} gives no reason (a ticket or why)");
            }

            if (p.Expires - _m.Now > TimeSpan.FromDays(Policy.MaxExpiryDays))
            {
                Violation($"{p.Path}.expires", Rules.ExpiryHorizon, p.Principal,
                    $"{p.Principal} in '{group.Key}' expires {Instants.Format(p.Expires)}, more than maxExpiryDays ({Policy.MaxExpiryDays}) from now");
            }

            Reach? admin = AccessGraph.GrantsAdmin(group) ? new Reach(null, group.Key, group.Path) : graph.AdminReach(group.Ref);
            if (admin is { } a && Reach.Min(p.Expires, a.Until) is { } until && until - p.Starts > TimeSpan.FromHours(Policy.MaxAdminHours))
            {
                Violation($"{p.Path}.expires", Rules.AdminDuration, p.Principal,
                    $"admin access for {p.Principal} through '{group.Key}' from {Instants.Format(p.Starts)} lasts until {Instants.Format(until)}, longer than maxAdminHours ({Policy.MaxAdminHours}h)");
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
                && !(_m.Groups.TryGetValue(principal.Key, out var g) && g.IsManaged && !g.MembersDelegated);
            var broker = principal.Kind == PrincipalKind.Group && _m.Groups.TryGetValue(principal.Key, out var dg) ? dg.MembersManagedBy : null;
            if ((principal.Kind == PrincipalKind.Group && !opaqueGroup) || Policy.StandingAdmins.Contains(principal))
            {
                continue;
            }

            if (graph.AdminReach(principal) is { Until: null } reach)
            {
                var how = reach.Via.Length == 0 ? "its workspaceAccess: admin" : $"'{reach.Via}'";
                var what = principal.IsHuman ? "standing human admin"
                    : broker is not null ? $"standing admin group whose members {broker} grants (this check cannot see broker grants)"
                    : opaqueGroup ? "standing admin group whose members are managed outside this stack"
                    : "standing admin";
                Violation(reach.EdgePath, Rules.StandingAdmin, principal,
                    $"{principal} would be a {what} through {how} with no expiry; give the membership expires + reason, or list it in policy.standingAdmins");
            }
        }
    }

    /// <summary>
    /// A human who can act as an admin-level principal (by reading its stored credential, or running a job that runs
    /// as it), directly or through others it can act as in turn, holds admin rights through that path: standing, it
    /// is a standing admin; time-bound, it is admin access for as long as the path lasts (its earliest end, and the
    /// end of the target's own admin rights). The same rules, the same waivers. The closure is the one the access
    /// matrix and the <c>access</c> verb report (<see cref="AccessClosure"/>), worked out backwards from the admins.
    /// </summary>
    private void CheckActingAsAdmins()
    {
        var actingAs = new ActingAs(_m);
        var actedAs = actingAs.Exposed();
        if (actedAs.Count == 0)
        {
            return;
        }

        // Per principal acted as: the longest-lived way from it to admin rights (its own, or by acting as another).
        // Only a principal some grant lets another act as can be a step of a path (a scope with no ACL stores the
        // tokens of as many principals as the stack has), in the order of Targets (the first of equal paths is kept).
        var targets = actingAs.Targets().Where(actedAs.Contains).ToList();
        var best = new Dictionary<PrincipalRef, (DateTimeOffset? Until, string? Reason, string Chain, PrincipalRef Admin)>();
        foreach (var t in targets)
        {
            if (graph.AdminReach(t) is { } r)
            {
                best[t] = (r.Until, r.Reason, string.Empty, t);
            }
        }

        if (best.Count == 0)
        {
            return;
        }

        for (var round = 0; round <= targets.Count; round++)
        {
            var exposures = actingAs.ExposuresOf(best.ContainsKey);
            var changed = false;
            foreach (var t in targets)
            {
                foreach (var (holder, reach) in Sources(t))
                {
                    foreach (var edge in exposures.GetValueOrDefault(holder) ?? [])
                    {
                        if (edge.Target == t)
                        {
                            continue;
                        }

                        var onward = best[edge.Target];
                        var (until, reason) = Earlier(reach?.Until, reach?.Reason, onward.Until, onward.Reason);
                        if (!best.TryGetValue(t, out var current) || Longer(until, current.Until))
                        {
                            var chain = onward.Chain.Length == 0 ? $"{edge.How} ({edge.Target})" : $"{edge.How} ({edge.Target}); {onward.Chain}";
                            best[t] = (until, reason, chain, onward.Admin);
                            changed = true;
                        }
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        var exposed = actingAs.ExposuresOf(best.ContainsKey);
        var users = PrincipalRef.Group(Names.UsersGroup);
        foreach (var principal in graph.Principals().Append(users))
        {
            var opaqueGroup = principal.Kind == PrincipalKind.Group && !(_m.Groups.TryGetValue(principal.Key, out var g) && g.IsManaged);
            if (!(principal.IsHuman || opaqueGroup) || Policy.StandingAdmins.Contains(principal) || graph.AdminReach(principal) is { Until: null })
            {
                continue;
            }

            foreach (var (holder, reach) in Sources(principal))
            {
                foreach (var edge in exposed.GetValueOrDefault(holder) ?? [])
                {
                    if (edge.Target == principal)
                    {
                        continue;
                    }

                    var onward = best[edge.Target];
                    var (until, _) = Earlier(reach?.Until, reach?.Reason, onward.Until, onward.Reason);
                    var through = holder == principal ? string.Empty : $" through {holder}";
                    var what = onward.Chain.Length == 0
                        ? $"can act as admin-level {edge.Target}{through} ({edge.How})"
                        : $"can act as {edge.Target}{through} ({edge.How}), which can act as admin-level {onward.Admin} ({onward.Chain})";
                    if (until is null)
                    {
                        Violation(edge.Path, Rules.StandingAdmin, principal,
                            $"{principal} {what} with no expiry: that is standing admin access; remove the path, make it time-bound, or list {principal} in policy.standingAdmins");
                    }
                    else if (until.Value - _m.Now > TimeSpan.FromHours(Policy.MaxAdminHours))
                    {
                        Violation(edge.Path, Rules.AdminDuration, principal,
                            $"{principal} {what} until {Instants.Format(until.Value)}, longer than maxAdminHours ({Policy.MaxAdminHours}h)");
                    }
                }
            }
        }
    }

    /// <summary>Whoever's grants a principal holds: itself, every group it is in (with the reach), and everyone's groups.</summary>
    private List<(PrincipalRef Holder, Reach? Reach)> Sources(PrincipalRef principal)
    {
        var users = PrincipalRef.Group(Names.UsersGroup);
        var sources = new List<(PrincipalRef Holder, Reach? Reach)> { (principal, null) };
        sources.AddRange(graph.GroupsOf(principal).Select(kv => (PrincipalRef.Group(kv.Key), (Reach?)kv.Value)));
        if (principal != users && (principal.Kind != PrincipalKind.Group || _m.Groups.ContainsKey(principal.Key)))
        {
            sources.Add((users, null));
            sources.Add((PrincipalRef.Group(Names.AccountUsersGroup), null));
        }

        return sources;
    }

    private static (DateTimeOffset? Until, string? Reason) Earlier(DateTimeOffset? a, string? aReason, DateTimeOffset? b, string? bReason) =>
        b is { } tb && (a is not { } ta || tb < ta) ? (b, bReason) : (a, aReason);

    /// <summary>Standing outlasts every end; a later end outlasts an earlier one.</summary>
    private static bool Longer(DateTimeOffset? a, DateTimeOffset? b) => b is { } tb && (a is not { } ta || ta > tb);

    /// <summary>
    /// A service principal with the account admin role holds every workspace of the account: standing by nature (the
    /// role has no expiry), so it is a violation unless an active <c>policy.exceptions</c> entry (which always has an
    /// expiry) covers it. <c>policy.standingAdmins</c> does not: it speaks for this workspace only.
    /// </summary>
    private void CheckAccountAdmins()
    {
        foreach (var sp in _m.ServicePrincipals.Values.Where(s => s.IsAccountAdmin))
        {
            Violation($"{sp.Path}.accountRoles", Rules.StandingAdmin, sp.Ref,
                $"{sp.Ref} would be a standing account admin (accountRoles: account_admin) over every workspace of the account; cover it with a policy.exceptions entry (rule: standing-admin) that has an expiry and a reason");
        }
    }

    /// <summary>The policies that read member lists say plainly what they cannot see: a broker's grants.</summary>
    private void CheckDelegatedGroups()
    {
        foreach (var group in _m.Groups.Values.Where(g => g.MembersDelegated))
        {
            d.Warning($"{group.Path}.members.managedBy",
                $"members of '{group.Key}' are granted by {group.MembersManagedBy}: standing-admin, admin-duration, expiry-horizon and reason-required cannot see broker grants; review them in {group.MembersManagedBy}");
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
        // Everyone: the users group and, on the closure, every group it is (even indirectly) a member of.
        var everyone = graph.GroupsOf(users).Keys.Select(PrincipalRef.Group).Append(users).ToHashSet();
        string Whom(PrincipalRef p) => p == users ? "the built-in users group" : $"{p}, which holds the built-in users group";
        const string Hint = "everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended";

        foreach (var scope in _m.SecretScopes.Values)
        {
            foreach (var acl in scope.Acls.Where(a => everyone.Contains(a.Principal)))
            {
                Violation(acl.Path, Rules.AllUsersAccess, acl.Principal, $"{Name(acl.Permission)} on scope '{scope.Name}' for {Whom(acl.Principal)}: {Hint}");
            }
        }

        foreach (var job in _m.Jobs.Values)
        {
            foreach (var (p, level) in job.Permissions.Where(x => everyone.Contains(x.Principal)))
            {
                Violation(job.Path, Rules.AllUsersAccess, p, $"{Name(level)} on job '{job.Name}' for {Whom(p)}: {Hint}");
            }
        }

        foreach (var grant in _m.CatalogGrants.Where(g => g.To.IsAllUsers || everyone.Contains(g.To)))
        {
            Violation($"{grant.Path}.to", Rules.AllUsersAccess, grant.To, grant.To.IsAllUsers
                ? $"grant on {grant.On} to the all-users group '{grant.To.Key}': {Hint}"
                : $"grant on {grant.On} to {Whom(grant.To)}: {Hint}");
        }

        if (_m.TokenUsage is { } usage)
        {
            for (var i = 0; i < usage.Declared.Count; i++)
            {
                if (everyone.Contains(usage.Declared[i]))
                {
                    Violation($"{usage.Path}.canUse[{i}]", Rules.AllUsersAccess, usage.Declared[i], $"token use for {Whom(usage.Declared[i])}: {Hint}");
                }
            }
        }

        // Admin rights for everyone: the users group reaching admins is checked as a principal in CheckStandingAdmins.
    }
}
