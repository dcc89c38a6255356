namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// No production file grows past about 500 lines (issue 32): one file holds one idea. The files that were larger when
/// the rule came in are listed with their size then; each may only shrink, and leaves the list once it is split.
/// </summary>
public class FileSizeTests
{
    private const int Limit = 500;

    /// <summary>Files over the limit when it came in, and their line count then (a ceiling, never raised); all are split now.</summary>
    private static readonly Dictionary<string, int> Oversize = new(StringComparer.Ordinal);

    [Fact]
    public void No_production_file_is_over_the_limit_or_grows_past_its_old_size()
    {
        var files = Directory.EnumerateFiles(Repo.PathOf("infra"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path: Path.GetRelativePath(Repo.Root, f).Replace('\\', '/'), Lines: File.ReadLines(f).Count()))
            .ToList();
        Assert.True(files.Count > 50, "the production sources were not found");
        var over = files.Where(f => f.Lines > (Oversize.TryGetValue(f.Path, out var cap) ? cap : Limit))
            .Select(f => $"{f.Path}: {f.Lines} lines (limit {(Oversize.TryGetValue(f.Path, out var cap) ? cap : Limit)})").ToList();
        Assert.True(over.Count == 0, string.Join('\n', over));
        var split = Oversize.Keys.Where(k => files.All(f => f.Path != k) || files.First(f => f.Path == k).Lines <= Limit).ToList();
        Assert.True(split.Count == 0, $"now within the limit or gone, take off the list: {string.Join(", ", split)}");
    }
}
