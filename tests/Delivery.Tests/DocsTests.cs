using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// README.md stays a first read (250 lines at most), and every relative link in it and in docs/*.md resolves: the
/// file exists, and a <c>#anchor</c> names a heading of that file as GitHub renders it (Markdig's GitHub
/// auto-identifiers: lower case, punctuation dropped, spaces to '-', a repeated heading gets "-1", "-2").
/// </summary>
public sealed class DocsTests
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
        .UsePipeTables()
        .Build();

    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add("docs/" + Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_README_is_at_most_250_lines()
    {
        var lines = Repo.Read("README.md").TrimEnd('\n').Split('\n').Length;
        Assert.True(lines <= 250, $"README.md has {lines} lines; the reference belongs in docs/");
    }

    [Fact]
    public void The_reference_has_one_file_per_topic_and_the_README_links_each()
    {
        var linked = Links("README.md").Select(l => l.Url.Split('#')[0]).ToHashSet(StringComparer.Ordinal);
        string[] topics = ["configuration", "ownership", "rotation", "audit", "adoption", "delivery", "scale", "hostile-input", "architecture"];
        Assert.All(topics, t => Assert.Contains($"docs/{t}.md", linked));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_resolves(string page)
    {
        var broken = new List<string>();
        foreach (var (url, line) in Links(page))
        {
            if (url.Contains("://", StringComparison.Ordinal) || url.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var hash = url.IndexOf('#', StringComparison.Ordinal);
            var path = Uri.UnescapeDataString(hash < 0 ? url : url[..hash]);
            var anchor = hash < 0 ? null : url[(hash + 1)..];
            var target = path.Length == 0
                ? page
                : Path.GetRelativePath(Repo.Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repo.PathOf(page))!, path))).Replace('\\', '/');
            if (!File.Exists(Repo.PathOf(target)) && !Directory.Exists(Repo.PathOf(target)))
            {
                broken.Add($"{page}:{line}: ({url}): {target} does not exist");
                continue;
            }

            if (anchor is not null && target.EndsWith(".md", StringComparison.Ordinal) && !Anchors(target).Contains(anchor))
            {
                broken.Add($"{page}:{line}: ({url}): {target} has no heading #{anchor}");
            }
        }

        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void The_link_check_sees_links_and_anchors()
    {
        // The check itself: the README's links are found, with their anchors, and a heading's GitHub id is known.
        Assert.Contains(Links("README.md"), l => l.Url == "docs/delivery.md#deploy-with-pulumi");
        Assert.Contains("deploy-with-pulumi", Anchors("docs/delivery.md"));
        Assert.DoesNotContain("deploy-with-pulum", Anchors("docs/delivery.md"));
    }

    private static MarkdownDocument Parse(string page) => Markdown.Parse(Repo.Read(page), Pipeline);

    private static List<(string Url, int Line)> Links(string page) =>
        [.. Parse(page).Descendants<LinkInline>().Where(l => l.Url is { Length: > 0 }).Select(l => (l.Url!, l.Line + 1))];

    private static HashSet<string> Anchors(string page) =>
        Parse(page).Descendants<HeadingBlock>().Select(h => h.GetAttributes().Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
}
