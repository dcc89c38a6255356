using System.Text.Json;
using DatabricksAccess.Cli;
using Microsoft.Extensions.Time.Testing;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// <c>adopt</c> against a planted estate on the fake workspace and account: the adopted file audits clean against the
/// same estate (the round trip), its plan carries the provider import ids, and only GETs are sent.
/// </summary>
public sealed class AdoptTests : IDisposable
{
    private const string ReporterApp = "33333333-0000-4000-8000-000000000003";
    private readonly Fixture _f = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-adopt-").FullName;

    public AdoptTests() => Plant(_f);

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// Account and workspace groups, a nested group at each level, an Entra-synced group, a Key Vault-backed scope,
    /// UC grants to a user, a group and a service principal, a standing human admin, and jobs.
    /// </summary>
    private static void Plant(Fixture f)
    {
        var fake = f.Fake;
        var carol = new FakeUser("u6", "carol@contoso.com");
        var dave = new FakeUser("u7", "dave@contoso.com");
        fake.Users.AddRange([carol, dave]);
        var reporter = new FakeSp("s3", ReporterApp, "Reporter") { Entitlements = ["workspace-access", "databricks-sql-access"] };
        fake.Sps.Add(reporter);

        var nested = new FakeGroup("g4", "Nested", [FakeDatabricks.UserRef(dave)]);
        var local = new FakeGroup("g3", "Local Analysts", [FakeDatabricks.UserRef(carol), FakeDatabricks.SpRef(reporter), FakeDatabricks.GroupRef(nested)])
        {
            Entitlements = ["workspace-access", "allow-cluster-create"],
        };
        fake.Groups.AddRange([local, nested]);

        f.Analysts.Members.Add(FakeDatabricks.GroupRef(f.Contractors));            // nested account group, not assigned
        f.Contractors.Members.Add(FakeDatabricks.UserRef(f.Eve));
        var engineers = new FakeGroup("ag3", "Entra Engineers", [FakeDatabricks.UserRef(f.Bob)]) { ExternalId = "7f0c1d2e-aaaa-4bbb-8ccc-0123456789ab" };
        fake.AccountGroups.Add(engineers);
        fake.Assignments.Add(new FakeAssignment(104, null, "Entra Engineers", null, "Entra Engineers", ["USER"]));

        fake.Scopes["app-secrets"].Add(new FakeAcl("alice@contoso.com", "MANAGE"));
        fake.Secrets["app-secrets"] = ["db-password", "api-key"];
        fake.Scopes["kv-scope"] = [new("Entra Engineers", "READ")];
        fake.KeyVaultScopes["kv-scope"] = new FakeKeyVault("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1", "https://kv1.vault.azure.net/");
        fake.Grants["schema/main.sales"].Add(new FakeGrant("alice@contoso.com", ["SELECT"]));
        fake.Grants["schema/main.sales"].Add(new FakeGrant(Fixture.EtlApp, ["MODIFY", "SELECT"]));
    }

    /// <summary>The input: hosts, account and deployer only, as a team starts.</summary>
    private string Skeleton(string? topology = null)
    {
        var path = Path.Combine(_dir, "Pulumi.input.yaml");
        File.WriteAllText(path, $$"""
            # the team's skeleton: where the estate is and who deploys
            config:
              databricks:host: {{_f.Fake.Url}}
              databricks-access:deployer:
                applicationId: {{Fixture.Deployer}}
              databricks-access:account:
                id: {{FakeDatabricks.AccountId}}
                host: {{_f.Fake.Url}}
                workspaceId: "{{FakeDatabricks.WorkspaceId}}"
            {{topology}}
            """);
        return path;
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        _f.Fake.Publish();
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run([.. args, "--now", "2026-11-25T12:00:00Z"], @out, err, new FakeTimeProvider(Fixture.Now), _dir, _f.Environment());
        return (code, @out.ToString(), err.ToString());
    }

    private (int Code, string Out, string Err, string Adopted) Adopt(string input, params string[] extra)
    {
        var outPath = Path.Combine(_dir, "Pulumi.adopted.yaml");
        var (code, @out, err) = Run(["adopt", "--file", input, "--out", outPath, "--securables", "schema:main.sales", .. extra]);
        return (code, @out, err, File.Exists(outPath) ? File.ReadAllText(outPath) : string.Empty);
    }

    [Fact]
    public void The_adopted_file_audits_clean_against_the_same_estate()
    {
        var (code, @out, err, adopted) = Adopt(Skeleton());
        Assert.True(code is 0 or 1, $"{code}\n{@out}\n{err}\n{adopted}");
        Assert.Equal(string.Empty, err);

        var (auditCode, auditOut, auditErr) = Run("audit", "--file", Path.Combine(_dir, "Pulumi.adopted.yaml"));
        Assert.True(auditCode == 0, $"{auditOut}\n{auditErr}\n{adopted}");
        Assert.EndsWith("no findings", auditOut.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Adopt_sends_only_GETs()
    {
        Adopt(Skeleton());
        // Only GETs, besides the OAuth token requests that obtain each host's credential (as for audit).
        var calls = _f.Fake.Requests.Where(r => !r.StartsWith("POST /oidc/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, r => Assert.StartsWith("GET ", r, StringComparison.Ordinal));
    }

    [Fact]
    public void The_adopted_file_keeps_the_input_and_declares_the_estate_in_the_models_keys()
    {
        var (_, _, _, adopted) = Adopt(Skeleton());
        Assert.StartsWith("# the team's skeleton: where the estate is and who deploys\nconfig:\n", adopted, StringComparison.Ordinal);
        Assert.Contains($"    applicationId: {Fixture.Deployer}\n", adopted, StringComparison.Ordinal);

        // Built-ins are looked up; a synced group is source: entra without members; the workspace-local one says so.
        Assert.Contains("      admins:\n        existing: true\n        members:\n          - user:lead@contoso.com\n", adopted, StringComparison.Ordinal);
        Assert.Contains("      entra-engineers:\n        displayName: \"Entra Engineers\"\n        source: entra\n    ", adopted, StringComparison.Ordinal);
        Assert.Contains("      local-analysts:\n        displayName: \"Local Analysts\"\n        level: workspace\n        entitlements: [allow-cluster-create, workspace-access]\n        members:\n          - group:nested\n          - sp:reporter\n          - user:carol@contoso.com\n", adopted, StringComparison.Ordinal);
        Assert.Contains("      reporter:\n        displayName: Reporter\n        applicationId: \"33333333-0000-4000-8000-000000000003\"\n        level: workspace\n        entitlements: [databricks-sql-access, workspace-access]\n", adopted, StringComparison.Ordinal);
        Assert.Contains("      contractors:\n        workspaceAccess: none\n        members:\n          - user:eve@contoso.com\n", adopted, StringComparison.Ordinal);
        Assert.Contains("# adopted 2026-11-25T12:00:00Z from the account group 'Entra Engineers' (SCIM id ag3), synced from Entra ID", adopted, StringComparison.Ordinal);

        // Secrets: declared, never valued.
        Assert.Contains("          api-key: { existing: true }\n          db-password: { existing: true }\n", adopted, StringComparison.Ordinal);
        Assert.Contains("        backend: azure-keyvault\n", adopted, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_output_lists_the_secrets_the_skipped_jobs_and_ends_with_the_violations()
    {
        var (code, @out, _, _) = Adopt(Skeleton());
        Assert.Equal(1, code); // lead@contoso.com is a standing human admin: the reviewer decides
        var lines = @out.TrimEnd().Split('\n');
        Assert.Contains("  3 job(s) skipped: jobs are not adopted (the stack creates its own)", lines);
        Assert.Contains("  app-secrets/api-key", lines);
        Assert.Contains("  app-secrets/db-password", lines);
        var violations = Array.FindIndex(lines, l => l.StartsWith("Policy violations to decide on (", StringComparison.Ordinal));
        Assert.True(violations > 0, @out);
        Assert.All(lines[(violations + 1)..], l => Assert.Contains(": policy ", l, StringComparison.Ordinal));
        Assert.Contains(lines[(violations + 1)..], l => l.Contains("standing-admin", StringComparison.Ordinal) && l.Contains("lead@contoso.com", StringComparison.Ordinal));

        var (checkCode, _, _) = Run("check", "--file", Path.Combine(_dir, "Pulumi.adopted.yaml"));
        Assert.Equal(1, checkCode);
    }

    /// <summary>
    /// The Infra mock test runs `up` on exactly what adopt writes for this estate (tests/Infra.Tests/Fixtures/
    /// Pulumi.adopted.yaml, the fake's address replaced). Set UPDATE_ADOPTED_FIXTURE=1 to rewrite it after a change.
    /// </summary>
    [Fact]
    public void The_adopted_file_is_the_one_the_infra_up_test_imports()
    {
        var (_, _, _, adopted) = Adopt(Skeleton());
        var normalised = adopted.Replace(_f.Fake.Url, "https://adb-1111111111111111.1.azuredatabricks.net", StringComparison.Ordinal);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Pulumi.yaml")))
        {
            dir = dir.Parent;
        }

        var fixture = Path.Combine(dir.FullName, "tests", "Infra.Tests", "Fixtures", "Pulumi.adopted.yaml");
        if (System.Environment.GetEnvironmentVariable("UPDATE_ADOPTED_FIXTURE") == "1")
        {
            File.WriteAllText(fixture, normalised);
        }

        Assert.Equal(File.ReadAllText(fixture), normalised);
    }

    [Fact]
    public void Plan_json_carries_each_adopted_resources_import_id_in_the_providers_format()
    {
        Adopt(Skeleton());
        var (_, json, _) = Run("plan", "--file", Path.Combine(_dir, "Pulumi.adopted.yaml"), "--format", "json");
        using var doc = JsonDocument.Parse(json);
        var ids = doc.RootElement.GetProperty("resources").EnumerateArray()
            .Where(r => r.TryGetProperty("importId", out _))
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("importId").GetString()!);
        Assert.Equal("g3", ids["group-local-analysts-group"]);
        Assert.Equal("ag1", ids["group-analysts-group"]);
        Assert.Equal("g3|u6", ids["group-local-analysts-member-user-carol@contoso.com"]);
        Assert.Equal("g3|g4", ids["group-local-analysts-member-group-nested"]);
        Assert.Equal("ag1|ag2", ids["group-analysts-member-group-contractors"]);
        Assert.Equal("g1|u3", ids["group-admins-member-user-lead@contoso.com"]);
        // Workspace-level principals carry their entitlements in their own fields: no Entitlements resource to import.
        Assert.DoesNotContain("group-local-analysts-entitlements", ids.Keys);
        Assert.Equal("123|101", ids["group-analysts-assignment"]);
        Assert.Equal("123|104", ids["group-entra-engineers-assignment"]);
        Assert.Equal("s3", ids["sp-reporter-sp"]);
        Assert.DoesNotContain("sp-reporter-entitlements", ids.Keys);
        Assert.Equal("123|102", ids["sp-etl-runner-assignment"]);
        Assert.Equal("app-secrets", ids["scope-app-secrets-scope"]);
        Assert.Equal($"app-secrets|||{Fixture.EtlApp}", ids["scope-app-secrets-acl-sp-etl-runner"]);
        Assert.Equal("kv-scope|||Entra Engineers", ids["scope-kv-scope-acl-group-entra-engineers"]);
        Assert.Equal("schema/main.sales/alice@contoso.com", ids["catalog-grants-schema-main.sales-user-alice@contoso.com"]);
        Assert.Equal("schema/main.sales/Analysts", ids["catalog-grants-schema-main.sales-group-analysts"]);

        // What the stack creates has none: the Entra group is looked up (no Group resource), the secrets are not managed.
        var names = doc.RootElement.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToList();
        Assert.DoesNotContain("group-entra-engineers-group", names);
        Assert.DoesNotContain(names, n => n.StartsWith("scope-app-secrets-secret-", StringComparison.Ordinal));
    }
}
