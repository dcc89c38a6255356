using DatabricksAccess.Adoption;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;

namespace DatabricksAccess.Live.Tests;

/// <summary>How Topology's model of a stack becomes the audit's declaration.</summary>
public sealed class DeclarationTests
{
    private static readonly string Root = FindRoot();

    private static Declaration Dev(DateTimeOffset now) =>
        AuditDeclarations.From(TopologyEvaluator.Evaluate(StackFile.Load(Path.Combine(Root, "Pulumi.dev.yaml")).ToInput(), now));

    [Fact]
    public void The_dev_stack_declares_its_groups_with_what_their_membership_grants()
    {
        var d = Dev(Fixture.Now);
        var groups = d.Groups.ToDictionary(g => g.Ref);
        Assert.Equal(["group:admins", "group:data-engineers", "group:data-scientists", "group:notebook-runners"], groups.Keys.Order(StringComparer.Ordinal));

        // admins: critical and always audited; owned groups report undeclared members.
        Assert.Equal((true, Severity.Critical), (groups["group:admins"].ReportUndeclaredMembers, groups["group:admins"].MemberSeverity));
        // At this instant oncall@'s admin membership has expired (2026-11-23): it is no longer declared.
        Assert.Equal(["user:platform-lead@contoso.com"], groups["group:admins"].Members);
        // data-scientists: READ on app-secrets, which stores sp:ci-deployer's token: acting as it, WRITE there.
        Assert.Equal((true, Severity.High), (groups["group:data-scientists"].ReportUndeclaredMembers, groups["group:data-scientists"].MemberSeverity));
        // data-engineers: CAN_VIEW, and through data-scientists CAN_MANAGE_RUN.
        Assert.Equal(Severity.Medium, groups["group:data-engineers"].MemberSeverity);
        // notebook-runners grants nothing but workspace entitlements of its own (none): low; the web app is its member.
        Assert.Equal(Severity.Low, groups["group:notebook-runners"].MemberSeverity);
        Assert.Equal(["webapp:notebook-runner"], groups["group:notebook-runners"].Members);
    }

    [Fact]
    public void The_dev_stack_declares_its_principals_scopes_grants_and_jobs()
    {
        var d = Dev(Fixture.Now);
        var principals = d.Principals.ToDictionary(p => p.Ref);
        Assert.Equal(new DeclaredPrincipal("webapp:notebook-runner", PrincipalType.ServicePrincipal, "dbx-notebook-runner-dev", null, true, false), principals["webapp:notebook-runner"]);
        Assert.Equal(new DeclaredPrincipal("sp:akto-connector", PrincipalType.ServicePrincipal, "Akto connector", null, true, false), principals["sp:akto-connector"]);
        Assert.Equal(new DeclaredPrincipal("user:alice@contoso.com", PrincipalType.User, "alice@contoso.com", null, false, false), principals["user:alice@contoso.com"]);
        Assert.Equal(new DeclaredPrincipal("group:admins", PrincipalType.Group, "admins", null, false, false), principals["group:admins"]);

        Assert.Equal(["app-secrets", "connectors"], d.Scopes.Select(x => x.Name));
        Assert.Empty(d.Scopes[1].Acls); // the connectors scope: admins only
        var scope = d.Scopes[0];
        Assert.Equal("app-secrets", scope.Name);
        Assert.Equal(
            [new("group:data-scientists", "READ"), new("sp:ci-deployer", "WRITE"), new DeclaredPermission("webapp:notebook-runner", "READ")],
            scope.Acls.OrderBy(a => a.Principal, StringComparer.Ordinal));
        Assert.Equal(["catalog:workspace", "schema:workspace.default"], d.Securables.Select(s => s.ToString()));
        Assert.Equal(["USE_SCHEMA", "SELECT"], d.Securables[1].Grants.Single().Privileges.Order(StringComparer.Ordinal).Reverse());
        var job = Assert.Single(d.Jobs);
        Assert.Equal("nightly-etl", job.Name);
        Assert.Contains(new DeclaredPermission("group:data-engineers", "CAN_VIEW"), job.Permissions);
        Assert.Null(d.Assignments);   // no account: permission assignments are not read
        Assert.Null(d.TokenUsers);    // token usage not managed
        Assert.Equal("9a0c3b7e-1d2f-4e5a-8b6c-7d8e9f0a1b2c", d.DeployerApplicationId);
    }

    [Fact]
    public void An_expired_membership_is_no_longer_declared_and_is_listed_as_expired()
    {
        // oncall@ expires from admins at 2026-11-23T08:00:00Z: one second later it is expired.
        var at = new DateTimeOffset(2026, 11, 23, 8, 0, 1, TimeSpan.Zero);
        var before = Dev(at.AddSeconds(-2));
        var after = Dev(at);
        Assert.Contains("user:oncall@contoso.com", before.Groups.Single(g => g.Ref == "group:admins").Members);
        Assert.Empty(before.Expired);
        Assert.DoesNotContain("user:oncall@contoso.com", after.Groups.Single(g => g.Ref == "group:admins").Members);
        Assert.Equal([new DeclaredExpiredMembership("group:admins", "user:oncall@contoso.com", new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero))], after.Expired);
        Assert.True(after.Principals.Single(p => p.Ref == "user:oncall@contoso.com").MustExist is false);
    }

    [Fact]
    public void Account_level_identities_declare_their_workspace_assignments()
    {
        using var f = new Fixture();
        var stack = StackFile.Load(f.WriteStack());
        var d = AuditDeclarations.From(TopologyEvaluator.Evaluate(stack.ToInput(), Fixture.Now));
        Assert.Equal([new("group:analysts", "USER"), new DeclaredAssignment("sp:etl-runner", "USER")], d.Assignments);
        Assert.True(d.Principals.Single(p => p.Ref == "group:analysts").AccountLevel);
        Assert.Equal(Fixture.Deployer, d.DeployerApplicationId);
    }

    [Fact]
    public void Managed_token_usage_and_admin_assignments_are_declared()
    {
        using var f = new Fixture();
        var yaml = f.StackYaml("""
                tokenUsage:
                  canUse: [group:analysts]
            """).Edit("        displayName: ETL runner\n", "        displayName: ETL runner\n        workspaceAccess: admin\n");
        var d = AuditDeclarations.From(TopologyEvaluator.Evaluate(StackFile.Load(f.WriteStack(yaml)).ToInput(), Fixture.Now));
        Assert.Equal(["group:analysts"], d.TokenUsers);
        Assert.Contains(new DeclaredAssignment("sp:etl-runner", "ADMIN"), d.Assignments!);
        // An identity the stack makes admin is in admins without a membership resource: declared there too.
        Assert.Equal(["user:lead@contoso.com", "sp:etl-runner"], d.Groups.Single(g => g.Ref == Declaration.AdminsGroup).Members);
    }

    [Fact]
    public void Account_roles_delegated_groups_and_the_token_policy_are_declared_as_issue_21_names_them()
    {
        using var f = new Fixture();
        var yaml = f.StackYaml("""
                tokenPolicy: { maxLifetimeDays: 30 }
            """)
            .Edit("        displayName: ETL runner\n", "        displayName: ETL runner\n        accountRoles: [account_admin]\n")
            .Edit("      analysts:\n", "      jit:\n        members: { managedBy: apono }\n      analysts:\n");
        var d = AuditDeclarations.From(TopologyEvaluator.Evaluate(StackFile.Load(f.WriteStack(yaml)).ToInput(), Fixture.Now));
        Assert.Equal(30, d.TokenMaxLifetimeDays);
        Assert.Equal(["account_admin"], d.Principals.Single(p => p.Ref == "sp:etl-runner").AccountRoles);
        Assert.Null(d.Principals.Single(p => p.Ref == "group:analysts").AccountRoles);
        var jit = d.Groups.Single(g => g.Ref == "group:jit");
        Assert.Equal(("apono", false), (jit.MembersManagedBy, jit.ReportUndeclaredMembers));
        Assert.Null(d.Groups.Single(g => g.Ref == "group:analysts").MembersManagedBy);

        var none = AuditDeclarations.From(TopologyEvaluator.Evaluate(StackFile.Load(f.WriteStack()).ToInput(), Fixture.Now));
        Assert.Null(none.TokenMaxLifetimeDays);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Pulumi.yaml) not found");
    }
}
