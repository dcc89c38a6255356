using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public partial class SchemaTests
{
    /// <summary>What adopt writes (imports, existing secrets, Key Vault scopes) is valid for editors too.</summary>
    [Fact]
    public void An_adopted_stack_file_is_valid_against_the_schema() =>
        Assert.Equal([], Validate(File.ReadAllText(Path.Combine(RepoRoot, "tests", "Infra.Tests", "Fixtures", "Pulumi.adopted.yaml"))));
}
