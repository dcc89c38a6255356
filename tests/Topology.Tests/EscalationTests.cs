using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 18: acting as another principal (reading its stored credential, running a job that runs as it) is access,
/// shown with its path; a standing human path to an admin-level principal violates the admin rules.
/// </summary>
public class EscalationTests
{
    private const string Base = """
        servicePrincipals:
          reporter:
            entitlements: [workspace-access, databricks-sql-access]
            oauthSecret: { rotationDays: 30, store: app/reporter-oauth }
          loader: { entitlements: [workspace-access] }
        groups:
          analysts:
            members: [user:ann@contoso.com]
        secretScopes:
          app:
            acls: { group:analysts: READ }
          other: {}
        """;

    private static readonly PrincipalRef Analysts = PrincipalRef.Group("analysts");
    private static readonly PrincipalRef Ann = PrincipalRef.User("ann@contoso.com");

    [Fact]
    public void Read_on_a_scope_that_stores_an_oauth_secret_is_acting_as_its_owner_with_the_path()
    {
        var result = Evaluate(Base);
        Assert.Equal(0, result.ExitCode);
        var edge = Assert.Single(result.Access, e => e.Principal == Analysts && e.Kind == AccessKind.ActAs);
        Assert.Equal(("sp:reporter", "READ on scope app, which stores its OAuth secret"), (edge.Resource, edge.Via));
        Assert.Equal("group:analysts can act as sp:reporter (READ on scope app, which stores its OAuth secret)", Cli.Reports.ActingAsLine(edge));

        // Through the group, for its member; and the owner's own access comes with it.
        var ann = result.Access.Where(e => e.Principal == Ann).ToList();
        Assert.Contains(ann, e => e.Kind == AccessKind.ActAs && e.Via == "READ on scope app through analysts, which stores its OAuth secret");
        // The matrix names the edge only; the closure (access --principal) holds the owner's access, with the path.
        Assert.DoesNotContain(ann, e => e.Via == "acting as sp:reporter");
        var sql = Assert.Single(result.Closure!.Of(Ann), c => c.Entry.Kind == AccessKind.Entitlement && c.Entry.Permission == "databricks-sql-access");
        Assert.Equal("acting as sp:reporter", sql.Entry.Via);
        Assert.Equal(
            ["member user:ann@contoso.com group:analysts", "acts-as user:ann@contoso.com sp:reporter", "grant sp:reporter workspace"],
            sql.Path.Select(s => $"{s.Kind} {s.From} {s.To}"));
        Assert.Equal("READ on scope app, which stores its OAuth secret (topology.secretScopes.app.acls[\"group:analysts\"])", sql.Path[1].Via);

        // The owner does not act as itself; a scope without its credential opens nothing.
        Assert.DoesNotContain(result.Access, e => e.Principal == PrincipalRef.Sp("reporter") && e.Kind == AccessKind.ActAs);
        Assert.DoesNotContain(Evaluate(Base.Edit("store: app/reporter-oauth", "store: other/reporter-oauth")).Access,
            e => e.Principal == Analysts && e.Kind == AccessKind.ActAs);
    }

    [Theory]
    [InlineData("canManageRun", "CAN_MANAGE_RUN", true)]
    [InlineData("canManage", "CAN_MANAGE", true)]
    [InlineData("canView", "CAN_VIEW", false)]
    public void Running_a_job_is_acting_as_its_run_as_identity(string key, string permission, bool acts)
    {
        var result = Evaluate(Base + $$"""

            jobs:
              nightly: { notebook: /Shared/etl/nightly, runAs: sp:loader, {{key}}: [group:analysts] }
            """);
        var edges = result.Access.Where(e => e.Principal == Analysts && e.Kind == AccessKind.ActAs && e.Resource == "sp:loader").ToList();
        if (acts)
        {
            Assert.Equal($"{permission} on job nightly, which runs as it", Assert.Single(edges).Via);
        }
        else
        {
            Assert.Empty(edges);
        }
    }

    [Fact]
    public void Acting_as_is_transitive_and_ends_with_the_earliest_expiry_on_the_path()
    {
        // ann (until Dec 1) reads the scope holding reporter's secret; reporter runs the job that runs as loader.
        var result = Evaluate("""
            servicePrincipals:
              reporter: { oauthSecret: { rotationDays: 30, store: app/reporter-oauth } }
              loader: { entitlements: [allow-cluster-create] }
            groups:
              analysts:
                members: [{ principal: user:ann@contoso.com, expires: 2026-12-01T00:00:00Z, reason: INC-1 }]
            secretScopes:
              app: { acls: { group:analysts: READ } }
            jobs:
              nightly: { notebook: /Shared/n, runAs: sp:loader, canManageRun: [sp:reporter] }
            """);
        var loader = Assert.Single(result.Access, e => e.Principal == Ann && e.Kind == AccessKind.ActAs && e.Resource == "sp:loader");
        Assert.Equal("READ on scope app through analysts, which stores its OAuth secret; as sp:reporter: CAN_MANAGE_RUN on job nightly, which runs as it", loader.Via);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), loader.Until);
        Assert.Equal("INC-1", loader.Reason);
        var cluster = Assert.Single(result.Closure!.Of(Ann), c => c.Entry.Permission == "allow-cluster-create");
        Assert.Equal(("acting as sp:loader", (DateTimeOffset?)new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), "INC-1"), (cluster.Entry.Via, cluster.Entry.Until, cluster.Entry.Reason));
        Assert.Equal(
            ["member user:ann@contoso.com group:analysts", "acts-as user:ann@contoso.com sp:reporter", "acts-as sp:reporter sp:loader", "grant sp:loader workspace"],
            cluster.Path.Select(s => $"{s.Kind} {s.From} {s.To}"));
    }

    private const string AdminSp = """
        servicePrincipals:
          ops: { workspaceAccess: admin, token: { lifetimeDays: 30, rotationDays: 25, store: vault/ops-token } }
        groups:
          admins: { existing: true, members: [sp:ops] }
          support:
            members: [user:ann@contoso.com, { principal: user:bob@contoso.com, expires: 2026-11-25T20:00:00Z, reason: INC-2 }, { principal: user:cy@contoso.com, expires: 2026-11-28T12:00:00Z, reason: INC-3 }]
        secretScopes:
          vault: { acls: { group:support: READ } }
        """;

    [Fact]
    public void A_standing_human_path_to_act_as_an_admin_level_principal_is_a_standing_admin_violation()
    {
        var result = Evaluate(AdminSp, policy: "standingAdmins: [sp:ops]", account: Account);
        var lines = Lines(result, Severity.Violation);

        // ann: standing; bob: 8 hours (within maxAdminHours 12); cy: 3 days (too long).
        Assert.Contains(lines, l => l.StartsWith("topology.secretScopes.vault.acls", StringComparison.Ordinal)
            && l.Contains("policy standing-admin: user:ann@contoso.com can act as admin-level sp:ops through group:support (READ on scope vault, which stores its token) with no expiry", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("user:bob@contoso.com", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("policy admin-duration: user:cy@contoso.com can act as admin-level sp:ops through group:support", StringComparison.Ordinal)
            && l.Contains("until 2026-11-28T12:00:00Z, longer than maxAdminHours (12h)", StringComparison.Ordinal));
        Assert.Equal(1, result.ExitCode);

        // The same waivers as any admin rule: listing the human as a standing admin.
        var waived = Evaluate(AdminSp.Edit(", { principal: user:cy@contoso.com, expires: 2026-11-28T12:00:00Z, reason: INC-3 }", string.Empty),
            policy: "standingAdmins: [sp:ops, user:ann@contoso.com]", account: Account);
        Assert.Empty(Lines(waived, Severity.Violation));
    }

    [Fact]
    public void A_path_to_a_principal_that_is_not_admin_level_is_no_violation() =>
        Assert.Empty(Lines(Evaluate(AdminSp.Edit("workspaceAccess: admin", "workspaceAccess: user")
            .Edit("admins: { existing: true, members: [sp:ops] }", "admins: { existing: true }"), account: Account), Severity.Violation));
}
