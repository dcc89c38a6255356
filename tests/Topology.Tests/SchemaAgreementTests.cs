using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 18: the editor schema and <c>check</c> agree over the held-in fixtures. Where a JSON Schema can say it (enum
/// spelling, a blank reason, starts without expires, cron and time-zone syntax: Fixtures/agreement), both reject the
/// same files at the same place; and over every fixture and stack file, the schema never rejects what check accepts.
/// </summary>
public partial class SchemaTests
{
    public static TheoryData<string> AgreementFixtures() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "agreement"), "*.yaml").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(AgreementFixtures))]
    public void Schema_and_check_reject_the_same_expressible_problems_at_the_same_path(string name)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "agreement", name));
        var check = TopologyEvaluator.Evaluate(StackFile.Parse(text, name).ToInput(), Now);
        var schema = Validate(text);
        var checkErrors = check.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        Assert.Equal(name.StartsWith("bad-", StringComparison.Ordinal), checkErrors.Count > 0);
        Assert.Equal(checkErrors.Count > 0, schema.Count > 0);

        // Each check error's path is where the schema complains too (a config path, as a JSON pointer).
        foreach (var error in checkErrors)
        {
            var pointer = "/config/databricks-access:" + System.Text.RegularExpressions.Regex.Replace(error.Path, @"\[(\d+)\]", ".$1").Replace('.', '/');
            Assert.True(schema.Any(s => s.StartsWith(pointer, StringComparison.Ordinal) || pointer.StartsWith(s[..s.IndexOf(": ", StringComparison.Ordinal)], StringComparison.Ordinal)),
                $"{name}: check says '{error}', the schema says [{string.Join("; ", schema)}]");
        }
    }

    public static TheoryData<string> AllFixtures() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "Fixtures"), f)).Order()];

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void The_schema_never_rejects_a_fixture_check_accepts(string name)
    {
        string text;
        try
        {
            text = File.ReadAllText(Fixture(name));
            YamlConfig.Parse(text, name);
        }
        catch (ConfigLoadException ex)
        {
            // Not YAML: check refuses the file in one line that names it, and there is nothing for the schema to read.
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', ex.Message.Trim());
            return;
        }

        var check = TopologyEvaluator.Evaluate(StackFile.Parse(text, name).ToInput(), Now);
        var errors = check.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        if (errors.Count == 0)
        {
            Assert.Equal([], Validate(text));
        }
        else
        {
            // Out of the claim: check rejects the file, exit 2, each finding at its config path (issue 33: every row asserts).
            Assert.Equal(2, check.ExitCode);
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Path), $"{name}: '{e}' names no config path"));
        }
    }
}
