using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DatabricksAccess.Cli;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.Extensions.Time.Testing;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// README.md's three walks run as written. The test reads the walks from README.md itself (each <c>###</c> under
/// "Three walks", its numbered steps and their code blocks), so the README cannot drift from what the commands do:
/// every command of a <c>bash</c> block runs, in order, in a copy of the repository's stack files that is a git
/// repository on <c>main</c>; a <c>text</c> block is an excerpt of the stdout of the command before it and must match
/// (<c>...</c> on a line of its own stands for lines left out, inside a line for text left out; an excerpt starts at the
/// first line of output unless it starts with <c>...</c>); a <c>yaml</c> block is pasted where its step says.
/// <c>dotnet run --project infra/Cli -- ...</c> runs the CLI in-process with the clock at <see cref="Fixture.Now"/>,
/// against <see cref="FakeDatabricks"/> for <c>adopt</c> and <c>audit</c>; <c>git</c> and <c>cp</c> run as they are.
/// Commands that need the cloud (<c>pulumi</c>) sit in blocks marked <c># needs the cloud</c>; they are not run here:
/// each must be a command the runbook (docs/delivery.md) or a workflow runs, on a stack of this project.
/// </summary>
public sealed partial class WalkTests : IDisposable
{
    /// <summary>The host the README shows; the fake's loopback address is shown as it.</summary>
    private const string ShownHost = "https://adb-1234567890123456.7.azuredatabricks.net";

    private const string CloudMarker = "# needs the cloud";

    private static readonly string Root = FindRoot();

    private readonly Fixture _f = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-walk-").FullName;

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Walks() => [.. ReadWalks(File.ReadAllText(Path.Combine(Root, "README.md"))).Select(w => w.Title)];

    [Fact]
    public void The_README_has_the_three_walks_each_with_commands()
    {
        var walks = ReadWalks(File.ReadAllText(Path.Combine(Root, "README.md")));
        Assert.Collection(walks,
            w => Assert.StartsWith("A new estate", w.Title, StringComparison.Ordinal),
            w => Assert.StartsWith("An existing workspace", w.Title, StringComparison.Ordinal),
            w => Assert.StartsWith("An everyday change", w.Title, StringComparison.Ordinal));
        Assert.All(walks, w =>
        {
            Assert.Equal(Enumerable.Range(1, w.Steps.Count), w.Steps.Select(s => s.Number));
            Assert.Contains(w.Steps, s => s.Blocks.Any(b => b.Kind == "text"));
            Assert.Contains(w.Steps, s => s.Blocks.Any(b => b.Kind == "bash" && b.Commands.Any(c => c.StartsWith("dotnet run", StringComparison.Ordinal))));
        });
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public void The_walk_runs_as_the_README_shows(string title)
    {
        var walk = ReadWalks(File.ReadAllText(Path.Combine(Root, "README.md"))).Single(w => w.Title == title);
        InitSandbox();
        var log = new StringBuilder();
        (int Code, string Out, string Err)? last = null;
        foreach (var step in walk.Steps)
        {
            foreach (var block in step.Blocks)
            {
                var where = $"{title}, step {step.Number} (README.md line {block.Line})";
                switch (block.Kind)
                {
                    case "bash":
                        foreach (var command in block.Commands)
                        {
                            if (command.StartsWith("pulumi ", StringComparison.Ordinal))
                            {
                                Assert.True(block.Cloud, $"{where}: `{command}` needs the cloud: its block starts with '{CloudMarker}'");
                                last = null;
                                continue;
                            }

                            Assert.False(block.Cloud, $"{where}: a block marked '{CloudMarker}' holds `{command}`, which runs offline");
                            var result = Execute(command, where);
                            log.Append("$ ").AppendLine(command).Append(result.Out).Append(result.Err);
                            Assert.True(result.Code == 0, $"{where}: `{command}` exited {result.Code}\n--- the walk so far ---\n{log}");
                            last = result;
                        }

                        break;
                    case "text":
                        Assert.True(last is not null, $"{where}: an output excerpt follows no command this test runs");
                        var mismatch = Match(block.Lines, Lines(last!.Value.Out));
                        Assert.True(mismatch is null, $"{where}: the output does not match the README's excerpt: {mismatch}\n--- the walk so far ---\n{log}");
                        break;
                    case "yaml":
                        Paste(step, block, where);
                        break;
                    default:
                        Assert.Fail($"{where}: a ```{block.Kind} block; the walks hold bash, text and yaml blocks only");
                        break;
                }
            }
        }

        // adopt and audit read the estate with GET only (and the OAuth token requests that obtain each host's credential).
        Assert.All(_f.Fake.Requests.Where(r => !r.StartsWith("POST /oidc/", StringComparison.Ordinal)), r => Assert.StartsWith("GET ", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Cloud_commands_are_marked_and_are_the_ones_the_runbook_and_workflows_run()
    {
        var walks = ReadWalks(File.ReadAllText(Path.Combine(Root, "README.md")));
        var cloud = walks.SelectMany(w => w.Steps).SelectMany(s => s.Blocks).Where(b => b.Kind == "bash")
            .SelectMany(b => b.Commands.Select(c => (b, c))).Where(x => x.c.StartsWith("pulumi ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cloud);
        Assert.Contains(cloud, x => x.c.StartsWith("pulumi stack init ", StringComparison.Ordinal));
        var documented = DocumentedPulumiCommands();
        var project = Regex.Match(File.ReadAllText(Path.Combine(Root, "Pulumi.yaml")), @"(?m)^name:\s*(\S+)").Groups[1].Value;
        foreach (var (block, command) in cloud)
        {
            Assert.True(block.Cloud, $"README.md line {block.Line}: `{command}` needs the cloud: its block starts with '{CloudMarker}'");
            var words = ShellWords(command);

            // The stack is org/project/stack of this project (three parts, the project Pulumi.yaml's name
            // [fact: cli-project-and-stack]).
            var stack = StackArgument(words);
            Assert.True(stack is not null, $"`{command}` names its stack");
            var parts = stack!.Split('/');
            Assert.True(parts.Length == 3 && parts[1] == project, $"`{command}`: the stack '{stack}' is not <org>/{project}/<stack>");
            Assert.True(File.Exists(Path.Combine(Root, $"Pulumi.{parts[2]}.yaml")) || parts[2] == "ops", $"`{command}`: no stack file Pulumi.{parts[2]}.yaml");

            var normal = Normalise(words);
            Assert.True(documented.Any(d => d.Count >= normal.Count && d.Take(normal.Count).SequenceEqual(normal)),
                $"`{command}` is not a command docs/delivery.md or .github runs; documented: \n{string.Join('\n', documented.Select(d => string.Join(' ', d)).Distinct())}");
        }
    }

    [Fact]
    public void The_excerpt_matcher_leaves_out_only_what_dots_stand_for()
    {
        string[] output = ["first line", "second 42 line", "third", "fourth"];
        Assert.Null(Match(["first line", "second ... line"], output));
        Assert.Null(Match(["...", "third"], output));
        Assert.Null(Match(["first line", "...", "fourth"], output));
        Assert.NotNull(Match(["second 42 line"], output));           // not the first line, and no leading ...
        Assert.NotNull(Match(["first line", "third"], output));      // a line left out without ...
        Assert.NotNull(Match(["...", "fifth"], output));
        Assert.NotNull(Match(["first line", "second line"], output)); // text left out inside a line without ...
    }

    // ---- running ----

    private void InitSandbox()
    {
        foreach (var file in new[] { "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "examples/adopt/Pulumi.skeleton.yaml" })
        {
            var target = Path.Combine(_dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(Root, file), target);
        }

        foreach (var git in new[] { "init -q -b main", "add -A", "commit -qm initial" })
        {
            var (code, _, err) = Git(git.Split(' '));
            Assert.True(code == 0, $"git {git}: {err}");
        }
    }

    private (int Code, string Out, string Err) Execute(string command, string where)
    {
        var words = ShellWords(command);
        switch (words[0])
        {
            case "dotnet":
                Assert.True(words.Count > 5 && words[1..5].SequenceEqual(["run", "--project", "infra/Cli", "--"]), $"{where}: `{command}`: the CLI runs as dotnet run --project infra/Cli -- <verb> ...");
                _f.Fake.Publish();
                var @out = new StringWriter();
                var err = new StringWriter();
                var code = Program.Run([.. words.Skip(5)], @out, err, new FakeTimeProvider(Fixture.Now), _dir, _f.Environment());
                return (code, Shown(@out.ToString()), Shown(err.ToString()));
            case "git":
                var git = Git([.. words.Skip(1)]);
                return (git.Code, Shown(git.Out), Shown(git.Err));
            case "cp":
                Assert.Equal(3, words.Count);
                File.Copy(Path.Combine(_dir, words[1]), Path.Combine(_dir, words[2]));
                FillPlaceholders(Path.Combine(_dir, words[2]), where);
                return (0, string.Empty, string.Empty);
            default:
                Assert.Fail($"{where}: `{command}`: this test runs dotnet run --project infra/Cli, git and cp; say how to run anything else");
                return default;
        }
    }

    /// <summary>What the reader fills in: the fake workspace and account stand where the skeleton's placeholders are.</summary>
    private void FillPlaceholders(string path, string where)
    {
        var text = File.ReadAllText(path);
        if (!text.Contains('<', StringComparison.Ordinal))
        {
            return;
        }

        var url = _f.Fake.Url.TrimEnd('/');
        var filled = Regex.Replace(text, @"https://adb-<workspace-id>\.<n>\.azuredatabricks\.net", url)
            .Replace("https://accounts.azuredatabricks.net", url, StringComparison.Ordinal)
            .Replace("<account-id>", FakeDatabricks.AccountId, StringComparison.Ordinal)
            .Replace("<workspace-id>", FakeDatabricks.WorkspaceId, StringComparison.Ordinal)
            .Replace("<subscription-id>", "00000000-0000-0000-0000-000000000000", StringComparison.Ordinal)
            .Replace("<resource-group>", "rg-dbx-ops", StringComparison.Ordinal)
            .Replace("<workspace-name>", "dbx-ops", StringComparison.Ordinal)
            .Replace("<deploy-application-id>", Fixture.Deployer, StringComparison.Ordinal)
            .Replace("<scheduled-application-id>", "99999999-0000-4000-8000-000000000002", StringComparison.Ordinal)
            .Replace("<audit-application-id>", "99999999-0000-4000-8000-000000000003", StringComparison.Ordinal)
            .Replace("<admin-email>", _f.Lead.UserName, StringComparison.Ordinal);
        var left = Regex.Matches(filled, @"(?m)^[^#\n]*?(<[a-z][a-z-]*>)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(left.Count == 0, $"{where}: placeholders this test does not know how to fill: {string.Join(", ", left)}");
        File.WriteAllText(path, filled);
    }

    /// <summary>A yaml block goes, as written, at the end of the list its step names ("in `Pulumi.x.yaml`, under `topology.a.b`").</summary>
    private void Paste(Step step, Block block, string where)
    {
        var file = step.Code.SingleOrDefault(c => c.EndsWith(".yaml", StringComparison.Ordinal));
        var path = step.Code.SingleOrDefault(c => c.StartsWith("topology.", StringComparison.Ordinal));
        Assert.True(file is not null && path is not null, $"{where}: a yaml block's step names its file (`Pulumi.<stack>.yaml`) and where (`topology.<path>`)");
        var full = Path.Combine(_dir, file!);
        var lines = File.ReadAllText(full).Split('\n').ToList();
        var at = -1;
        var indent = -1;
        foreach (var segment in ("databricks-access:" + path).Split('.'))
        {
            // A direct child: indented as the first line under its parent.
            var found = false;
            var child = -1;
            for (var i = at + 1; i < lines.Count; i++)
            {
                var own = Indent(lines[i]);
                var trimmed = lines[i].Trim();
                if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                {
                    continue;
                }

                if (at >= 0 && own <= indent)
                {
                    break;
                }

                child = child < 0 ? own : child;
                if (trimmed.StartsWith(segment + ":", StringComparison.Ordinal) && (at < 0 || own == child))
                {
                    (at, indent, found) = (i, own, true);
                    break;
                }
            }

            Assert.True(found, $"{where}: {file} has no {path}");
        }

        var end = at + 1;
        while (end < lines.Count && (lines[end].Trim().Length == 0 || Indent(lines[end]) > indent))
        {
            end++;
        }

        lines.InsertRange(end, block.Lines);
        File.WriteAllText(full, string.Join('\n', lines));
    }

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    private (int Code, string Out, string Err) Git(IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo("git", args)
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in new[] { ("GIT_AUTHOR_NAME", "Walk"), ("GIT_AUTHOR_EMAIL", "walk@contoso.com"), ("GIT_COMMITTER_NAME", "Walk"), ("GIT_COMMITTER_EMAIL", "walk@contoso.com"), ("GIT_CONFIG_NOSYSTEM", "1"), ("GIT_CONFIG_GLOBAL", "/dev/null") })
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var err = process.StandardError.ReadToEndAsync();
        var @out = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, @out, err.Result);
    }

    /// <summary>Output as the README shows it: without the checkout's path, the fake's address as a workspace host.</summary>
    private string Shown(string text) =>
        text.Replace(_dir + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal)
            .Replace(_f.Fake.Url.TrimEnd('/'), ShownHost, StringComparison.Ordinal);

    // ---- matching ----

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToArray();

    /// <summary>Null when the excerpt matches the output; else what did not.</summary>
    private static string? Match(IReadOnlyList<string> excerpt, string[] output)
    {
        var patterns = excerpt.Select(l => l.TrimEnd()).Select(l => l == "..." ? null : new Regex("^" + Regex.Escape(l).Replace(@"\.\.\.", ".*", StringComparison.Ordinal) + "$")).ToList();
        var deepest = 0;

        bool From(int p, int o)
        {
            deepest = Math.Max(deepest, p);
            if (p == patterns.Count)
            {
                return true;
            }

            if (patterns[p] is null)
            {
                for (var skip = o; skip <= output.Length; skip++)
                {
                    if (From(p + 1, skip))
                    {
                        return true;
                    }
                }

                return false;
            }

            return o < output.Length && patterns[p]!.IsMatch(output[o]) && From(p + 1, o + 1);
        }

        return From(0, 0) ? null : $"no output line for `{excerpt[Math.Min(deepest, excerpt.Count - 1)]}` where the excerpt puts it";
    }

    // ---- the cloud commands ----

    /// <summary>Every <c>pulumi ...</c> command docs/delivery.md, the workflows and their scripts run, as normalised words.</summary>
    private static List<List<string>> DocumentedPulumiCommands()
    {
        var files = new[] { Path.Combine(Root, "docs", "delivery.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, ".github", "workflows")))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, ".github", "scripts")));
        var commands = new List<List<string>>();
        foreach (var line in files.SelectMany(File.ReadLines))
        {
            foreach (Match m in Regex.Matches(line, @"\bpulumi [a-z][^`)|&;>#]*"))
            {
                try
                {
                    commands.Add(Normalise(ShellWords(m.Value.Trim())));
                }
                catch (FormatException)
                {
                    // Not a whole command (an unbalanced quote in prose).
                }
            }
        }

        return commands;
    }

    private static string? StackArgument(List<string> words)
    {
        for (var i = 1; i < words.Count - 1; i++)
        {
            if (words[i] is "--stack" or "-s")
            {
                return words[i + 1];
            }
        }

        return words.Count > 3 && words[1] == "stack" && words[2] == "init" ? words[3] : null;
    }

    /// <summary>The words with the stack (whatever names it: a name, <c>$ORG/...</c>, <c>$STACK_NAME</c>) as <c>&lt;stack&gt;</c>.</summary>
    private static List<string> Normalise(IReadOnlyList<string> words)
    {
        var list = words.ToList();
        for (var i = 1; i < list.Count - 1; i++)
        {
            if (list[i] is "--stack" or "-s")
            {
                list[i + 1] = "<stack>";
            }
        }

        if (list.Count > 3 && list[1] == "stack" && list[2] == "init")
        {
            list[3] = "<stack>";
        }

        return list;
    }

    /// <summary>Words as a POSIX shell splits them (single and double quotes, no expansion).</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c is '\'' or '"')
            {
                var close = line.IndexOf(c, i + 1);
                if (close < 0)
                {
                    throw new FormatException($"unbalanced {c} in {line}");
                }

                word.Append(line, i + 1, close - i - 1);
                inWord = true;
                i = close;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    // ---- reading the README ----

    private sealed record Block(string Kind, IReadOnlyList<string> Lines, int Line)
    {
        public bool Cloud => Kind == "bash" && Lines.Count > 0 && Lines[0].StartsWith(CloudMarker, StringComparison.Ordinal);

        public IEnumerable<string> Commands => Kind == "bash" ? Lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')) : [];
    }

    private sealed record Step(int Number, IReadOnlyList<string> Code, IReadOnlyList<Block> Blocks);

    private sealed record Walk(string Title, IReadOnlyList<Step> Steps);

    private static List<Walk> ReadWalks(string markdown)
    {
        var document = Markdown.Parse(markdown, new MarkdownPipelineBuilder().Build());
        var walks = new List<Walk>();
        string? section = null;
        List<Step>? steps = null;
        foreach (var block in document)
        {
            if (block is HeadingBlock heading)
            {
                var title = Text(heading.Inline);
                if (heading.Level <= 2)
                {
                    section = title;
                    steps = null;
                }
                else if (heading.Level == 3 && section == "Three walks")
                {
                    steps = [];
                    walks.Add(new Walk(title, steps));
                }

                continue;
            }

            if (steps is not null && block is ListBlock { IsOrdered: true } list)
            {
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var code = item.Descendants<CodeInline>().Select(c => c.Content).ToList();
                    var blocks = item.OfType<FencedCodeBlock>()
                        .Select(f => new Block(f.Info ?? string.Empty, f.Lines.ToString().ReplaceLineEndings("\n").Split('\n'), f.Line + 1))
                        .ToList();
                    steps.Add(new Step(steps.Count + 1, code, blocks));
                }
            }
        }

        return walks;
    }

    private static string Text(ContainerInline? inline) =>
        inline is null ? string.Empty : string.Concat(inline.Descendants().Select(i => i switch
        {
            LiteralInline l => l.Content.ToString(),
            CodeInline c => c.Content,
            _ => string.Empty,
        }));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Pulumi.yaml")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }
}
