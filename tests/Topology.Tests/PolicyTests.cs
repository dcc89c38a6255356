using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class PolicyTests
{
    [Fact]
    public void Strict_defaults_forbid_a_standing_human_admin()
    {
        var result = Evaluate("""
            groups:
              admins:
                existing: true
                members:
                  - user:mallory@contoso.com
            """);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            ["topology.groups.admins.members[0]: policy standing-admin: user:mallory@contoso.com would be a standing human admin through 'admins' with no expiry; give the membership expires + reason, or list it in policy.standingAdmins"],
            Lines(result));
    }

    [Fact]
    public void Standing_admin_through_a_nested_group_is_found_and_reported_at_its_own_membership()
    {
        var result = Evaluate("""
            groups:
              oncall:
                members: [user:eve@contoso.com]
              admins:
                existing: true
                members: [group:oncall]
            """);
        Assert.Equal(
            ["topology.groups.oncall.members[0]: policy standing-admin: user:eve@contoso.com would be a standing human admin through 'admins' with no expiry; give the membership expires + reason, or list it in policy.standingAdmins"],
            Lines(result));
    }

    [Fact]
    public void Listed_standing_admins_are_allowed()
    {
        var result = Evaluate("""
            groups:
              admins:
                existing: true
                members: [user:lead@contoso.com]
            """, policy: "standingAdmins: [user:lead@contoso.com]");
        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [InlineData(12 * 3600, true)]
    [InlineData(12 * 3600 + 1, false)]
    public void Admin_access_may_last_at_most_max_admin_hours(int seconds, bool allowed)
    {
        var expires = Now.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var result = Evaluate($$"""
            groups:
              admins:
                existing: true
                members:
                  - { principal: "user:oncall@contoso.com", expires: "{{expires}}", reason: CHG-1 }
            """);
        Assert.Equal(allowed ? 0 : 1, result.ExitCode);
        if (!allowed)
        {
            Assert.Equal(
                [$"topology.groups.admins.members[0].expires: policy admin-duration: admin access for user:oncall@contoso.com through 'admins' lasts until {expires}, longer than maxAdminHours (12h)"],
                Lines(result));
        }
    }

    [Theory]
    [InlineData(30 * 86400, true)]
    [InlineData(30 * 86400 + 1, false)]
    public void Memberships_may_expire_at_most_max_expiry_days_ahead(int seconds, bool allowed)
    {
        var expires = Now.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var result = Evaluate($$"""
            groups:
              g:
                members:
                  - { principal: "user:a@contoso.com", expires: "{{expires}}", reason: r }
            """);
        Assert.Equal(allowed ? 0 : 1, result.ExitCode);
    }

    [Fact]
    public void Expires_without_reason_violates_require_reason_unless_relaxed()
    {
        const string Topology = """
            groups:
              g:
                members:
                  - { principal: "user:a@contoso.com", expires: "2026-11-30T00:00:00Z" }
            """;
        Assert.Equal(
            ["topology.groups.g.members[0].reason: policy reason-required: user:a@contoso.com in 'g' expires 2026-11-30T00:00:00Z but gives no reason (a ticket or why)"],
            Lines(Evaluate(Topology)));
        Assert.Equal(0, Evaluate(Topology, policy: "requireReason: false").ExitCode);
    }

    [Fact]
    public void Token_lifetime_and_rotation_caps()
    {
        var result = Evaluate("""
            servicePrincipals:
              ci:
                token: { lifetimeDays: 120, rotationDays: 100 }
            """);
        Assert.Equal(
            [
                "topology.servicePrincipals.ci.token.lifetimeDays: policy token-lifetime: token lifetime 120 days (rotationDays 100 + overlapDays 20) exceeds maxTokenLifetimeDays (90)",
                "topology.servicePrincipals.ci.token.rotationDays: policy rotation-period: token rotation every 100 days exceeds maxRotationDays (90)",
            ],
            Lines(result, Severity.Violation));
    }

    [Fact]
    public void An_active_exception_waives_exactly_its_rule_and_principal_and_expires_like_access()
    {
        const string Topology = """
            groups:
              admins:
                existing: true
                members: [user:mallory@contoso.com, user:trent@contoso.com]
            """;
        string Policy(string expires) => $$"""
            exceptions:
              - { rule: standing-admin, principal: "user:mallory@contoso.com", reason: "migration CHG-9", expires: "{{expires}}" }
            """;

        var active = Evaluate(Topology, Policy("2026-11-26T00:00:00Z"));
        Assert.Equal(["trent"], active.Diagnostics.Select(d => d.Message.Split('@')[0].Split(':')[1]).ToArray());

        var expired = Evaluate(Topology, Policy("2026-11-25T12:00:00Z"));
        Assert.Equal(2, expired.Diagnostics.Count(d => d.Severity == Severity.Violation));
        Assert.Contains("policy.exceptions[0]: warning: exception to standing-admin for user:mallory@contoso.com expired at 2026-11-25T12:00:00Z and no longer applies", Lines(expired));
    }

    [Fact]
    public void Access_for_all_users_needs_policy_consent()
    {
        const string Topology = """
            secretScopes:
              s:
                acls:
                  group:users: READ
            """;
        Assert.Equal(
            ["topology.secretScopes.s.acls[\"group:users\"]: policy all-users-access: READ on scope 's' for the built-in users group: everyone in the workspace would get it; set policy.allowAllUsersAcl: true if that is intended"],
            Lines(Evaluate(Topology)));
        Assert.Equal(0, Evaluate(Topology, policy: "allowAllUsersAcl: true").ExitCode);
    }

    [Fact]
    public void The_prod_stack_passes_and_adding_a_standing_human_admin_fails_naming_rule_and_path()
    {
        var prod = File.ReadAllText(Path.Combine(RepoRoot, "Pulumi.prod.yaml"));
        var ok = TopologyEvaluator.Evaluate(Config.StackFile.Parse(prod, "Pulumi.prod.yaml").ToInput(), Now);
        Assert.Equal(0, ok.ExitCode);

        var tampered = prod.Edit("      admins:\n        existing: true\n", "      admins:\n        existing: true\n        members:\n          - user:mallory@contoso.com\n");
        Assert.NotEqual(prod, tampered);
        var bad = TopologyEvaluator.Evaluate(Config.StackFile.Parse(tampered, "Pulumi.prod.yaml").ToInput(), Now);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains(bad.Diagnostics, d => d.Rule == "standing-admin" && d.Path == "topology.groups.admins.members[0]");
    }

    [Fact]
    public void A_group_whose_members_are_managed_elsewhere_is_itself_a_standing_admin()
    {
        var result = Evaluate("""
            groups:
              platform: { source: entra }
              admins:
                existing: true
                members: [group:platform]
            """);
        Assert.Equal(
            [
                "topology.groups.admins.members[0]: policy standing-admin: group:platform would be a standing admin group whose members are managed outside this stack through 'admins' with no expiry; give the membership expires + reason, or list it in policy.standingAdmins",
            ],
            Lines(result, Severity.Violation));
        Assert.Equal(0, Evaluate("""
            groups:
              platform: { source: entra }
              admins: { existing: true, members: [group:platform] }
            """, policy: "standingAdmins: [group:platform]").ExitCode);
    }
}
