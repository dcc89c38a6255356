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
        fake.Users.AddRange([carol, dave, new FakeUser("u8", "someone@contoso.com")]); // the jobs' creator and owner (FakeJob.Creator)
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

        // Found without flags: the metastore's grants, and a catalog only the list names.
        fake.MetastoreId = "11111111-2222-3333-4444-555555555555";
        fake.Grants[$"metastore/{fake.MetastoreId}"] = [new FakeGrant("Analysts", ["CREATE_CATALOG"])];
        fake.Grants["catalog/finance"] = [new FakeGrant("Entra Engineers", ["USE_CATALOG"])];

        // A job that runs as loader: bob may manage it, Local Analysts run it (acting as loader).
        var loader = new FakeSp("s4", LoaderApp, "loader");
        fake.Sps.Add(loader);
        fake.Jobs.Add(new FakeJob(61, "Nightly load", [
            new("bob@contoso.com", null, null, "CAN_MANAGE"),
            new(null, "Local Analysts", null, "CAN_MANAGE_RUN"),
            new("someone@contoso.com", null, null, "IS_OWNER"),
        ])
        { RunAs = LoaderApp, Notebook = "/Shared/etl/load", Cron = "0 0 2 * * ?", TimeZone = "Europe/Berlin" });

        // loader's account rule set: the account gives a service principal's creator (here the deployer) its manager
        // role; the adopted stack declares the same, and the deployer's servicePrincipal.user once up PUTs the set.
        fake.RuleSets[$"accounts/{FakeDatabricks.AccountId}/servicePrincipals/{LoaderApp}/ruleSets/default"] =
            [new FakeRule("roles/servicePrincipal.manager", $"servicePrincipals/{Fixture.Deployer}")];

        // What the model cannot hold: a Python wheel job. Only admins can run or manage it: no one acts as loader
        // through it, so the audit of the adopted file has nothing to say about it.
        fake.Jobs.Add(new FakeJob(62, "wheel", []) { RunAs = LoaderApp, TaskType = "python_wheel_task" });

        // A scope name the provider accepts ('@'), and two groups whose names differ only in case.
        fake.Scopes["dave@contoso.com"] = [new("dave@contoso.com", "MANAGE")];
        fake.Groups.Add(new FakeGroup("g5", "FINANCE", [FakeDatabricks.UserRef(carol)]));
        fake.Groups.Add(new FakeGroup("g6", "finance", [FakeDatabricks.UserRef(dave)]));

        // An account user assigned to the workspace directly, not through a group (an identity-federated workspace
        // lists it in its own SCIM too); the assignment names it by user_name (PrincipalOutput
        // [fact: sdk-permission-assignments]), written here in another case than the model keys it.
        var frank = new FakeUser("u8", "Frank@contoso.com");
        fake.Users.Add(frank);
        fake.AccountUsers.Add(frank);
        fake.Assignments.Add(new FakeAssignment(108, "Frank@contoso.com", null, null, "Frank", ["USER"]));
    }

    private const string LoaderApp = "44444444-0000-4000-8000-000000000004";

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
        var (code, @out, err) = Run(["adopt", "--file", input, "--out", outPath, .. extra]);
        var adopted = File.Exists(outPath) ? File.ReadAllText(outPath) : string.Empty;
        if (System.Environment.GetEnvironmentVariable("DEBUG_ADOPT") is { Length: > 0 } debug)
        {
            File.WriteAllText(debug, $"{code}\n{@out}\n{err}\n{adopted}");
        }

        return (code, @out, err, adopted);
    }

    [Fact]
    public void The_adopted_file_audits_clean_against_the_same_estate()
    {
        var (code, @out, err, adopted) = Adopt(Skeleton());
        Assert.True(code == 3, $"{code}\n{@out}\n{err}\n{adopted}"); // the wheel job is skipped
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
    public void Text_output_counts_what_is_written_names_what_was_skipped_and_ends_with_the_violations()
    {
        var (code, @out, _, adopted) = Adopt(Skeleton());
        Assert.Equal(3, code); // written; something skipped (the wheel job); the standing admin is listed too
        var lines = @out.TrimEnd().Split('\n');

        // Counts from what is written: groups are the entries (admins is looked up, not counted).
        var groups = adopted.Split('\n').Count(l => l.StartsWith("      # adopted ", StringComparison.Ordinal) && l.Contains(" group '", StringComparison.Ordinal)) - 1;
        Assert.Contains(lines, l => l.StartsWith($"  {groups} group(s) (1 synced from Entra ID), ", StringComparison.Ordinal) && l.Contains(", 4 job(s) with 3 permission(s), 1 directly assigned user(s); ", StringComparison.Ordinal));
        Assert.Contains("  the metastore", lines);
        Assert.Contains(lines, l => l.StartsWith("  2 catalog(s) and 1 schema(s), all", StringComparison.Ordinal));
        Assert.Contains("  tables, volumes and functions: not read (--deep reads them all)", lines);
        Assert.Contains("  app-secrets/api-key", lines);
        Assert.Contains(lines, l => l.StartsWith("  job 'wheel' (job_id 62): its task is a python_wheel_task; the model's job runs a notebook", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  group 'finance' differs only in case from group:finance", StringComparison.Ordinal) || l.StartsWith("  group 'FINANCE' differs only in case", StringComparison.Ordinal));
        var violations = Array.FindIndex(lines, l => l.StartsWith("Policy violations to decide on (", StringComparison.Ordinal));
        Assert.True(violations > 0, @out);
        Assert.All(lines[(violations + 1)..], l => Assert.Contains(": policy ", l, StringComparison.Ordinal));
        Assert.Contains(lines[(violations + 1)..], l => l.Contains("standing-admin", StringComparison.Ordinal) && l.Contains("lead@contoso.com", StringComparison.Ordinal));

        var (checkCode, _, _) = Run("check", "--file", Path.Combine(_dir, "Pulumi.adopted.yaml"));
        Assert.Equal(1, checkCode);
    }

    [Fact]
    public void Jobs_are_adopted_with_run_as_schedule_notebook_and_permissions_and_both_import_ids()
    {
        // The live IS_OWNER is written as owner: the import reads it (Read keeps every direct entry but the caller's and
        // admins' [fact: permissions-read]), and without it the first up's update would make the deployer IS_OWNER
        // [fact: permissions-owner-added].
        var (_, _, _, adopted) = Adopt(Skeleton());
        Assert.Contains("      nightly-load:\n        name: \"Nightly load\"\n        notebook: \"/Shared/etl/load\"\n        runAs: sp:loader\n        schedule:\n          cron: \"0 0 2 * * ?\"\n          timezone: Europe/Berlin\n        owner: user:someone@contoso.com\n        canManageRun: [group:local-analysts]\n        canManage: [user:bob@contoso.com]\n", adopted, StringComparison.Ordinal);
        Assert.Contains("      job-nightly-load-job: \"61\"\n", adopted, StringComparison.Ordinal);
        Assert.Contains("      job-nightly-load-permissions: \"/jobs/61\"\n", adopted, StringComparison.Ordinal);
        Assert.DoesNotContain("wheel", adopted.Split("imports:")[0].Replace("# adopted", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // The plan shows who can act as loader through the adopted job.
        var (_, plan, _) = Run("plan", "--file", Path.Combine(_dir, "Pulumi.adopted.yaml"));
        Assert.Contains("user:bob@contoso.com can act as sp:loader", plan, StringComparison.Ordinal);
        Assert.Contains("group:local-analysts can act as sp:loader", plan, StringComparison.Ordinal);
        Assert.Contains("owner user:someone@contoso.com (config topology.jobs.nightly-load.owner)", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void Grants_are_found_without_flags_and_names_the_provider_accepts_are_adopted()
    {
        var (_, _, _, adopted) = Adopt(Skeleton());
        Assert.Contains("      - on: metastore\n        to: group:analysts\n        privileges: [CREATE_CATALOG]\n", adopted, StringComparison.Ordinal);
        Assert.Contains("      - on: catalog:finance\n        to: group:entra-engineers\n        privileges: [USE_CATALOG]\n", adopted, StringComparison.Ordinal);
        Assert.Contains("catalog-grants-metastore-group-analysts: metastore/11111111-2222-3333-4444-555555555555/Analysts\n", adopted, StringComparison.Ordinal);
        Assert.Contains("        name: dave@contoso.com\n", adopted, StringComparison.Ordinal);
        Assert.Contains("scope-dave-contoso.com-scope: dave@contoso.com\n", adopted, StringComparison.Ordinal);
        Assert.Contains("        displayName: FINANCE\n", adopted, StringComparison.Ordinal);
        Assert.Contains("        displayName: finance\n", adopted, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directly_assigned_user_is_adopted_with_its_assignments_import_id()
    {
        var (_, @out, _, adopted) = Adopt(Skeleton());
        Assert.Contains("\n    users:\n      # adopted 2026-11-25T12:00:00Z from the direct workspace assignment of the account user 'Frank@contoso.com' (principal id 108: USER)\n      frank@contoso.com:\n        workspaceAccess: user\n", adopted, StringComparison.Ordinal);
        Assert.Contains($"      user-frank@contoso.com-assignment: \"{FakeDatabricks.WorkspaceId}|108\"\n", adopted, StringComparison.Ordinal);
        Assert.Contains(", 1 directly assigned user(s); ", @out, StringComparison.Ordinal);
        Assert.DoesNotContain("assigned to the workspace directly", @out, StringComparison.Ordinal);

        // Declared already: counted as such, not written twice.
        var (_, again, _, readopted) = Adopt(Skeleton("  databricks-access:topology:\n    users:\n      frank@contoso.com: { workspaceAccess: user }\n"));
        Assert.Single(readopted.Split('\n'), l => l.Contains("frank@contoso.com:", StringComparison.Ordinal) || l.Contains("frank@contoso.com: {", StringComparison.Ordinal));
        Assert.Contains(", 0 directly assigned user(s); ", again, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_out_path_is_refused_before_any_call()
    {
        var (code, _, err) = Run("adopt", "--file", Skeleton(), "--out", Path.Combine(_dir, "no-such-folder", "x.yaml"));
        Assert.Equal(2, code);
        Assert.StartsWith("usage: --out: ", err, StringComparison.Ordinal);
        Assert.Contains("does not exist", err, StringComparison.Ordinal);
        Assert.Empty(_f.Fake.Requests);
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

    /// <summary>
    /// adopt's whole output (text and JSON) and the file it writes, byte for byte, against the recorded golden files
    /// (tests/Live.Tests/Golden): a change to the adopter or the verb that changes any byte shows here. The fake's URL
    /// and the temporary folder are the only parts replaced. <c>UPDATE_GOLDEN=1</c> records them again.
    /// </summary>
    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public void Adopt_output_and_file_are_byte_identical_to_the_golden_record(string format)
    {
        var (code, @out, err, adopted) = Adopt(Skeleton(), "--format", format);
        Assert.Equal(3, code);
        Assert.Equal(string.Empty, err);
        string Normal(string text) => text.Replace(_f.Fake.Url, "http://fake", StringComparison.Ordinal).Replace(_dir, "<dir>", StringComparison.Ordinal);
        var golden = Path.Combine(GoldenFolder(), $"adopt.{format}");
        var actual = $"{Normal(@out)}--- Pulumi.adopted.yaml\n{Normal(adopted)}";
        if (System.Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, actual);
        }

        Assert.Equal(File.ReadAllText(golden), actual);
    }

    private static string GoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")))
            {
                return Path.Combine(dir.FullName, "tests", "Live.Tests", "Golden");
            }
        }

        throw new InvalidOperationException("repository root (Pulumi.yaml) not found");
    }
}
