using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Issue 31.2: .github/CODEOWNERS.example gives the security owners every path that changes what is deployed or how
/// it is reviewed. Every tracked file of the repository (so every file added later too) is matched as GitHub does
/// (gitignore patterns, the last matching line wins); only documentation, examples and dev's stack file may go
/// without the security team.
/// </summary>
public sealed partial class CodeownersTests
{
    private const string Security = "@contoso/security";

    /// <summary>What changes neither what is deployed nor how it is reviewed.</summary>
    private static bool Exempt(string path) =>
        path.StartsWith("docs/", StringComparison.Ordinal)
        || path.StartsWith("examples/", StringComparison.Ordinal)
        || (path.EndsWith(".md", StringComparison.Ordinal) && !path.StartsWith(".github/", StringComparison.Ordinal))
        || path == "Pulumi.dev.yaml";

    private static List<(Regex Pattern, string[] Owners)> Rules() =>
        Repo.Read(".github/CODEOWNERS.example").Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => (Pattern(p[0]), p[1..]))
            .ToList();

    /// <summary>A CODEOWNERS (gitignore-style) pattern: a leading or inner '/' anchors it at the root, a trailing '/' matches everything below, '*' stays within a directory, '**' crosses them.</summary>
    internal static Regex Pattern(string pattern)
    {
        var anchored = pattern.TrimEnd('/').Contains('/', StringComparison.Ordinal);
        var dir = pattern.EndsWith('/');
        var body = pattern.Trim('/');
        var regex = Regex.Escape(body).Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal);
        return new Regex((anchored ? "^" : "(?:^|/)") + regex + (dir ? "/" : "(?:$|/)"), RegexOptions.CultureInvariant);
    }

    private static string[] Owners(List<(Regex Pattern, string[] Owners)> rules, string path) =>
        rules.LastOrDefault(r => r.Pattern.IsMatch(path)).Owners ?? [];

    private static List<string> TrackedFiles()
    {
        var info = new ProcessStartInfo("git", ["-C", Repo.Root, "ls-files"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        try
        {
            using var git = Process.Start(info)!;
            var files = git.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            git.WaitForExit();
            if (git.ExitCode == 0 && files.Count > 0)
            {
                return files;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no git: walk the tree below
        }

        var skip = new[] { "/bin/", "/obj/", "/.git/", "/node_modules/", "/TestResults/" };
        return Directory.EnumerateFiles(Repo.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !skip.Any(s => ("/" + f).Contains(s, StringComparison.Ordinal)) && f != ".git")
            .ToList();
    }

    [Fact]
    public void Every_file_that_changes_what_is_deployed_or_how_it_is_reviewed_has_the_security_owners()
    {
        var rules = Rules();
        var files = TrackedFiles();
        Assert.Contains("infra/Cli/Program.cs", files);
        var missing = files.Where(f => !Exempt(f) && !Owners(rules, f).Contains(Security)).ToList();
        Assert.True(missing.Count == 0, $"without {Security} in .github/CODEOWNERS.example: {string.Join(", ", missing.Take(20))}");
    }

    [Theory]
    [InlineData("infra/Infra/NewComponent.cs")]
    [InlineData("infra/Topology/Config/Binding/New.cs")]
    [InlineData("infra/Topology/Planning/New.cs")]
    [InlineData("infra/Cli/New.cs")]
    [InlineData("infra/Live/New.cs")]
    [InlineData("Directory.Build.props")]
    [InlineData("Directory.Packages.props")]
    [InlineData("Pulumi.yaml")]
    [InlineData(".pulumi.version")]
    [InlineData("global.json")]
    [InlineData(".ci/run")]
    [InlineData(".github/workflows/new.yml")]
    [InlineData(".github/scripts/new.sh")]
    [InlineData(".github/CODEOWNERS.example")]
    [InlineData("tests/Delivery.Tests/CodeownersTests.cs")]
    [InlineData("Pulumi.prod.yaml")]
    [InlineData("Pulumi.staging.yaml")]
    [InlineData("some/new/dir/file.json")]
    public void A_path_that_changes_what_is_deployed_has_the_security_owners_even_when_new(string path) =>
        Assert.Contains(Security, Owners(Rules(), path));

    [Theory]
    [InlineData("docs/delivery.md")]
    [InlineData("README.md")]
    [InlineData("Pulumi.dev.yaml")]
    public void Only_documentation_examples_and_devs_stack_file_go_to_the_platform_team_alone(string path) =>
        Assert.Equal(["@contoso/platform-access"], Owners(Rules(), path));

    [Fact]
    public void The_matcher_follows_gitignore_patterns()
    {
        Assert.Matches(Pattern("/docs/"), "docs/a/b.md");
        Assert.DoesNotMatch(Pattern("/docs/"), "infra/docs/a.md");
        Assert.Matches(Pattern("*.md"), "infra/x/README.md");
        Assert.Matches(Pattern("/.github/**/*.md"), ".github/a/b/c.md");
        Assert.Matches(Pattern("/Pulumi.dev.yaml"), "Pulumi.dev.yaml");
        Assert.DoesNotMatch(Pattern("/Pulumi.dev.yaml"), "x/Pulumi.dev.yaml");
        Assert.Matches(Pattern("*"), "any/path.cs");
    }
}
