using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        /// <summary>
        /// Each rule set the stack owns against its declaration: <c>roles/servicePrincipal.manager</c> for the declared
        /// managers and the deployer, <c>roles/servicePrincipal.user</c> for the deployer (the stack PUTs the whole rule
        /// set [fact: rule-set-put-whole]). Any
        /// other rule is <c>undeclared-manager</c>: a manager can create the principal's secrets and tokens, a user can
        /// run jobs as it; both act as it (high). A principal is named as rule sets name it (GrantRule [fact: sdk-rule-set]: <c>users/&lt;email&gt;</c>, <c>groups/&lt;name&gt;</c>, <c>servicePrincipals/&lt;application id&gt;</c>).
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
    }
}
