using System.CommandLine;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>The options several verbs share; each verb adds the ones it takes to its own command.</summary>
internal sealed class CliOptions
{
    private static readonly IReadOnlyDictionary<string, OutputFormat> Formats = new Dictionary<string, OutputFormat>(StringComparer.Ordinal)
    {
        ["text"] = OutputFormat.Text,
        ["json"] = OutputFormat.Json,
        ["markdown"] = OutputFormat.Markdown,
    };

    public Option<string?> Stack { get; } = new("--stack") { Description = "Stack name: reads Pulumi.<stack>.yaml beside the Pulumi.yaml found upward" };

    public Option<string?> File { get; } = new("--file") { Description = "Path of a stack file to read instead of --stack" };

    public Option<string?> Now { get; } = new("--now") { Description = "Evaluate at this instant (ISO-8601 with time zone) instead of the clock" };

    public Option<OutputFormat> Format { get; } = FormatOption();

    public Option<string?> Outputs { get; } = new("--outputs")
    {
        Description = "The stack's outputs (`pulumi stack output --json`): credential slots continue the last deployment's schedule (its credentialSchedule) instead of the fixed grid, and the resources it imported (importedResources) are not imported again",
    };

    public Option<string?> AllowHost { get; } = new("--allow-host")
    {
        Description = "audit, adopt: host names, comma-separated, that may receive the credential besides Azure Databricks' own (*.azuredatabricks.net, *.databricks.azure.us, *.databricks.azure.cn) and loopback",
    };

    /// <summary><c>--format text|json|markdown</c>: an unknown value names the formats, never a .NET type.</summary>
    private static Option<OutputFormat> FormatOption() => new("--format")
    {
        // No DefaultValueFactory: its help would print the enum member ("[default: Text]"); an absent option is
        // default(OutputFormat), Text.
        Description = "Output format: text (the default), json or markdown",
        HelpName = "text|json|markdown",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
            if (Formats.TryGetValue(text.ToLowerInvariant(), out var value))
            {
                return value;
            }

            result.AddError($"--format: '{text}' is not a format; formats: {string.Join(", ", Formats.Keys)}{Suggest.Hint(text, Formats.Keys)}");
            return OutputFormat.Text;
        },
    };
}
