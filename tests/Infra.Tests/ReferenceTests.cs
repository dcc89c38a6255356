namespace DatabricksAccess.Infra.Tests;

/// <summary>
/// The Pulumi program materializes the plan and decides nothing: of the project's assemblies it references the pure
/// core alone, never the live client, adoption or the command line (the rest of the direction is checked in
/// tests/Topology.Tests/ArchitectureTests.cs, where those assemblies are built).
/// </summary>
public class ReferenceTests
{
    [Fact]
    public void The_program_references_the_core_and_no_other_project()
    {
        var projects = typeof(AccessStack).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(n => n.StartsWith("DatabricksAccess.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["DatabricksAccess.Topology"], projects);
    }
}
