using System.Text.Json;
using DatabricksAccess.Topology;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// What the audit sees beyond memberships and ACLs (issues 19 and 21): entitlements, account roles, metastore
/// grants, grants to deleted principals, a secret scope open to every user, token lifetimes, delegated groups.
/// </summary>
public sealed class CoverageTests : IDisposable
{
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    private static List<(string Kind, string Severity, string? Principal, string Object, string Detail)> Findings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("principal").GetString(),
                f.GetProperty("object").GetString()!, f.GetProperty("detail").GetString()!))
            .ToList();
    }

    private static List<string> Notes(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
    }

    [Fact]
    public void Entitlements_beyond_the_declaration_on_declared_groups_and_principals_are_found_and_users_are_left_alone()
    {
        // The workspace's view of the account group analysts carries its entitlements [fact: sdk-scim-shapes].
        var wsAnalysts = new FakeGroup(_f.Analysts.Id, "Analysts", []) { Entitlements = ["workspace-access", "allow-cluster-create"] };
        _f.Fake.Groups.Add(wsAnalysts);
        _f.Fake.Sps.Remove(_f.Etl);
        _f.Fake.Sps.Add(_f.Etl with { Entitlements = ["databricks-sql-access"] });
        _f.Alice.Entitlements.Add("allow-cluster-create");                        // a user: not the stack's
        _f.Fake.Groups[1].Entitlements.AddRange(["workspace-access", "allow-instance-pool-create"]); // users: not managed
        _f.Fake.Sps.Add(new FakeSp("s7", "77777777-0000-4000-8000-000000000007", "someone else's") { Entitlements = ["allow-cluster-create"] });

        var stack = _f.WriteStack(_f.StackYaml().Edit("        displayName: Analysts\n", "        displayName: Analysts\n        entitlements: [workspace-access]\n"));
        var (code, json, err) = _f.Audit("json", stack: stack);
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal(
            [
                ("undeclared-entitlement", "medium", "group:analysts", "workspace", "allow-cluster-create beyond the declared entitlements (workspace-access)"),
                ("undeclared-entitlement", "low", "sp:etl-runner", "workspace", "databricks-sql-access without a declaration"),
            ],
            Findings(json));
        Assert.Contains($"GET /api/2.0/preview/scim/v2/Groups/{_f.Analysts.Id}", _f.Fake.Requests);
    }

    [Fact]
    public void With_builtin_entitlements_managed_the_users_group_is_audited_too()
    {
        _f.Fake.Groups[1].Entitlements.AddRange(["workspace-access", "allow-cluster-create"]);
        var stack = _f.WriteStack(_f.StackYaml("""
                builtinEntitlements: true
            """).Edit("      admins:\n", "      users:\n        existing: true\n        entitlements: [workspace-access]\n      admins:\n"));
        var (code, json, err) = _f.Audit("json", stack: stack);
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal([("undeclared-entitlement", "medium", "group:users", "workspace", "allow-cluster-create beyond the declared entitlements (workspace-access)")], Findings(json));
    }

    [Fact]
    public void An_account_admin_role_on_a_declared_principal_is_an_undeclared_admin_at_account_level()
    {
        // AccountServicePrincipal.roles, AccountGroup.roles [fact: sdk-scim-shapes].
        _f.Fake.AccountSps.Remove(_f.Etl);
        _f.Fake.AccountSps.Add(_f.Etl with { Roles = ["account_admin"] });
        _f.Analysts.Roles.Add("account_admin");
        var (code, json, _) = _f.Audit("json");
        Assert.Equal(1, code);
        Assert.Equal(
            [
                ("undeclared-admin", "critical", "group:analysts", "account", "holds the account role account_admin that the stack does not declare"),
                ("undeclared-admin", "critical", "sp:etl-runner", "account", "holds the account role account_admin that the stack does not declare"),
            ],
            Findings(json));
    }

    [Fact]
    [Trait("fact", "sdk-uc-permissions")]
    public void Metastore_grants_are_read_by_the_current_metastore_assignment_and_deleted_principals_are_reported()
    {
        const string Metastore = "11111111-2222-4333-8444-555555555555";
        _f.Fake.MetastoreId = Metastore;
        _f.Fake.Grants[$"metastore/{Metastore}"] = [new("Analysts", ["CREATE_CATALOG"]), new("mallory@contoso.com", ["CREATE_EXTERNAL_LOCATION"])];
        _f.Fake.Grants["schema/main.sales"].Add(new FakeGrant("", ["MODIFY", "SELECT"], PrincipalId: "4242")); // [fact: sdk-uc-permissions]
        var stack = _f.WriteStack(_f.StackYaml().Edit("    catalogGrants:\n", "    catalogGrants:\n      - on: metastore\n        to: group:analysts\n        privileges: [CREATE_CATALOG]\n"));
        var (code, json, err) = _f.Audit("json", stack: stack);
        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal(
            [
                ("undeclared-grant", "high", "principal_id:4242", "schema:main.sales", "MODIFY, SELECT held by a deleted principal (empty principal name, principal_id 4242)"),
                ("undeclared-grant", "medium", "user:mallory@contoso.com", "metastore", "CREATE_EXTERNAL_LOCATION without a declaration"),
            ],
            Findings(json));
        Assert.Contains("GET /api/2.1/unity-catalog/current-metastore-assignment", _f.Fake.Requests);
        Assert.Contains($"GET /api/2.1/unity-catalog/permissions/metastore/{Metastore}", _f.Fake.Requests);
    }

    [Fact]
    public void Without_a_metastore_assignment_metastore_grants_are_a_note()
    {
        var stack = _f.WriteStack(_f.StackYaml().Edit("    catalogGrants:\n", "    catalogGrants:\n      - on: metastore\n        to: group:analysts\n        privileges: [CREATE_CATALOG]\n"));
        var (code, json, _) = _f.Audit("json", stack: stack);
        Assert.Equal(0, code);
        Assert.Equal(["metastore grants are not audited: the workspace has no current metastore assignment"], Notes(json));
    }

    [Fact]
    public void An_undeclared_scope_readable_by_every_user_is_high_and_other_undeclared_scopes_stay_out()
    {
        _f.Fake.Scopes["team-notes"] = [new("users", "READ"), new("mallory@contoso.com", "MANAGE")];
        _f.Fake.Scopes["private"] = [new("mallory@contoso.com", "MANAGE"), new("contractors", "WRITE")];
        var (code, json, _) = _f.Audit("json");
        Assert.Equal(1, code);
        Assert.Equal([("undeclared-acl", "high", "group:users", "scope:team-notes", "READ for every workspace user on a secret scope the stack does not declare")], Findings(json));
    }

    /// <summary>The fixture's declaration, as the audit command maps it, with <paramref name="change"/> applied.</summary>
    private async Task<AuditReport> AuditDeclaration(Func<Declaration, Declaration> change)
    {
        var stack = DatabricksAccess.Topology.Config.StackFile.Load(_f.WriteStack());
        var declaration = change(DatabricksAccess.Adoption.AuditDeclarations.From(
            DatabricksAccess.Topology.TopologyEvaluator.Evaluate(stack.ToInput(), Fixture.Now, stack.Findings)));
        using var http = new HttpClient();
        var target = new LiveTarget(new Uri(_f.Fake.Url + "/"), new AccountTarget(new Uri(_f.Fake.Url + "/"), FakeDatabricks.AccountId, FakeDatabricks.WorkspaceId));
        var (credentials, _, _) = await TokenSources.ResolveAsync(_f.Environment().Variables, () => new Fixture.UnavailableEntra(), http, _f.Options(), TimeProvider.System, target, CancellationToken.None);
        return await Auditor.RunAsync(declaration, target, new DatabricksClient(http, credentials, _f.Options()), CancellationToken.None);
    }

    [Fact]
    public async Task A_token_policy_reports_tokens_without_expiry_or_living_longer_naming_owner_and_id_only()
    {
        const long Day = 86_400_000;
        var created = Fixture.Now.ToUnixTimeMilliseconds() - (10 * Day);
        _f.Fake.Tokens.AddRange(
        [
            new FakeToken("t-ok", "alice@contoso.com", 1, created, created + (90 * Day), "within"),
            new FakeToken("t-edge", "alice@contoso.com", 1, created, created + (90 * Day) + 1, "one ms over"),
            new FakeToken("t-forever", "mallory@contoso.com", 4, created, -1, "never expires"),
            new FakeToken("t-zero", Fixture.EtlApp, 9, created, 0, "absent expiry"),
        ]);
        _f.Fake.WorkspaceConf["maxTokenLifetimeDays"] = "90"; // as declared: this test is about the tokens
        var report = await AuditDeclaration(d => d with { TokenMaxLifetimeDays = 90 });
        Assert.Equal(
            [
                ("token-policy", Severity.High, "user:mallory@contoso.com", "token:t-forever", "never expires; the token policy allows 90 days"),
                ("token-policy", Severity.High, "sp:etl-runner", "token:t-zero", "never expires; the token policy allows 90 days"),
                ("token-policy", Severity.Medium, "user:alice@contoso.com", "token:t-edge", "lives 90.01 days; the token policy allows 90 days"),
            ],
            report.Findings.Select(f => (f.Kind, f.Severity, f.Principal, f.Object, f.Detail)).ToList());
        Assert.Contains("GET /api/2.0/token-management/tokens", _f.Fake.Requests);
    }

    [Fact]
    public async Task Without_a_token_policy_the_token_list_is_not_read()
    {
        var report = await AuditDeclaration(d => d);
        Assert.Empty(report.Findings);
        Assert.DoesNotContain(_f.Fake.Requests, r => r.Contains("token-management", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_group_whose_members_a_broker_manages_has_no_member_findings_only_a_note_naming_the_broker()
    {
        _f.Analysts.Members.Clear();                                  // alice (declared) gone: not missing
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(_f.Mallory));  // undeclared: not a finding
        _f.Analysts.Members.Add(FakeDatabricks.UserRef(_f.Bob));      // expired: not a finding either
        var report = await AuditDeclaration(d => d with
        {
            Groups = d.Groups.Select(g => g.Ref == "group:analysts" ? g with { MembersManagedBy = "access-broker" } : g).ToList(),
        });
        Assert.Empty(report.Findings);
        Assert.Equal(["group:analysts: members are managed by access-broker and not audited; live members: user:bob@contoso.com, user:mallory@contoso.com"], report.Notes);
    }
}
