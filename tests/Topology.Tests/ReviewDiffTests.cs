using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Issue 18: what the diff names besides grants (run-as, policy, entries added expired, pending), and what check warns about.</summary>
public class ReviewDiffTests
{
    private const string Jobs = """
        servicePrincipals:
          loader: {}
          reporter: {}
        groups:
          analysts: { members: [user:ann@contoso.com] }
        jobs:
          nightly: { name: Nightly, notebook: /Shared/n, runAs: sp:loader, canManageRun: [group:analysts], canView: [user:vi@contoso.com] }
        """;

    private static IReadOnlyList<PlanChange> Review(EvaluationResult before, EvaluationResult after) => ReviewDiff.Compute(before.Model, after.Model);

    [Fact]
    public void A_job_that_runs_as_someone_else_is_named_with_who_can_now_run_code_as_it()
    {
        var before = Evaluate(Jobs);
        var after = Evaluate(Jobs.Edit("runAs: sp:loader", "runAs: sp:reporter"));
        var change = Assert.Single(Review(before, after));
        Assert.Equal((ReviewDiff.RunAsKind, "job Nightly now runs as sp:reporter (was sp:loader): group:analysts can run code as sp:reporter"), (change.Kind, change.Text));

        // The access diff carries it too: the analysts now act as reporter, no longer as loader.
        var access = AccessDiff.Compute(before, after).Select(c => c.Describe()).ToList();
        // A gained edge says what the target reaches (issue 28), not each of its grants.
        Assert.Contains(access, l => l.StartsWith("group:analysts can now act as sp:reporter (CAN_MANAGE_RUN on job Nightly, which runs as it); sp:reporter: not admin-level; ", StringComparison.Ordinal));
        Assert.Contains("group:analysts can no longer act as sp:loader (was: CAN_MANAGE_RUN on job Nightly, which runs as it)", access);
        Assert.Empty(Review(before, before));
    }

    [Fact]
    public void Every_policy_key_that_changes_is_named_old_to_new_and_loosening_is_marked()
    {
        var before = PolicySpec.Strict with { StandingAdmins = new HashSet<PrincipalRef> { PrincipalRef.User("old@contoso.com") } };
        var exceptionExpiry = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var after = new PolicySpec(60, 720, new HashSet<PrincipalRef> { PrincipalRef.User("new@contoso.com") }, false, 30, 120, true,
            [new PolicyException(Vocabulary.Rules.StandingAdmin, PrincipalRef.User("x@contoso.com"), "migration", exceptionExpiry, "policy.exceptions[0]")]);
        var changes = ReviewDiff.Policy(before, after).ToList();
        Assert.Equal(
            [
                ("policy maxExpiryDays: 30 → 60 (loosens)", true),
                ("policy maxAdminHours: 12 → 720 (loosens)", true),
                ("policy standingAdmins: + user:new@contoso.com (loosens: may be a workspace admin without expiry)", true),
                ("policy standingAdmins: - user:old@contoso.com (tightens)", false),
                ("policy requireReason: true → false (loosens)", true),
                ("policy maxTokenLifetimeDays: 90 → 30 (tightens)", false),
                ("policy maxRotationDays: 90 → 120 (loosens)", true),
                ("policy allowAllUsersAcl: false → true (loosens)", true),
                ("policy exceptions: + standing-admin for user:x@contoso.com until 2026-12-01T00:00:00Z (migration) (loosens)", true),
            ],
            changes.Select(c => (c.Text, c.Loosens)));
        Assert.All(changes, c => Assert.Equal(ReviewDiff.PolicyKind, c.Kind));

        var later = after with { Exceptions = [after.Exceptions[0] with { Expires = exceptionExpiry.AddDays(1) }] };
        Assert.Equal(["policy exceptions: standing-admin for user:x@contoso.com until 2026-12-01T00:00:00Z → 2026-12-02T00:00:00Z (loosens)"], ReviewDiff.Policy(after, later).Select(c => c.Text));
        Assert.Equal(["policy exceptions: - standing-admin for user:x@contoso.com (tightens)"], ReviewDiff.Policy(after, after with { Exceptions = [] }).Select(c => c.Text));
        Assert.Empty(ReviewDiff.Policy(after, after));
    }

    [Fact]
    public void A_policy_loosened_in_the_stack_file_shows_in_the_diff()
    {
        var before = Evaluate("groups: {}", policy: "maxAdminHours: 12");
        var after = Evaluate("groups: {}", policy: "maxAdminHours: 720");
        var change = Assert.Single(Review(before, after));
        Assert.Equal("policy maxAdminHours: 12 → 720 (loosens)", change.Text);
        Assert.True(change.Loosens);
    }

    private static string Admins(string members) => $"groups:\n  admins:\n    existing: true\n    members: {members}\n";

    [Fact]
    public void An_entry_added_already_expired_is_named_in_the_diff_and_warned_about_by_check()
    {
        var before = Evaluate(Admins("[]"));
        var after = Evaluate(Admins("[{ principal: user:bob@contoso.com, expires: 2026-11-25T11:59:59Z, reason: CHG-1 }]"));
        Assert.Equal(0, after.ExitCode);
        Assert.Equal(
            ["user:bob@contoso.com in 'admins' is added with expires 2026-11-25T11:59:59Z, already past at 2026-11-25T12:00:00Z: it grants nothing"],
            Review(before, after).Select(c => c.Text));
        Assert.Contains("topology.groups.admins.members[0].expires: warning: user:bob@contoso.com in 'admins' expired at 2026-11-25T11:59:59Z, before 2026-11-25T12:00:00Z: the entry grants nothing; delete it (a new entry needs an expires in the future)",
            Lines(after, Severity.Warning));

        // At the boundary: expiring exactly now is expired; a second later is active, and no warning.
        Assert.Contains(Lines(Evaluate(Admins("[{ principal: user:bob@contoso.com, expires: 2026-11-25T12:00:00Z, reason: CHG-1 }]")), Severity.Warning), l => l.Contains("the entry grants nothing", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines(Evaluate(Admins("[{ principal: user:bob@contoso.com, expires: 2026-11-25T12:00:01Z, reason: CHG-1 }]")), Severity.Warning), l => l.Contains("the entry grants nothing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("- { on: schema:main.sales, to: group:g, privileges: [SELECT] }", "no USE_CATALOG on catalog:main or USE_SCHEMA on schema:main.sales")]
    [InlineData("- { on: catalog:main, to: group:g, privileges: [USE_CATALOG] }\n- { on: table:main.sales.orders, to: group:g, privileges: [SELECT] }", "no USE_SCHEMA on schema:main.sales")]
    [InlineData("- { on: schema:main.sales, to: group:g, privileges: [USE_SCHEMA, SELECT] }", "no USE_CATALOG on catalog:main")]
    [InlineData("- { on: catalog:main, to: group:g, privileges: [USE_CATALOG, USE_SCHEMA] }\n- { on: schema:main.sales, to: group:g, privileges: [SELECT] }", null)]
    [InlineData("- { on: catalog:main, to: group:parent, privileges: [USE_CATALOG] }\n- { on: schema:main.sales, to: group:g, privileges: [USE_SCHEMA, SELECT] }", null)]
    [InlineData("- { on: catalog:main, to: \"group:account users\", privileges: [ALL_PRIVILEGES] }\n- { on: schema:main.sales, to: group:g, privileges: [SELECT] }", null)]
    public void Check_warns_about_a_privilege_its_grantee_cannot_use(string grants, string? missing)
    {
        var result = Evaluate($$"""
            groups:
              g: { level: account }
              parent: { level: account, members: [group:g] }
            catalogGrants:
            {{grants}}
            """, policy: "allowAllUsersAcl: true", account: Account);
        var warnings = Lines(result, Severity.Warning).Where(l => l.Contains("cannot be used", StringComparison.Ordinal)).ToList();
        if (missing is null)
        {
            Assert.Empty(warnings);
        }
        else
        {
            Assert.Contains($"for group:g cannot be used: {missing} is declared for it, a group it is in, or everyone", Assert.Single(warnings), StringComparison.Ordinal);
        }
    }
}
