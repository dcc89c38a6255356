using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Tests;

internal static class TestSupport
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static string RepoRoot { get; } = FindRoot();

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A stack file from its config body: each argument is YAML already indented under config.</summary>
    public static string StackYaml(string topology, string? policy = null, string? account = null, string? extra = null)
    {
        var text = "config:\n" + (extra ?? string.Empty);
        if (account is not null)
        {
            text += "  databricks-access:account:\n" + Indent(account, 4);
        }

        if (policy is not null)
        {
            text += "  databricks-access:policy:\n" + Indent(policy, 4);
        }

        return text + "  databricks-access:topology:\n" + Indent(topology, 4);
    }

    public static EvaluationResult Evaluate(string topology, string? policy = null, string? account = null, DateTimeOffset? now = null, string? extra = null) =>
        TopologyEvaluator.Evaluate(StackFile.Parse(StackYaml(topology, policy, account, extra), "test.yaml").ToInput(), now ?? Now);

    public static string[] Lines(EvaluationResult result, Severity? severity = null) =>
        result.Diagnostics.Where(d => severity is null || d.Severity == severity).Select(d => d.ToString()).ToArray();

    public const string Account = """
        id: 0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e
        workspaceId: "123"
        """;

    private static string Indent(string block, int spaces)
    {
        var lines = block.Replace("\r", string.Empty).Split('\n');
        var pad = new string(' ', spaces);
        return string.Concat(lines.Where(l => l.Length > 0).Select(l => pad + l + "\n"));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Pulumi.yaml) not found");
    }
}
