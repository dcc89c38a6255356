using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Values the config accepts exactly as the provider does (terraform-provider-databricks v1.128.0).</summary>
public sealed class UpstreamValuesTests
{
    /// <summary>docs/resources/workspace_conf.md: maxTokenLifetimeDays takes 1 to 730 days.</summary>
    [Theory]
    [InlineData(1, true)]
    [InlineData(730, true)]
    [InlineData(731, false)]
    [InlineData(3650, false)]
    public void The_token_policy_takes_1_to_730_days(int days, bool valid)
    {
        var result = Evaluate($"tokenPolicy: {{ maxLifetimeDays: {days} }}\n");
        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Contains(Lines(result, Severity.Error), l => l.StartsWith("topology.tokenPolicy.maxLifetimeDays:", StringComparison.Ordinal));
        }
    }

    /// <summary>possibleEntitlements has workspace-consume, and it conflicts with workspace_access and databricks_sql_access [fact: scim-entitlement-vocabulary].</summary>
    [Fact]
    public void Workspace_consume_is_an_entitlement_that_excludes_workspace_and_sql_access()
    {
        var ok = Evaluate("groups:\n  readers:\n    entitlements: [workspace-consume]\n");
        Assert.True(ok.IsValid, string.Join("\n", Lines(ok)));
        Assert.Equal(["workspace-consume"], ok.Model.Groups["readers"].Entitlements);

        var both = Evaluate("groups:\n  readers:\n    entitlements: [workspace-consume, databricks-sql-access]\n");
        Assert.Contains(Lines(both, Severity.Error), l => l.StartsWith("topology.groups.readers.entitlements: workspace-consume cannot be given with databricks-sql-access", StringComparison.Ordinal));
    }

    /// <summary>validScope: <c>^[\w\.@_/-]{1,128}$</c> [fact: secret-scope].</summary>
    [Theory]
    [InlineData("dave@contoso.com", true)]
    [InlineData("team/etl", true)]
    [InlineData("a..b", true)]
    [InlineData("has space", false)]
    [InlineData("ünïcode", false)]
    public void A_scope_name_is_valid_exactly_when_the_provider_accepts_it(string name, bool valid)
    {
        var result = Evaluate($"secretScopes:\n  s:\n    name: \"{name}\"\n");
        Assert.Equal(valid, !Lines(result, Severity.Error).Any(l => l.StartsWith("topology.secretScopes.s.name:", StringComparison.Ordinal)));
        Assert.Equal(valid, result.IsValid);
    }
}
