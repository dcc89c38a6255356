using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live.Tests;

/// <summary>The comparison alone, on hand-made declarations and live states (no HTTP).</summary>
public sealed class ComparisonTests
{
    private const string AppA = "aaaaaaaa-0000-4000-8000-000000000001";
    private const string AppB = "bbbbbbbb-0000-4000-8000-000000000002";

    private static readonly DeclaredPrincipal Ops = new("group:ops", PrincipalType.Group, "ops", null, true, false);
    private static readonly DeclaredPrincipal SpA = new("sp:a", PrincipalType.ServicePrincipal, "A", AppA, true, false);
    private static readonly DeclaredPrincipal SpB = new("sp:b", PrincipalType.ServicePrincipal, "B", AppB, true, false);
    private static readonly DeclaredPrincipal Alice = new("user:alice@x.com", PrincipalType.User, "alice@x.com", null, false, false);

    private static Declaration Declare(
        IReadOnlyList<DeclaredPrincipal>? principals = null,
        IReadOnlyList<DeclaredGroup>? groups = null,
        IReadOnlyList<DeclaredScope>? scopes = null,
        IReadOnlyList<DeclaredSecurable>? securables = null,
        IReadOnlyList<DeclaredAssignment>? assignments = null,
        IReadOnlyList<string>? tokenUsers = null) =>
        new(principals ?? [Ops, SpA, SpB, Alice], groups ?? [], [], scopes ?? [], securables ?? [], [], assignments, tokenUsers, null);

    private static LiveState Live(
        IReadOnlyList<ScimGroup>? groups = null,
        IReadOnlyList<ScimServicePrincipal>? sps = null,
        IReadOnlyList<AssignmentItem>? assignments = null,
        Dictionary<string, IReadOnlyList<AclItem>?>? acls = null,
        IReadOnlyList<AccessControl>? tokens = null,
        Dictionary<string, IReadOnlyList<PrivilegeAssignment>?>? grants = null) =>
        new(
            new LiveDirectory(
                [new ScimUser("u1", "alice@x.com", "Alice"), new ScimUser("u2", "bob@x.com", "Bob")],
                groups ?? [new ScimGroup("g1", "ops", []), new ScimGroup("g0", "admins", [])],
                sps ?? [new ScimServicePrincipal("s1", AppA, "A"), new ScimServicePrincipal("s2", AppB, "B")]),
            null,
            assignments,
            (acls ?? []).Keys.ToHashSet(StringComparer.Ordinal),
            acls ?? [],
            new Dictionary<string, IReadOnlyList<LiveJob>>(),
            tokens,
            grants ?? []);

    private static List<(string Kind, Severity Severity, string? Principal, string Object, string Detail)> Compare(Declaration d, LiveState l) =>
        Comparison.Compare(d, l).Findings.Select(f => (f.Kind, f.Severity, f.Principal, f.Object, f.Detail)).ToList();

    private static AccessControl Acl(string? user, string? group, string? sp, string level, bool inherited = false) =>
        new(user, group, sp, null, [new PermissionLevel(level, inherited, null)]);

    [Fact]
    public void Token_users_not_listed_are_reported_when_the_stack_manages_token_usage()
    {
        var d = Declare(tokenUsers: ["sp:a", "sp:b"]);
        var l = Live(tokens:
        [
            Acl(null, null, AppA, "CAN_USE"),
            Acl("bob@x.com", null, null, "CAN_USE"),
            Acl(null, "admins", null, "CAN_MANAGE"),
            Acl(null, "users", null, "CAN_USE", inherited: true),
        ]);
        Assert.Equal(
            [
                ("token-user", Severity.Medium, "user:bob@x.com", "tokens", "CAN_USE on personal access tokens without being declared a token user"),
                ("missing", Severity.Low, "sp:b", "tokens", "declared token user cannot use tokens"),
            ],
            Compare(d, l));

        // Not managed: nothing about tokens, whatever is live.
        Assert.Empty(Compare(Declare(), l));
    }

    [Fact]
    public void A_declared_token_user_with_more_than_CAN_USE_is_reported()
    {
        var l = Live(tokens: [Acl(null, null, AppA, "CAN_MANAGE")]);
        Assert.Equal([("token-user", Severity.High, "sp:a", "tokens", "declared CAN_USE, live CAN_MANAGE")], Compare(Declare(tokenUsers: ["sp:a"]), l));
    }

    [Fact]
    public void An_ADMIN_assignment_beyond_the_declared_USER_is_an_undeclared_admin()
    {
        var d = Declare(assignments: [new DeclaredAssignment("group:ops", "USER"), new DeclaredAssignment("sp:a", "ADMIN")]);
        var l = Live(assignments:
        [
            new AssignmentItem(new AssignmentPrincipal(1, null, "ops", null, "ops"), ["ADMIN"], null),
            new AssignmentItem(new AssignmentPrincipal(2, null, null, AppA, "A"), ["USER"], null),
            new AssignmentItem(new AssignmentPrincipal(3, "bob@x.com", null, null, "Bob"), ["ADMIN"], null),
        ]);
        Assert.Equal(
            [
                ("undeclared-admin", Severity.Critical, "group:ops", "workspace", "declared USER, assigned ADMIN"),
                ("undeclared-admin", Severity.Critical, "user:bob@x.com", "workspace", "assigned ADMIN on the workspace without a declaration"),
                ("missing", Severity.Low, "sp:a", "workspace", "declared ADMIN, assigned USER"),
            ],
            Compare(d, l));
    }

    [Fact]
    public void Undeclared_members_of_a_looked_up_group_are_not_reported_but_its_declared_members_are_checked()
    {
        var lookedUp = new DeclaredPrincipal("group:ops", PrincipalType.Group, "ops", null, Owned: false, false);
        var d = Declare(principals: [lookedUp, SpA, Alice], groups: [new DeclaredGroup("group:ops", false, ["sp:a"], Severity.Medium)]);
        var l = Live(groups: [new ScimGroup("g1", "ops", [new ScimMember("u1", "Alice", "Users/u1"), new ScimMember("u2", "Bob", "Users/u2")])]);
        Assert.Equal([("missing", Severity.Low, "sp:a", "group:ops", "declared member is not a member")], Compare(d, l));
    }

    [Fact]
    public void Admins_is_always_audited_and_its_undeclared_members_are_critical()
    {
        var d = Declare(groups: [new DeclaredGroup(Declaration.AdminsGroup, true, [], Severity.Critical)]);
        var l = Live(groups: [new ScimGroup("g1", "ops", []), new ScimGroup("g0", "admins", [new ScimMember("s2", "B", "ServicePrincipals/s2"), new ScimMember("g1", "ops", "Groups/g1"), new ScimMember("x9", "Ghost", "Users/x9")])]);
        Assert.Equal(
            [
                ("undeclared-admin", Severity.Critical, "group:ops", "group:admins", "a member of admins (a workspace admin) that the stack does not declare"),
                ("undeclared-admin", Severity.Critical, "sp:b", "group:admins", "a member of admins (a workspace admin) that the stack does not declare"),
                ("undeclared-admin", Severity.Critical, "user:Ghost (SCIM id x9)", "group:admins", "a member of admins (a workspace admin) that the stack does not declare"),
            ],
            Compare(d, l));
    }

    [Fact]
    public void A_stronger_live_ACL_is_undeclared_and_a_weaker_one_is_missing()
    {
        var d = Declare(scopes: [new DeclaredScope("s", [new DeclaredPermission("group:ops", "READ"), new DeclaredPermission("sp:a", "MANAGE")])]);
        var l = Live(acls: new() { ["s"] = [new AclItem("ops", "MANAGE"), new AclItem(AppA, "READ")] });
        Assert.Equal(
            [
                ("undeclared-acl", Severity.High, "group:ops", "scope:s", "declared READ, live MANAGE"),
                ("missing", Severity.Low, "sp:a", "scope:s", "declared MANAGE, live READ"),
            ],
            Compare(d, l));
    }

    [Fact]
    public void Privileges_beyond_the_declared_ones_are_an_undeclared_grant_of_the_strongest_severity()
    {
        var d = Declare(securables: [new DeclaredSecurable("catalog", "main", [new DeclaredPrivileges("group:ops", ["USE_CATALOG", "SELECT"])])]);
        var l = Live(grants: new()
        {
            ["catalog:main"] = [new PrivilegeAssignment("ops", ["USE_CATALOG"]), new PrivilegeAssignment("ops", ["SELECT", "CREATE_SCHEMA", "MODIFY"]), new PrivilegeAssignment(AppB, ["BROWSE"])],
        });
        Assert.Equal(
            [
                ("undeclared-grant", Severity.High, "group:ops", "catalog:main", "CREATE_SCHEMA, MODIFY beyond the declared privileges"),
                ("undeclared-grant", Severity.Low, "sp:b", "catalog:main", "BROWSE without a declaration"),
            ],
            Compare(d, l));
    }

    [Fact]
    public void Metastore_grants_without_a_metastore_assignment_are_noted_as_not_audited()
    {
        var d = Declare(securables: [new DeclaredSecurable("metastore", "", [new DeclaredPrivileges("group:ops", ["CREATE_CATALOG"])])]);
        var report = Comparison.Compare(d, Live());
        Assert.Empty(report.Findings);
        Assert.Equal(["metastore grants are not audited: the workspace has no current metastore assignment"], report.Notes);
    }

    [Fact]
    public void A_service_principal_found_by_a_display_name_that_two_share_is_unresolved()
    {
        var byName = new DeclaredPrincipal("sp:c", PrincipalType.ServicePrincipal, "Twin", null, true, false);
        var d = Declare(principals: [byName]);
        var l = Live(sps: [new ScimServicePrincipal("s1", AppA, "Twin"), new ScimServicePrincipal("s2", AppB, "twin")]);
        Assert.Equal([("unresolved", Severity.Low, "sp:c", "workspace", "2 service principals are named 'Twin' in the workspace; give its applicationId")], Compare(d, l));
    }

    [Fact]
    public void A_service_principal_declared_by_display_name_is_matched_by_its_live_application_id()
    {
        var byName = new DeclaredPrincipal("webapp:runner", PrincipalType.ServicePrincipal, "runner-site", null, true, false);
        var d = Declare(principals: [byName], scopes: [new DeclaredScope("s", [new DeclaredPermission("webapp:runner", "READ")])]);
        var l = Live(sps: [new ScimServicePrincipal("s7", AppA, "runner-site")], acls: new() { ["s"] = [new AclItem(AppA.ToUpperInvariant(), "READ")] });
        Assert.Empty(Compare(d, l));
    }

    [Fact]
    public void Principals_named_only_by_expired_memberships_may_be_gone()
    {
        var gone = new DeclaredPrincipal("user:gone@x.com", PrincipalType.User, "gone@x.com", null, false, false, MustExist: false);
        Assert.Empty(Compare(Declare(principals: [gone]), Live()));
        Assert.Equal([("unresolved", Severity.Low, "user:gone@x.com", "workspace", "no user 'gone@x.com' in the workspace")],
            Compare(Declare(principals: [gone with { MustExist = true }]), Live()));
    }

    [Theory]
    [InlineData("ADMIN", Severity.Critical)]
    [InlineData("MANAGE", Severity.High)]
    [InlineData("WRITE", Severity.High)]
    [InlineData("CAN_MANAGE", Severity.High)]
    [InlineData("IS_OWNER", Severity.High)]
    [InlineData("ALL_PRIVILEGES", Severity.High)]
    [InlineData("MODIFY", Severity.High)]
    [InlineData("CAN_MANAGE_RUN", Severity.Medium)]
    [InlineData("CAN_USE", Severity.Medium)]
    [InlineData("CREATE_TABLE", Severity.Medium)]
    [InlineData("WRITE_VOLUME", Severity.Medium)]
    [InlineData("allow-cluster-create", Severity.Medium)]
    [InlineData("READ", Severity.Low)]
    [InlineData("CAN_VIEW", Severity.Low)]
    [InlineData("SELECT", Severity.Low)]
    [InlineData("USE_CATALOG", Severity.Low)]
    [InlineData("USER", Severity.Low)]
    [InlineData("workspace-access", Severity.Low)]
    public void Severity_follows_what_the_access_allows(string permission, Severity expected) =>
        Assert.Equal(expected, Severities.Of(permission));
}
