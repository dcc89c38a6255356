using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// Runs single workflow steps for real: a <c>run:</c> block with bash (as the runner's <c>bash -e {0}</c>) and fake
/// commands on the PATH, or an <c>actions/github-script</c> script with node and recording fakes of
/// <c>github</c>, <c>context</c> and <c>core</c> (actions/github-script wraps the script in an async function of
/// those names).
/// </summary>
internal sealed class StepHarness : IDisposable
{
    private const string ScriptRunner = """
        const fs = require('fs');
        const [scriptFile, scenarioFile] = process.argv.slice(2);
        const script = fs.readFileSync(scriptFile, 'utf8');
        const s = JSON.parse(fs.readFileSync(scenarioFile, 'utf8'));
        Object.assign(process.env, s.env || {});
        const calls = [];
        const api = (name, data) => async (args) => { calls.push({ name, args }); return { data: data === undefined ? {} : data }; };
        const issues = {
          listForRepo: api('issues.listForRepo', s.issues || []),
          listComments: api('issues.listComments', s.comments || []),
          create: api('issues.create', { number: 101 }),
          createComment: api('issues.createComment', { id: 202 }),
          updateComment: api('issues.updateComment', {}),
          update: api('issues.update', {}),
        };
        const pulls = { listFiles: api('pulls.listFiles', s.files || []) };
        const actions = {
          listWorkflowRuns: api('actions.listWorkflowRuns', { workflow_runs: s.runs || [] }),
          listJobsForWorkflowRun: async (args) => { calls.push({ name: 'actions.listJobsForWorkflowRun', args }); return { data: { jobs: (s.jobs || {})[String(args.run_id)] || [] } }; },
        };
        const github = {
          rest: {
            issues,
            pulls,
            actions,
            repos: {
              getBranch: api('repos.getBranch', s.branch),
              compareCommits: api('repos.compareCommits', s.compare),
              listDeployments: api('repos.listDeployments', s.deployments || []),
              listDeploymentStatuses: async (args) => { calls.push({ name: 'repos.listDeploymentStatuses', args }); return { data: (s.statuses || {})[String(args.deployment_id)] || [] }; },
            },
          },
          paginate: async (fn, args) => {
            const which = fn === issues.listComments ? 'comments' : fn === issues.listForRepo ? 'issues' : fn === pulls.listFiles ? 'files' : 'other';
            calls.push({ name: 'paginate:' + which, args });
            return (which === 'comments' ? s.comments : which === 'files' ? s.files : s.issues) || [];
          },
        };
        const outputs = {};
        const core = { failed: null, setFailed(m) { this.failed = String(m); }, setOutput(k, v) { outputs[k] = String(v); }, info() {}, warning() {}, debug() {} };
        const context = {
          repo: { owner: 'contoso', repo: 'databricks-access' },
          sha: s.sha || '0000000000000000000000000000000000000000',
          runId: 4242,
          serverUrl: 'https://github.com',
          payload: s.payload || {},
        };
        const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
        new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
          .then(() => console.log(JSON.stringify({ calls, outputs, failed: core.failed })))
          .catch((e) => { console.log(JSON.stringify({ calls, outputs, failed: core.failed, threw: String(e && e.stack || e) })); });
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-step-").FullName;

    public StepHarness()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        Directory.CreateDirectory(Path.Combine(_dir, "work"));
        Directory.CreateDirectory(Path.Combine(_dir, "fake"));
    }

    /// <summary>
    /// The stand-in Pulumi CLI (fake-pulumi.sh) on the PATH, with one stack in its Pulumi Cloud and these tags.
    /// </summary>
    public StepHarness Pulumi(string stack, params (string Name, string Value)[] tags)
    {
        FakePulumi.Install(Path.Combine(_dir, "bin"));
        File.WriteAllText(Path.Combine(_dir, "fake", "stack"), stack);
        Directory.CreateDirectory(Path.Combine(_dir, "fake", "tags"));
        foreach (var (name, value) in tags)
        {
            File.WriteAllText(Path.Combine(_dir, "fake", "tags", name), value);
        }

        return this;
    }

    /// <summary>The stand-in stack's outputs (outputs.json) with a deployment record of <paramref name="commit"/>.</summary>
    public StepHarness Deployed(string commit, string evaluatedAt = "2026-12-07T11:00:00Z")
    {
        File.WriteAllText(Path.Combine(_dir, "fake", "outputs.json"),
            new JsonObject { ["deployment"] = new JsonObject { ["commit"] = commit, ["evaluatedAt"] = evaluatedAt } }.ToJsonString());
        return this;
    }

    /// <summary>A stack tag as the stand-in's Pulumi Cloud holds it, or null.</summary>
    public string? TagValue(string name) =>
        File.Exists(Path.Combine(_dir, "fake", "tags", name)) ? File.ReadAllText(Path.Combine(_dir, "fake", "tags", name)) : null;

    /// <summary>The stand-in's recorded calls: args and working directory.</summary>
    public IReadOnlyList<(string Args, string Cwd)> PulumiCalls() =>
        File.Exists(Path.Combine(_dir, "fake", "calls.log"))
            ? File.ReadAllLines(Path.Combine(_dir, "fake", "calls.log")).Select(l => l.Split('\t')).Select(p => (p[1], p[2])).ToList()
            : [];

    public string Dir => _dir;

    /// <summary>What steps wrote to GITHUB_ENV (NAME=value lines; the runner sets them for every later step of the job).</summary>
    public IReadOnlyDictionary<string, string> JobEnv() =>
        (File.Exists(Path.Combine(_dir, "env.txt")) ? File.ReadAllLines(Path.Combine(_dir, "env.txt")) : [])
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);

    /// <summary>A fake command on the PATH: its bash body.</summary>
    public StepHarness Fake(string command, string body)
    {
        var path = Path.Combine(_dir, "bin", command);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return this;
    }

    public string WriteFile(string relative, string content)
    {
        var path = Path.Combine(_dir, "work", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The runner's workspace ($GITHUB_WORKSPACE): the job's checkouts go below it.</summary>
    public string Workspace => Path.Combine(_dir, "work");

    /// <summary>The repository variable PULUMI_ORG, as <c>${{ vars.PULUMI_ORG }}</c> expands in the tests.</summary>
    public const string Org = "contoso";

    /// <summary>
    /// Runs a step's shell as the runner does (<c>bash --noprofile --norc -eo pipefail {0}</c>) with the job's and
    /// the step's env (plus <paramref name="env"/>), in the step's working-directory below <see cref="Workspace"/>
    /// (GITHUB_WORKSPACE). <c>${{ vars.PULUMI_ORG }}</c> and <c>${{ matrix.stack }}</c> in env values are expanded
    /// (<paramref name="stack"/>), as GitHub does before the step starts.
    /// </summary>
    public (int Code, string Out, string Err, IReadOnlyDictionary<string, string> Outputs, string Summary) RunShell(Job job, Step step, IDictionary<string, string>? env = null, string? stack = null)
    {
        var script = Path.Combine(_dir, "step.sh");
        File.WriteAllText(script, step.Run ?? throw new ArgumentException($"{step} has no run"));
        var cwd = step.WorkingDirectory is { } wd ? Path.Combine(Workspace, wd) : Workspace;
        Directory.CreateDirectory(cwd);
        var info = new ProcessStartInfo("bash", ["--noprofile", "--norc", "-eo", "pipefail", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd,
        };
        string Expand(string v) => (stack is null ? v : Repo.ExpandStack(v, stack))
            .Replace("${{ vars.PULUMI_ORG }}", Org, StringComparison.Ordinal);
        foreach (var (k, v) in job.Env.Concat(step.Node.Map("env").Entries().Select(e => KeyValuePair.Create(e.Key, (e.Value as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value ?? ""))))
        {
            info.Environment[k] = Expand(v);
        }

        info.Environment["GITHUB_WORKSPACE"] = Workspace;
        info.Environment["FAKE_DIR"] = Path.Combine(_dir, "fake");
        info.Environment["LOCK_POLL_SECONDS"] = "0";

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        info.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + System.Environment.GetEnvironmentVariable("PATH");
        info.Environment["GITHUB_OUTPUT"] = Path.Combine(_dir, "output.txt");
        info.Environment["GITHUB_ENV"] = Path.Combine(_dir, "env.txt");
        info.Environment["GITHUB_STEP_SUMMARY"] = Path.Combine(_dir, "summary.md");
        info.Environment["RUNNER_TEMP"] = Path.Combine(_dir, "temp");
        File.Delete(Path.Combine(_dir, "output.txt"));
        File.Delete(Path.Combine(_dir, "summary.md"));
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var outputs = (File.Exists(Path.Combine(_dir, "output.txt")) ? File.ReadAllLines(Path.Combine(_dir, "output.txt")) : [])
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        var summary = File.Exists(Path.Combine(_dir, "summary.md")) ? File.ReadAllText(Path.Combine(_dir, "summary.md")) : string.Empty;
        return (process.ExitCode, stdout.Result, stderr, outputs, summary);
    }

    /// <summary>Runs an actions/github-script step's script against a scenario; returns the recorded API calls.</summary>
    public ScriptResult RunScript(Step step, JsonObject scenario)
    {
        Assert.True(step.IsAction("actions/github-script"), $"{step} is not an actions/github-script step");
        var runner = Path.Combine(_dir, "runner.js");
        var script = Path.Combine(_dir, "script.js");
        var scenarioFile = Path.Combine(_dir, "scenario.json");
        File.WriteAllText(runner, ScriptRunner);
        File.WriteAllText(script, step.With("script") ?? "");
        File.WriteAllText(scenarioFile, scenario.ToJsonString());
        var info = new ProcessStartInfo("node", [runner, script, scenarioFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"node failed: {stderr}");
        var result = JsonNode.Parse(stdout.Result.Trim().Split('\n')[^1])!.AsObject();
        Assert.True(result["threw"] is null, $"{step} threw: {result["threw"]}");
        var calls = result["calls"]!.AsArray().Select(c => new ApiCall((string)c!["name"]!, c["args"] as JsonObject ?? new JsonObject())).ToList();
        var outputs = (result["outputs"] as JsonObject ?? new JsonObject()).ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal);
        return new ScriptResult(calls, (string?)result["failed"], outputs);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal sealed record ApiCall(string Name, JsonObject Args)
    {
        public string? Arg(string name) => Args[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : Args[name]?.ToJsonString();

        public override string ToString() => $"{Name} {Args.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}";
    }

    internal sealed record ScriptResult(IReadOnlyList<ApiCall> Calls, string? Failed, IReadOnlyDictionary<string, string> Outputs)
    {
        public IEnumerable<ApiCall> Named(string name) => Calls.Where(c => c.Name == name);
    }
}
