using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Values Databricks, Azure or Pulumi would refuse are refused here first: exit 2, at their config path.</summary>
public class MalformedInputTests
{
    private static void AssertError(string topology, string path, string message)
    {
        var result = Evaluate(topology);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(result.Diagnostics, d => d.Path == path && d.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("user:a::b@contoso.com")]
    [InlineData("user:<script>@contoso.com")]
    [InlineData("user:a..b@contoso.com")]
    [InlineData("user:.a@contoso.com")]
    [InlineData("user:a`b@contoso.com")]
    [InlineData("user:a@contoso..com")]
    [InlineData("user:a@-contoso.com")]
    [InlineData("group:a..b", "has an invalid key 'a..b'")]
    [InlineData("sp:a::b", "has an invalid key 'a::b'")]
    public void Principals_that_databricks_or_pulumi_would_refuse_are_errors(string principal, string message = "is not a valid user reference") =>
        AssertError($"groups:\n  g:\n    members: [\"{principal}\"]\n", "topology.groups.g.members[0]", message);

    [Fact]
    public void Over_long_emails_and_keys_are_errors()
    {
        AssertError($"groups:\n  g:\n    members: [\"user:{new string('a', 65)}@contoso.com\"]\n", "topology.groups.g.members[0]", "is not a valid user reference");
        AssertError($"groups:\n  g:\n    members: [\"user:a@{string.Join('.', Enumerable.Repeat(new string('b', 60), 5))}.com\"]\n", "topology.groups.g.members[0]", "is not a valid user reference");
        AssertError($"groups:\n  {new string('g', 101)}: {{}}\n", $"topology.groups.{new string('g', 101)}", "is not a valid group key");
    }

    [Fact]
    public void Ordinary_emails_are_still_fine()
    {
        var result = Evaluate("groups:\n  g:\n    members: [\"user:o'brien+ops@contoso.co.uk\", user:a_b-c@x.io]\n");
        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [InlineData("\"a<b\"", "holds '<', which names may not")]
    [InlineData("\"a`b\"", "holds '`', which names may not")]
    [InlineData("\"a::b\"", "holds '::', which names may not")]
    [InlineData("\"line\\nbreak\"", "holds a line break, control or invisible character")]
    [InlineData("\"right\\u202Eleft\"", "holds a line break, control or invisible character")]
    public void Display_names_hold_no_markup_line_breaks_or_urn_separators(string name, string message)
    {
        AssertError($"groups:\n  g: {{ displayName: {name} }}\n", "topology.groups.g.displayName", message);
        AssertError($"servicePrincipals:\n  s: {{ displayName: {name} }}\n", "topology.servicePrincipals.s.displayName", message);
        AssertError($"jobs:\n  j: {{ name: {name}, notebook: /Shared/j, runAs: \"user:a@contoso.com\" }}\n", "topology.jobs.j.name", message);
        AssertError($"groups:\n  g: {{ displayName: {new string('n', 257)} }}\n", "topology.groups.g.displayName", "is 257 characters long; at most 256");
    }

    [Theory]
    [InlineData("app-secrets/bad key!", "'bad key!' is not a Databricks secret key")]
    [InlineData("app-secrets/a::b", "'a::b' is not a Databricks secret key")]
    [InlineData("app..secrets/k", "secret scope 'app..secrets' is not declared")]
    public void Token_stores_follow_databricks_secret_key_rules(string store, string message) =>
        AssertError($$"""
            servicePrincipals:
              ci: { token: { lifetimeDays: 30, rotationDays: 25, store: "{{store}}" } }
            secretScopes:
              app-secrets: {}
            """, "topology.servicePrincipals.ci.token.store", message);

    [Fact]
    public void Store_keys_longer_than_databricks_allows_are_errors() =>
        Token_stores_follow_databricks_secret_key_rules($"app-secrets/{new string('k', 129)}", "is not a Databricks secret key");

    [Theory]
    [InlineData("notebook: /Shared/../Users/admin/x", "topology.jobs.j.notebook", "no '.' or '..' parts")]
    [InlineData("notebook: /Shared/j\n    x: 1", "topology.jobs.j.x", "unknown key 'x'")]
    public void Notebook_paths_cannot_climb_out(string setting, string path, string message) =>
        AssertError($"jobs:\n  j:\n    {setting}\n    runAs: \"user:a@contoso.com\"\n", path, message);

    [Theory]
    [InlineData("schema:main.a::b")]
    [InlineData("table:main.s.`t`")]
    [InlineData("catalog:\"a b\"")]
    public void Unity_catalog_names_that_cannot_be_resource_names_are_errors(string on) =>
        AssertError($"catalogGrants:\n  - {{ on: '{on}', to: \"user:a@contoso.com\", privileges: [SELECT] }}\n", "topology.catalogGrants[0].on", "Unity Catalog names may not hold");

    [Fact]
    public void Over_long_values_are_errors_without_being_echoed()
    {
        var reason = new string('r', 2000);
        var result = Evaluate($"groups:\n  g:\n    members:\n      - {{ principal: \"user:a@contoso.com\", expires: \"2026-11-26T00:00:00Z\", reason: {reason} }}\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["topology.groups.g.members[0].reason: is 2000 characters long; at most 1024"], Lines(result));
    }

    [Fact]
    public void Secret_config_keys_are_project_key_names() =>
        AssertError("secretScopes:\n  s:\n    secrets:\n      k: { config: \"a::b\" }\n", "topology.secretScopes.s.secrets.k.config", "is not a config key of this project");
}
