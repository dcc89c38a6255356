using CsCheck;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 33: authority labels (docs/ownership.md) against an oracle written from what the provider's Create, Update and
/// Delete do (terraform-provider-databricks v1.128.0), over random topologies of created and looked-up (existing: true)
/// groups and service principals, memberships, scope ACLs and catalog grants:
/// a group, service principal or scope the stack creates is owned; a databricks_group_member (one member of one group
/// [fact: group-member-one-member]) is owned in a group the stack creates and additive in one it does not; a databricks_secret_acl
/// (one principal's ACL on a scope [fact: secret-acl-put]) and a databricks_grant (one principal's privileges on a
/// securable [fact: grant-principal-authoritative]) are per-principal, and in the blast radius exactly when the stack does not create
/// the principal.
/// </summary>
public class AuthorityOracleTests
{
    [Fact]
    public void Authority_labels_and_the_blast_radius_follow_the_provider_behaviour_property()
    {
        // Principals: 0-1 users, 2 a created service principal, 3 a looked-up one, 4.. groups g0..g3.
        string Name(int i) => i switch { 0 => "user:u0@contoso.com", 1 => "user:u1@contoso.com", 2 => "sp:own", 3 => "sp:ext", _ => $"group:g{i - 4}" };
        Gen.Select(Gen.Int[0, 15], Gen.Select(Gen.Int[0, 7], Gen.Int[0, 3]).Array[0, 8], Gen.Int[0, 7].Array[0, 4], Gen.Int[0, 7].Array[0, 3]).Sample((existingMask, memberships, acls, grants) =>
        {
            bool Existing(int g) => (existingMask & (1 << g)) != 0;
            var created = new HashSet<string>(StringComparer.Ordinal) { "sp:own" };
            var groups = string.Empty;
            for (var g = 0; g < 4; g++)
            {
                // A group's members: users, service principals and groups before it (no cycles).
                var members = memberships.Where(m => m.Item2 == g && (m.Item1 < 4 || m.Item1 - 4 < g)).Select(m => Name(m.Item1)).Distinct().ToList();
                groups += $"  g{g}: {{ {(Existing(g) ? "existing: true, " : string.Empty)}members: [{string.Join(", ", members)}] }}\n";
                if (!Existing(g))
                {
                    created.Add($"group:g{g}");
                }
            }

            var acl = string.Concat(acls.Where(a => a != 2).Distinct().Select(a => $"      \"{Name(a)}\": READ\n"));
            var grant = string.Concat(grants.Distinct().Select(a => $"  - {{ on: catalog:main, to: \"{Name(a)}\", privileges: [USE_CATALOG] }}\n"));
            var yaml = "servicePrincipals:\n  own: {}\n  ext: { existing: true, applicationId: 00000000-0000-4000-8000-00000000000e }\n"
                + $"groups:\n{groups}secretScopes:\n  s:\n    acls:\n      sp:own: MANAGE\n{acl}"
                + (grant.Length > 0 ? $"catalogGrants:\n{grant}" : string.Empty);
            var result = Evaluate(yaml, policy: "allowAllUsersAcl: true", account: Account);
            Assert.True(result.Plan is not null, string.Join("\n", Lines(result)) + "\n" + yaml);

            foreach (var (_, r) in result.Plan.AllResources)
            {
                var expected = r.Type switch
                {
                    PulumiTypes.Group or PulumiTypes.ServicePrincipal or PulumiTypes.SecretScope => (Authority.Owned, false),
                    PulumiTypes.GroupMember => (Existing(int.Parse(r.Name["group-g".Length..r.Name.IndexOf("-member-", StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)) ? Authority.Additive : Authority.Owned, false),
                    PulumiTypes.SecretAcl or PulumiTypes.Grant => (Authority.PerPrincipal, !created.Contains(r.Principal!)),
                    _ => ((Authority, bool)?)null,
                };
                if (expected is { } e)
                {
                    Assert.True(e == (r.Authority, r.InBlastRadius), $"{r.Type} {r.Name}: expected {e}, got ({r.Authority}, {r.InBlastRadius})\n{yaml}");
                }
            }
        }, iter: 300);
    }
}
