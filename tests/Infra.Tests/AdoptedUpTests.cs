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

        var imports = run.Expected.Model.ImportIds;
        Assert.True(imports.Count >= 28, $"{imports.Count} import ids");
        foreach (var (name, id) in imports)
        {
            Assert.Equal(id, run.Mocks.Registered(name).ImportId);
        }

        var others = run.Mocks.Registrations.Where(r => !imports.ContainsKey(r.Name) && r.ImportId is not null).Select(r => r.Name).ToList();
        Assert.Empty(others);
    }

    /// <summary>
    /// No stale import ids: the first up records what it imported (stack output importedResources); the next run reads it
    /// back through its stack reference to itself and registers those resources without ImportId, so the engine's
    /// refusal to replace "previously-imported resources that still specify an ID" (pulumi v3.258.0
    /// pkg/resource/deploy/step_generator.go :1978-1999, which tests goal.ID, the ImportId option) can no longer apply.
    /// </summary>
    [Fact]
    public async Task After_the_first_up_the_import_ids_are_retired_without_editing_the_stack_file()
    {
        var file = Adopted();
        var first = await StackRun.RunAsync("adopted", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var recorded = await first.OutputAsync<ImmutableArray<string>>(ImportedResources.OutputName);
        Assert.Equal(first.Expected.Model.ImportIds.Keys.Order(StringComparer.Ordinal), recorded);

        // The next run: the engine answers the self reference with the last checkpoint's outputs (a list comes back as
        // a list of objects, pkg/resource/deploy/builtins.go readStackReference).
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
