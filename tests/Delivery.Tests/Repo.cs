using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>The repository checkout the tests run in, and its GitHub Actions files.</summary>
internal static partial class Repo
{
    public static readonly string[] Stacks = ["dev", "prod"];

    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string PathOf(string relative) =>
        Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative)
    {
        var path = PathOf(relative);
        Assert.True(File.Exists(path), $"{relative} is missing");
        return File.ReadAllText(path);
    }

    public static YamlMappingNode LoadYaml(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(Read(relative));
        stream.Load(reader);
        Assert.Single(stream.Documents);
        return Assert.IsType<YamlMappingNode>(stream.Documents[0].RootNode);
    }

    public static Workflow Workflow(string name) => new(name, $".github/workflows/{name}.yml");

    public static IReadOnlyList<Workflow> AllWorkflows()
    {
        var dir = PathOf(".github/workflows");
        Assert.True(Directory.Exists(dir), ".github/workflows is missing");
        var list = Directory.EnumerateFiles(dir)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => new Workflow(Path.GetFileNameWithoutExtension(f), ".github/workflows/" + Path.GetFileName(f)))
            .ToList();
        Assert.NotEmpty(list);
        return list;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))
                || File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))
                || Directory.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}");
    }

    /// <summary>Replaces <c>${{ matrix.stack }}</c> (any spacing) with a stack name.</summary>
    public static string ExpandStack(string value, string stack) =>
        MatrixStack().Replace(value, stack);

    [GeneratedRegex(@"\$\{\{\s*matrix\.stack\s*\}\}")]
    private static partial Regex MatrixStack();
}

internal static class Yaml
{
    public static YamlNode? Get(this YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string? Str(this YamlMappingNode map, string key) =>
        map.Get(key) is YamlScalarNode s ? s.Value : null;

    public static YamlMappingNode? Map(this YamlMappingNode map, string key) => map.Get(key) as YamlMappingNode;

    public static YamlSequenceNode? Seq(this YamlMappingNode map, string key) => map.Get(key) as YamlSequenceNode;

    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(this YamlMappingNode? map) =>
        map is null
            ? []
            : map.Children.Select(kv => new KeyValuePair<string, YamlNode>(((YamlScalarNode)kv.Key).Value ?? "", kv.Value));

    /// <summary>A scalar, or each scalar of a sequence.</summary>
    public static IReadOnlyList<string> Scalars(this YamlNode? node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList(),
        _ => [],
    };
}

internal sealed class Workflow
{
    public Workflow(string name, string relativePath)
    {
        Name = name;
        RelativePath = relativePath;
        Text = Repo.Read(relativePath);
        Root = Repo.LoadYaml(relativePath);
        var jobs = Root.Map("jobs");
        Assert.True(jobs is not null, $"{relativePath}: no jobs");
        Jobs = jobs.Entries().Select(kv => new Job(this, kv.Key, Assert.IsType<YamlMappingNode>(kv.Value))).ToList();
    }

    public string Name { get; }

    public string RelativePath { get; }

    public string Text { get; }

    public YamlMappingNode Root { get; }

    public IReadOnlyList<Job> Jobs { get; }

    public YamlMappingNode? Triggers => Root.Map("on");

    /// <summary>Pull-request code (or a pull request's event) can start it.</summary>
    public bool PullRequestTriggered =>
        Triggers.Entries().Any(e => e.Key is "pull_request" or "pull_request_target" or "pull_request_review" or "pull_request_review_comment" or "issue_comment" or "workflow_run");

    public Job Job(string id) =>
        Jobs.SingleOrDefault(j => j.Id == id) ?? throw new Xunit.Sdk.XunitException($"{RelativePath}: no job '{id}'");

    public override string ToString() => RelativePath;
}

internal sealed class Job(Workflow workflow, string id, YamlMappingNode node)
{
    public Workflow Workflow { get; } = workflow;

    public string Id { get; } = id;

    public YamlMappingNode Node { get; } = node;

    public IReadOnlyList<Step> Steps { get; } =
        (node.Seq("steps")?.Children ?? []).Select(s => new Step((YamlMappingNode)s)).ToList();

    public YamlMappingNode? Permissions => Node.Map("permissions");

    public string? Permission(string scope) => Permissions?.Str(scope);

    /// <summary>Workflow-level env overlaid with job-level env.</summary>
    public IReadOnlyDictionary<string, string> Env
    {
        get
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in Workflow.Root.Map("env").Entries().Concat(Node.Map("env").Entries()))
            {
                env[k] = v is YamlScalarNode s ? s.Value ?? "" : "";
            }

            return env;
        }
    }

    public IReadOnlyList<string> MatrixStacks =>
        Node.Map("strategy")?.Map("matrix")?.Get("stack").Scalars() ?? [];

    /// <summary>The stacks this job works on: its matrix, the stack-name of its pulumi/actions steps, or its env STACK.</summary>
    public IReadOnlyList<string> StackNames
    {
        get
        {
            if (MatrixStacks.Count > 0)
            {
                return MatrixStacks;
            }

            if (!Steps.Any(s => s.IsAction("pulumi/actions") && s.With("stack-name") is not null) && Node.Map("env")?.Str("STACK") is { Length: > 0 } stack && !stack.Contains("${{", StringComparison.Ordinal))
            {
                return [stack];
            }

            return Steps.Where(s => s.IsAction("pulumi/actions"))
                .Select(s => s.With("stack-name"))
                .OfType<string>()
                .Select(n => n.Split('/')[^1])
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
    }

    public string? Environment => Node.Get("environment") switch
    {
        YamlScalarNode s => s.Value,
        YamlMappingNode m => m.Str("name"),
        _ => null,
    };

    /// <summary>The environment this job runs in for one stack of its matrix.</summary>
    public string? EnvironmentFor(string stack) => Environment is { } e ? Repo.ExpandStack(e, stack) : null;

    public IReadOnlyList<string> Needs => Node.Get("needs").Scalars();

    public string? If => Node.Str("if");

    /// <summary>Every scalar in the job's YAML (names, expressions, scripts).</summary>
    public IEnumerable<string> AllScalars => Scalars(Node);

    private static IEnumerable<string> Scalars(YamlNode node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode q => q.Children.SelectMany(Scalars),
        YamlMappingNode m => m.Children.SelectMany(kv => Scalars(kv.Key).Concat(Scalars(kv.Value))),
        _ => [],
    };

    public bool LogsIn => Steps.Any(s => s.IsAction("azure/login") || s.IsAction("pulumi/auth-actions"));

    /// <summary>Runs the Pulumi CLI: through pulumi/actions with a command, or in a shell step.</summary>
    public bool RunsPulumi => Steps.Any(s => (s.IsAction("pulumi/actions") && s.With("command") is not null) || s.RunsPulumiCli);

    /// <summary>
    /// Its only Pulumi commands read the stack's record (drift.yml's <c>deployed-&lt;stack&gt;</c>: <c>pulumi stack output</c>,
    /// and the former deploy tag with <c>pulumi stack tag get</c>): it changes nothing, starts no update, and builds no program.
    /// </summary>
    public bool OnlyReadsTheStack => RunsPulumi && Steps.Where(s => s.RunsPulumiCli).All(s =>
        s.Run!.Split('\n').Where(l => (l.Contains("pulumi ", StringComparison.Ordinal) || l.Contains(".github/scripts/", StringComparison.Ordinal)) && !l.TrimStart().StartsWith('#'))
            .All(l => !l.Contains(".github/scripts/", StringComparison.Ordinal)
                      && (l.Contains("pulumi stack output ", StringComparison.Ordinal) || l.Contains("pulumi stack tag get ", StringComparison.Ordinal))))
        && !Steps.Any(s => s.IsAction("pulumi/actions") && s.With("command") is not null);

    public override string ToString() => $"{Workflow.RelativePath}#{Id}";
}

internal sealed class Step(YamlMappingNode node)
{
    public YamlMappingNode Node { get; } = node;

    public string? Uses => Node.Str("uses");

    public string? Run => Node.Str("run");

    public string? Id => Node.Str("id");

    public string? Name => Node.Str("name");

    public string? With(string input) => Node.Map("with")?.Str(input);

    public string? EnvValue(string key) => Node.Map("env")?.Str(key);

    public bool IsAction(string repo) =>
        Uses is { } u && u.StartsWith(repo + "@", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs the Pulumi CLI: directly, or through one of the scheduled jobs' scripts (.github/scripts).</summary>
    public bool RunsPulumiCli =>
        Run is { } r && r.Split('\n').Any(l => l.TrimStart().StartsWith("pulumi ", StringComparison.Ordinal)
                                              || l.Contains("$(pulumi ", StringComparison.Ordinal)
                                              || l.Contains("| pulumi ", StringComparison.Ordinal)
                                              || l.Contains(".github/scripts/", StringComparison.Ordinal));

    public string? WorkingDirectory => Node.Str("working-directory");

    public string? If => Node.Str("if");

    public override string ToString() => Name ?? Id ?? Uses ?? Run?.Split('\n')[0] ?? "step";
}
