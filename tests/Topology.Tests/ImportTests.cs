using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary><c>topology.imports</c> (what adopt writes) and adopted secrets (<c>existing: true</c>).</summary>
public sealed class ImportTests
{
    private const string Topology = """
        groups:
          analysts:
            displayName: Analysts
            members: [user:alice@contoso.com]
        secretScopes:
          app:
            acls: { group:analysts: READ }
            secrets:
              db-password: { existing: true }
              new-key: { generate: 32 }
        imports:
          group-analysts-group: "g3"
          group-analysts-member-user-alice@contoso.com: "g3|u1"
          scope-app-scope: app
          scope-app-acl-group-analysts: "app|||Analysts"
        """;

    [Fact]
    public void Each_imported_resource_carries_its_id_and_a_resource_the_stack_creates_has_none()
    {
        var result = Evaluate(Topology);
        Assert.Equal(0, result.ExitCode);
        var resources = result.Plan!.AllResources.ToDictionary(r => r.Resource.Name, r => r.Resource.ImportId);
        Assert.Equal("g3", resources["group-analysts-group"]);
        Assert.Equal("g3|u1", resources["group-analysts-member-user-alice@contoso.com"]);
        Assert.Equal("app|||Analysts", resources["scope-app-acl-group-analysts"]);
        Assert.Null(resources["scope-app-secret-new-key"]);
        Assert.Null(resources["scope-app-password-new-key"]);
        Assert.Equal(4, resources.Values.Count(v => v is not null));
    }

    [Fact]
    public void An_existing_secret_registers_no_resource_so_no_apply_writes_or_deletes_it()
    {
        var plan = Evaluate(Topology).Plan!;
        Assert.DoesNotContain(plan.AllResources, r => r.Resource.Name.Contains("db-password", StringComparison.Ordinal));
        Assert.Contains(plan.AllResources, r => r.Resource.Name == "scope-app-secret-new-key" && r.Resource.Type == PulumiTypes.Secret);
    }

    [Fact]
    public void A_credential_store_cannot_take_the_key_of_an_existing_secret()
    {
        var result = Evaluate(Topology + "\nservicePrincipals:\n  ci:\n    token: { rotationDays: 25, store: app/db-password }\n");
        Assert.Contains(Lines(result), l => l.StartsWith("topology.servicePrincipals.ci.token.store: secret 'db-password' in scope 'app' is already declared", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("db-password: { existing: false }", "topology.secretScopes.app.secrets.db-password.existing: only existing: true is meaningful")]
    [InlineData("db-password: { existing: true, generate: 32 }", "topology.secretScopes.app.secrets.db-password: existing: true takes no config or generate")]
    public void Existing_secrets_are_only_existing(string secret, string expected)
    {
        var result = Evaluate($"secretScopes:\n  app:\n    secrets:\n      {secret}\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(Lines(result), l => l.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_import_id_for_a_name_the_plan_does_not_register_is_an_error_naming_it()
    {
        var result = Evaluate(Topology + "\n  group-gone-group: g9\n  stack: x\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                "topology.imports.group-gone-group: names no resource the plan registers: the object it imports would be created again beside the live one (rename the entry with its key: docs/adoption.md, renaming)",
                "topology.imports.stack: names no resource the plan registers: the object it imports would be created again beside the live one (rename the entry with its key: docs/adoption.md, renaming)",
            ],
            Lines(result, Severity.Error).Where(l => l.StartsWith("topology.imports", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_key_renamed_without_its_import_entry_is_an_error_suggesting_the_new_name()
    {
        // analysts renamed to analysts-eu in the groups section only: its imports would orphan, and up would create it.
        var renamed = Topology.Edit("  analysts:\n    displayName", "  analysts-eu:\n    displayName")
            .Edit("group:analysts: READ", "group:analysts-eu: READ")
            .Edit("scope-app-acl-group-analysts: \"app|||Analysts\"", "scope-app-acl-group-analysts-eu: \"app|||Analysts\"");
        var result = Evaluate(renamed);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(Lines(result, Severity.Error), l => l.StartsWith("topology.imports.group-analysts-group: names no resource the plan registers", StringComparison.Ordinal)
            && l.Contains("did you mean 'group-analysts-eu-group'?", StringComparison.Ordinal));
        Assert.Contains(Lines(result, Severity.Error), l => l.StartsWith("topology.imports.group-analysts-member-user-alice@contoso.com: names no resource", StringComparison.Ordinal)
            && l.Contains("did you mean 'group-analysts-eu-member-user-alice@contoso.com'?", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("group-analysts-group: \"\"", "topology.imports.group-analysts-group: must not be empty")]
    [InlineData("group-analysts-group: [g3]", "topology.imports.group-analysts-group:")]
    [InlineData("\"a b\": g3", "topology.imports[\"a b\"]: 'a b' is not a resource name of the plan")]
    public void A_malformed_import_is_invalid_config(string entry, string expected)
    {
        var result = Evaluate($"groups:\n  analysts: {{}}\nimports:\n  {entry}\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(Lines(result), l => l.StartsWith(expected, StringComparison.Ordinal));
    }
}
