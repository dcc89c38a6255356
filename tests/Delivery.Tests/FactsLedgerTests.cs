using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// docs/facts.md is the one ledger of upstream facts (issue 32): code, tests, docs and workflows name a fact by its id,
/// the ledger gives it once with the version and a stable link, and nothing cites an upstream line number. A pin that
/// moves (a package in Directory.Packages.props, .pulumi.version, the workflows' pulumi/actions) fails here until the
/// ledger's pins table is moved with it, which is the moment to read the facts again at the new tag.
/// </summary>
public sealed partial class FactsLedgerTests
{
    private const string Ledger = "docs/facts.md";

    /// <summary>Where facts are named and line numbers are looked for.</summary>
    private static readonly string[] Roots = ["infra", "tests", "docs", ".github"];

    private static readonly string[] Extensions = [".cs", ".sh", ".md", ".yml", ".yaml", ".jq", ".json", ".csproj", ".props"];

    [Fact]
    public void Every_fact_named_in_the_repository_is_in_the_ledger_and_every_ledger_fact_is_named()
    {
        var ledger = LedgerFacts().Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var named = NamedFacts();
        Assert.True(named.Count > 50, "the fact references were not found");
        var unknown = named.Where(n => !ledger.Contains(n.Id)).Select(n => $"{n.File}: [fact: {n.Id}] is not in {Ledger}").Distinct().ToList();
        Assert.True(unknown.Count == 0, string.Join('\n', unknown));
        var unused = ledger.Where(id => named.All(n => n.Id != id)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unused.Count == 0, $"ledger facts nothing names (name them where they are relied on, or drop them): {string.Join(", ", unused)}");
    }

    [Fact]
    public void Each_ledger_fact_appears_once_with_a_link_at_its_pinned_tag_and_no_line_number()
    {
        var facts = LedgerFacts();
        Assert.True(facts.Count > 50, $"{Ledger} has {facts.Count} facts");
        var duplicates = facts.GroupBy(f => f.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"facts written twice: {string.Join(", ", duplicates)}");
        var pins = Pins().ToDictionary(p => p.Repo, p => p.Tag, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var fact in facts)
        {
            var links = GitHubBlob().Matches(fact.Body).ToList();
            if (links.Count == 0)
            {
                problems.Add($"{fact.Id}: no link to the upstream source at a tag");
            }

            foreach (Match link in links)
            {
                var repo = link.Groups["repo"].Value;
                if (!pins.TryGetValue(repo, out var tag))
                {
                    problems.Add($"{fact.Id}: {repo} has no row in the pins table");
                }
                else if (link.Groups["tag"].Value != tag)
                {
                    problems.Add($"{fact.Id}: {repo} at {link.Groups["tag"].Value}, pinned at {tag}");
                }

                if (link.Groups["anchor"].Value.Length > 0)
                {
                    problems.Add($"{fact.Id}: a line anchor in {link.Value}");
                }
            }

            if (fact.Body.Split('\n').Any(l => LineCitation().IsMatch(l)))
            {
                problems.Add($"{fact.Id}: cites a line number");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_ledger_pins_match_the_packages_the_engine_and_the_workflows()
    {
        var packages = XDocument.Parse(Repo.Read("Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => ((string)e.Attribute("Version")!).Trim('[', ']'), StringComparer.Ordinal);
        var engine = Repo.Read(".pulumi.version").Trim();
        var actions = Repo.AllWorkflows().SelectMany(w => PulumiActionsPin().Matches(w.Text)).Select(m => m.Groups[1].Value).Distinct().ToList();
        var pins = Pins();
        Assert.Contains(pins, p => p.Repo == "databricks/terraform-provider-databricks");
        Assert.Contains(pins, p => p.Repo == "databricks/databricks-sdk-go");
        Assert.Contains(pins, p => p.Repo == "pulumi/pulumi");
        var problems = new List<string>();
        foreach (var pin in pins)
        {
            var actual = pin.By switch
            {
                ".pulumi.version" => engine,
                "pulumi/actions" => actions.Count == 1 ? actions[0] : $"{actions.Count} different pins",
                _ => packages.TryGetValue(pin.By, out var v) ? v : "not in Directory.Packages.props",
            };
            if (actual != pin.Version)
            {
                problems.Add($"{pin.Repo} {pin.Tag}: read for {pin.By} {pin.Version}, but the repository pins {actual}; read its facts again at the new version, then move the pin");
            }

            if (!pin.Derived && pin.Tag != pin.Version && pin.Tag != "v" + pin.Version)
            {
                problems.Add($"{pin.Repo}: tag {pin.Tag} is not the pinned v{pin.Version}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_version_named_beside_a_pinned_upstream_is_its_pinned_tag()
    {
        var pins = Pins().ToDictionary(p => p.Repo, p => p.Tag, StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var file in Files(Roots))
        {
            var relative = Path.GetRelativePath(Repo.Root, file).Replace('\\', '/');
            if (relative == Ledger || relative.EndsWith("/FactsLedgerTests.cs", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match m in VersionMention().Matches(File.ReadAllText(file)))
            {
                var repo = m.Groups[1].Value switch
                {
                    "terraform-provider-databricks" => "databricks/terraform-provider-databricks",
                    "databricks-sdk-go" or "sdk-go" or "Go SDK" => "databricks/databricks-sdk-go",
                    "pulumi-dotnet" => "pulumi/pulumi-dotnet",
                    "pulumi-terraform-bridge" => "pulumi/pulumi-terraform-bridge",
                    _ => "pulumi/pulumi",
                };
                if (pins[repo] != m.Groups[2].Value)
                {
                    stale.Add($"{relative}: '{m.Value}', but {Ledger} pins {repo} at {pins[repo]}");
                }
            }
        }

        Assert.True(stale.Count == 0, string.Join('\n', stale.Distinct()));
    }

    [Fact]
    public void Each_safety_critical_fact_has_a_test_named_after_it()
    {
        var traits = Files("tests").SelectMany(f => TraitRef().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var safety = LedgerFacts().Where(f => f.Safety).ToList();
        Assert.True(safety.Count >= 10, $"{safety.Count} safety-critical facts");
        var missing = safety.Where(f => !traits.Contains(f.Id)).Select(f => f.Id).ToList();
        Assert.True(missing.Count == 0, $"safety-critical facts no test carries [Trait(\"fact\", id)] for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void No_upstream_line_number_is_cited_anywhere()
    {
        var cited = Files(Roots).Where(f => Path.GetFileName(f) != "FactsLedgerTests.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => LineCitation().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Repo.Root, l.File).Replace('\\', '/')}:{l.Line}: {LineCitation().Match(l.Text).Value}; cite the fact instead, [fact: <id>] with docs/facts.md")
            .ToList();
        Assert.True(cited.Count == 0, string.Join('\n', cited));
    }

    [Fact]
    public void The_workflows_and_scripts_name_upstream_behaviour_by_fact_not_by_source_path()
    {
        var cited = Files(".github")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => UpstreamPath().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Repo.Root, l.File).Replace('\\', '/')}:{l.Line}: {UpstreamPath().Match(l.Text).Value}; cite the fact instead, [fact: <id>] with docs/facts.md")
            .ToList();
        Assert.True(cited.Count == 0, string.Join('\n', cited));
    }

    [Fact]
    public void The_upstream_path_pattern_finds_source_paths_and_leaves_the_repository_own_alone()
    {
        string[] citations = ["(pkg/backend/display/display.go shouldShow)", "config/auth_azure_github_oidc.go:", "step_generator.go \"is not allowed\"", "src/main.ts", "see pkg/engine/update.go"];
        string[] own = [".github/scripts/lib.sh", "lib.jq", "infra/Infra/DeploymentRecord.cs", "docs/delivery.md", "[fact: cli-stack-output]", "Pulumi.yaml", "--run-program=false"];
        Assert.All(citations, c => Assert.Matches(UpstreamPath(), c));
        Assert.All(own, o => Assert.DoesNotMatch(UpstreamPath(), o));
    }

    [Fact]
    public void The_line_number_pattern_finds_citations_and_leaves_prose_alone()
    {
        string[] citations = ["scim/groups.go:75-90", "(:94)", "readStackReference :370,", "model.go:829", "(line 2373)", "from ~1244 on", "main.ts:12", "step.go :626-662)"];
        string[] prose = ["at 10:30 UTC", "see scim/groups.go UpdateNameAndEntitlements", "https://host:8443/x", "a 5-minute window", "[fact: grant-schema]", "line 2 of the file"];
        Assert.All(citations, c => Assert.Matches(LineCitation(), c));
        Assert.All(prose, p => Assert.DoesNotMatch(LineCitation(), p));
    }

    internal sealed record Fact(string Id, bool Safety, string Body);

    internal sealed record Pin(string Repo, string Tag, string By, string Version, bool Derived);

    internal sealed record Named(string File, string Id);

    internal static IReadOnlyList<Fact> LedgerFacts()
    {
        var text = Repo.Read(Ledger).Replace("\r\n", "\n", StringComparison.Ordinal);
        var facts = new List<Fact>();
        var parts = FactHeading().Split(text);
        for (var i = 1; i + 1 < parts.Length; i += 2)
        {
            var body = parts[i + 1].Split("\n## ")[0];
            facts.Add(new Fact(parts[i], body.Contains("**Safety-critical.**", StringComparison.Ordinal), body));
        }

        return facts;
    }

    internal static IReadOnlyList<Pin> Pins()
    {
        var text = Repo.Read(Ledger).Replace("\r\n", "\n", StringComparison.Ordinal);
        var section = text.Split("\n## Pins\n")[1].Split("\n## ")[0];
        var pins = new List<Pin>();
        foreach (var line in section.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| Upstream", StringComparison.Ordinal)))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var by = PinnedBy().Match(cells[2]);
            Assert.True(by.Success, $"{Ledger} pins: '{cells[2]}' names no `package version`");
            pins.Add(new Pin(cells[0], cells[1], by.Groups[1].Value, by.Groups[2].Value, cells[2].Contains('(', StringComparison.Ordinal)));
        }

        Assert.True(pins.Count >= 5, $"{Ledger}: {pins.Count} pins");
        return pins;
    }

    private static List<Named> NamedFacts()
    {
        var named = new List<Named>();
        foreach (var file in Files(Roots))
        {
            var relative = Path.GetRelativePath(Repo.Root, file).Replace('\\', '/');
            if (relative == Ledger || relative.EndsWith("/FactsLedgerTests.cs", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            named.AddRange(FactRef().Matches(text).Select(m => new Named(relative, m.Groups[1].Value)));
            named.AddRange(TraitRef().Matches(text).Select(m => new Named(relative, m.Groups[1].Value)));
            named.AddRange(DocRef().Matches(text).Select(m => new Named(relative, m.Groups[1].Value)));
        }

        return named;
    }

    private static IEnumerable<string> Files(params string[] roots) =>
        roots.Select(Repo.PathOf).Where(Directory.Exists)
            .SelectMany(r => Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories))
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "node_modules" or "BenchmarkDotNet.Artifacts"));

    /// <summary>An upstream line number: <c>x.go:123</c>, a bare <c>:123</c> after a space or bracket, <c>line 123</c>, <c>~123</c>.</summary>
    [GeneratedRegex(@"\.(?:go|ts|cs|sh|py|js):\d+|(?<=[\s(,;]):\d{2,5}(?:[-–]\d+)?(?=[\s),;.:]|$)|\bline \d{2,}\b|~\d{3,}\b")]
    private static partial Regex LineCitation();

    /// <summary>An upstream source file cited by path (Go or TypeScript: the pinned upstreams' languages), or a <c>pkg/</c> path.</summary>
    [GeneratedRegex(@"(?<![\w-])[\w./-]+\.(?:go|ts)\b|\bpkg/[\w/]+")]
    private static partial Regex UpstreamPath();

    [GeneratedRegex(@"^### ([a-z0-9][a-z0-9-]*)\n", RegexOptions.Multiline)]
    private static partial Regex FactHeading();

    /// <summary>A pinned upstream named with a version: <c>terraform-provider-databricks v1.2.3</c>, <c>pulumi/pulumi v3.2.1</c>.</summary>
    [GeneratedRegex(@"\b(terraform-provider-databricks|databricks-sdk-go|sdk-go|Go SDK|pulumi-dotnet|pulumi-terraform-bridge|pulumi/pulumi|pulumi) (v\d+\.\d+\.\d+)\b")]
    private static partial Regex VersionMention();

    [GeneratedRegex(@"\[fact: ([a-z0-9][a-z0-9-]*)\]")]
    private static partial Regex FactRef();

    [GeneratedRegex(@"Trait\(""fact"", ""([a-z0-9][a-z0-9-]*)""\)")]
    private static partial Regex TraitRef();

    [GeneratedRegex(@"facts\.md#([a-z0-9][a-z0-9-]*)")]
    private static partial Regex DocRef();

    [GeneratedRegex(@"https://github\.com/(?<repo>[\w.-]+/[\w.-]+)/blob/(?<tag>[^/\s)]+)/[^\s)#]*(?<anchor>#L\d+)?")]
    private static partial Regex GitHubBlob();

    [GeneratedRegex(@"`([^`\s]+) ([^`\s]+)`")]
    private static partial Regex PinnedBy();

    [GeneratedRegex(@"uses:\s*pulumi/actions@\S+\s*#\s*(v[\d.]+)")]
    private static partial Regex PulumiActionsPin();
}
