using System.Collections.Immutable;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;

namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// The first <c>up</c> of an adopted stack file (what <c>adopt</c> writes for the audit fake's planted estate; Live.Tests
/// keeps the fixture equal to it): every adopted resource is registered with its import id, so Pulumi imports it
/// instead of creating it, and nothing else carries one.
/// </summary>
public sealed class AdoptedUpTests
{
    /// <summary>
    /// The adopted file after review: adopt never edits policy, so the standing admin it found (lead@contoso.com) is
    /// decided by the reviewer, here by listing it in policy.standingAdmins; until then `up` refuses to run.
    /// </summary>
    private static StackFile Adopted(bool reviewed = true)
    {
        var path = Path.Combine(Repo.Root, "tests", "Infra.Tests", "Fixtures", "Pulumi.adopted.yaml");
        var text = File.ReadAllText(path);
        return StackFile.Parse(reviewed ? text + "  databricks-access:policy:\n    standingAdmins: [user:lead@contoso.com]\n" : text, path);
    }

    [Fact]
    public async Task Before_review_the_standing_admin_adopt_found_stops_the_up()
    {
        var ex = await Assert.ThrowsAsync<RunException>(() =>
            StackRun.RunAsync("adopted", Adopted(reviewed: false), StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key))));
        Assert.Contains("policy standing-admin: user:lead@contoso.com", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_adopted_resource_is_registered_with_its_import_id_and_nothing_else_is_imported()
    {
        var file = Adopted();
        var run = await StackRun.RunAsync("adopted", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));

        var imported = run.Mocks.Registrations.Where(r => r.ImportId is not null).ToDictionary(r => r.Name, r => r.ImportId!, StringComparer.Ordinal);
        // Stated here, not read back from the fixture (issue 33): every registration with an import id has the id the
        // provider gives that object in the planted estate, and nothing else carries one.
        Assert.Equal(ExpectedImports.OrderBy(kv => kv.Key, StringComparer.Ordinal), imported.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(imported.OrderBy(kv => kv.Key, StringComparer.Ordinal), run.Expected.Model.ImportIds.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    // The estate the audit fake plants for adopt (tests/Live.Tests/Fixture.cs and AdoptTests.Plant): SCIM ids of users,
    // groups and service principals, account principal ids of the workspace assignments, the metastore and the job ids.
    private const string Workspace = "123", Metastore = "11111111-2222-3333-4444-555555555555", EtlApp = "11111111-0000-4000-8000-000000000002";

    // Import id formats (what Pulumi.Databricks 1.106.0 wraps):
    // - databricks_group / service_principal: the SCIM id [fact: scim-principal-read];
    // - databricks_group_member: "group_id|member_id" [fact: group-member-one-member] [fact: tf-pair-id];
    // - databricks_mws_permission_assignment: "workspace_id|principal_id" [fact: mws-assignment-put];
    // - databricks_secret_scope: the scope name [fact: secret-scope];
    // - databricks_secret_acl: "scope|||principal" [fact: secret-acl-put];
    //   the principal is a group's display name, a service principal's application id, a user's name;
    // - databricks_grant: "<securable>/<name>/<principal>"; the metastore's name is its id [fact: grant-schema];
    // - databricks_job: the job id [fact: job-resource];
    // - databricks_permissions on a job: "/jobs/<job_id>" [fact: permissions-put-whole-acl].
    private static string Pair(string left, string right) => $"{left}|{right}";

    private static string Acl(string scope, string principal) => $"{scope}|||{principal}";

    private static readonly Dictionary<string, string> ExpectedImports = new(StringComparer.Ordinal)
    {
        ["group-analysts-group"] = "ag1",
        ["group-contractors-group"] = "ag2",
        ["group-local-analysts-group"] = "g3",
        ["group-nested-group"] = "g4",
        ["group-finance-group"] = "g5",
        ["group-finance-2-group"] = "g6",
        ["sp-etl-runner-sp"] = "s2",
        ["sp-reporter-sp"] = "s3",
        ["sp-loader-sp"] = "s4",
        ["group-admins-member-user-lead@contoso.com"] = Pair("g1", "u3"),
        ["group-analysts-member-group-contractors"] = Pair("ag1", "ag2"),
        ["group-analysts-member-user-alice@contoso.com"] = Pair("ag1", "u1"),
        ["group-contractors-member-user-eve@contoso.com"] = Pair("ag2", "u5"),
        ["group-finance-member-user-carol@contoso.com"] = Pair("g5", "u6"),
        ["group-finance-2-member-user-dave@contoso.com"] = Pair("g6", "u7"),
        ["group-local-analysts-member-group-nested"] = Pair("g3", "g4"),
        ["group-local-analysts-member-sp-reporter"] = Pair("g3", "s3"),
        ["group-local-analysts-member-user-carol@contoso.com"] = Pair("g3", "u6"),
        ["group-nested-member-user-dave@contoso.com"] = Pair("g4", "u7"),
        ["group-analysts-assignment"] = Pair(Workspace, "101"),
        ["sp-etl-runner-assignment"] = Pair(Workspace, "102"),
        ["group-entra-engineers-assignment"] = Pair(Workspace, "104"),
        ["user-frank@contoso.com-assignment"] = Pair(Workspace, "108"), // frank, assigned directly (AdoptTests.Plant): the assignment's principal_id
        ["scope-app-secrets-scope"] = "app-secrets",
        ["scope-dave-contoso.com-scope"] = "dave@contoso.com",
        ["scope-kv-scope-scope"] = "kv-scope",
        ["scope-someone-elses-scope"] = "someone-elses",
        ["scope-app-secrets-acl-group-analysts"] = Acl("app-secrets", "Analysts"),
        ["scope-app-secrets-acl-sp-etl-runner"] = Acl("app-secrets", EtlApp),
        ["scope-app-secrets-acl-user-alice@contoso.com"] = Acl("app-secrets", "alice@contoso.com"),
        ["scope-dave-contoso.com-acl-user-dave@contoso.com"] = Acl("dave@contoso.com", "dave@contoso.com"),
        ["scope-kv-scope-acl-group-entra-engineers"] = Acl("kv-scope", "Entra Engineers"),
        ["scope-someone-elses-acl-user-mallory@contoso.com"] = Acl("someone-elses", "mallory@contoso.com"),
        ["catalog-grants-metastore-group-analysts"] = $"metastore/{Metastore}/Analysts",
        ["catalog-grants-catalog-finance-group-entra-engineers"] = "catalog/finance/Entra Engineers",
        ["catalog-grants-schema-main.sales-group-analysts"] = "schema/main.sales/Analysts",
        ["catalog-grants-schema-main.sales-user-alice@contoso.com"] = "schema/main.sales/alice@contoso.com",
        ["catalog-grants-schema-main.sales-sp-etl-runner"] = $"schema/main.sales/{EtlApp}",
        ["job-unrelated-1-job"] = "7",
        ["job-unrelated-2-job"] = "9",
        ["job-unrelated-2-permissions"] = "/jobs/9", // its owner (mallory, not the deployer) is declared: the list is not empty
        ["job-nightly-job"] = "42",
        ["job-nightly-load-job"] = "61",
        ["job-nightly-permissions"] = "/jobs/42",
        ["job-nightly-load-permissions"] = "/jobs/61",
    };

    /// <summary>
    /// No stale import ids: the first up records what it imported (stack output importedResources); the next run reads it
    /// back through its stack reference to itself and registers those resources without ImportId, so the engine's
    /// refusal to replace "previously-imported resources that still specify an ID" (which tests the ImportId option
    /// [fact: engine-imported-no-replace]) can no longer apply.
    /// </summary>
    [Fact]
    [Trait("fact", "engine-imported-no-replace")]
    public async Task After_the_first_up_the_import_ids_are_retired_without_editing_the_stack_file()
    {
        var file = Adopted();
        var first = await StackRun.RunAsync("adopted", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var recorded = await first.OutputAsync<ImmutableArray<string>>(ImportedResources.OutputName);
        Assert.Equal(first.Expected.Model.ImportIds.Keys.Order(StringComparer.Ordinal), recorded);

        // The next run: the engine answers the self reference with the last checkpoint's outputs (a list comes back as
        // a list of objects [fact: engine-stack-reference]).
        var mocks = new AccessMocks
        {
            PreviousOutputs = ImmutableDictionary<string, object>.Empty
                .Add(ImportedResources.OutputName, recorded.Cast<object>().ToImmutableArray()),
        };
        var second = await StackRun.RunAsync("adopted", file, StackRun.Now, mocks, key => Output.Create(StackRun.ConfigValue(key)));
        Assert.Empty(second.Mocks.Registrations.Where(r => r.ImportId is not null).Select(r => r.Name));
        Assert.Empty(second.Expected.Model.ImportIds);
        var secondRecord = await second.OutputAsync<ImmutableArray<string>>(ImportedResources.OutputName);
        Assert.Equal<string>(recorded, secondRecord);

        // A recorded resource that left the plan leaves the record (its up deletes it; adding it back imports it again);
        // one the record misses (a stack deployed before the record existed) keeps its import id until its next up.
        var partial = recorded.Where(n => n != "group-local-analysts-group").Append("group-gone-group").Cast<object>().ToImmutableArray();
        var third = await StackRun.RunAsync("adopted", file, StackRun.Now,
            new AccessMocks { PreviousOutputs = ImmutableDictionary<string, object>.Empty.Add(ImportedResources.OutputName, partial) },
            key => Output.Create(StackRun.ConfigValue(key)));
        Assert.Equal(["group-local-analysts-group"], third.Mocks.Registrations.Where(r => r.ImportId is not null).Select(r => r.Name));
        var thirdRecord = await third.OutputAsync<ImmutableArray<string>>(ImportedResources.OutputName);
        Assert.Equal<string>(recorded, thirdRecord);
        Assert.DoesNotContain("group-gone-group", thirdRecord);
    }

    [Fact]
    public async Task Adopted_secrets_and_looked_up_groups_register_no_resource_so_nothing_is_created_over_them()
    {
        var run = await StackRun.RunAsync("adopted", Adopted(), StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));

        // Secrets declared existing: true: no Secret resource, so no apply ever writes or deletes their values.
        Assert.DoesNotContain(run.Mocks.Registrations, r => r.Type == PulumiTypes.Secret);

        // Every Databricks object the stack would create for an adopted group, principal or scope is imported.
        var created = run.Mocks.Registrations
            .Where(r => r.Type is PulumiTypes.Group or PulumiTypes.ServicePrincipal or PulumiTypes.SecretScope or PulumiTypes.SecretAcl or PulumiTypes.GroupMember or PulumiTypes.Grant)
            .Where(r => r.ImportId is null)
            .Select(r => r.Name)
            .ToList();
        Assert.Empty(created);
        Assert.Contains(run.Mocks.Registrations, r => r.Type == PulumiTypes.Group && r.ImportId == "g3");
    }
}
