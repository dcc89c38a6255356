using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Cli;

/// <summary>
/// Issue 31.1: account-level power only behind the prod gate. A stack that declares <c>databricks-access:account</c>
/// has account-level identities, and its deploy identity is account admin of that account (docs/delivery.md,
/// bootstrap step 6). When such a stack deploys without reviewers and another stack in the same project uses the
/// same account, whoever merges to main acts as an admin of the account that serves the other stack: <c>check</c>
/// warns. A stack is reviewed when its job in <c>.github/workflows/deploy.yml</c> (the job whose <c>env.STACK</c>
/// names it) needs, directly or through other jobs, a job in an environment named <c>*-approval</c>: the
/// repository's convention for the environments that carry required reviewers (bootstrap step 11, approve-prod).
/// Without that workflow file, or with no other stack file beside this one, nothing is known and nothing is said.
/// </summary>
internal static class AccountGate
{
    public const string Rule = "account-outside-gate";

    public static IEnumerable<Diagnostic> Warnings(StackFile stack)
    {
        var accountId = AccountId(stack);
        var dir = Path.GetDirectoryName(Path.GetFullPath(stack.FilePath));
        if (accountId is null || dir is null)
        {
            return [];
        }

        var name = StackName(stack.FilePath);
        var others = Directory.EnumerateFiles(dir, "Pulumi.*.yaml")
            .Where(f => !string.Equals(Path.GetFullPath(f), Path.GetFullPath(stack.FilePath), StringComparison.Ordinal))
            .Select(f => (Name: StackName(f), Account: AccountIdOf(f, stack.Project)))
            .Where(o => o.Name is not null && string.Equals(o.Account, accountId, StringComparison.OrdinalIgnoreCase))
            .Select(o => o.Name!)
            .Order(StringComparer.Ordinal)
            .ToList();
        var workflow = Path.Combine(dir, ".github", "workflows", "deploy.yml");
        if (others.Count == 0 || name is null || !File.Exists(workflow) || Reviewed(File.ReadAllText(workflow), name) is not false)
        {
            return [];
        }

        return
        [
            new Diagnostic(Severity.Warning, "databricks-access:account",
                $"stack '{name}' deploys without reviewers (its deploy.yml job needs no *-approval job) yet is configured with account-level identities in account {accountId}, which stack(s) {string.Join(", ", others)} also use: its deploy identity would be an admin of their account on every merge to main. Deploy it behind the prod gate, or give it no databricks-access:account (docs/delivery.md, Identity model)",
                Rule),
        ];
    }

    /// <summary>True: the stack's deploy job waits for a <c>*-approval</c> environment; false: it does not; null: no job deploys it.</summary>
    public static bool? Reviewed(string workflowYaml, string stack)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(workflowYaml));
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("jobs"), out var jobsNode) || jobsNode is not YamlMappingNode jobs)
        {
            return null;
        }

        var byId = jobs.Children.Where(kv => kv.Key is YamlScalarNode && kv.Value is YamlMappingNode)
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (YamlMappingNode)kv.Value, StringComparer.Ordinal);
        var deploying = byId.Where(kv => Scalar(Child(kv.Value, "env"), "STACK") == stack).Select(kv => kv.Key).ToList();
        if (deploying.Count == 0)
        {
            return null;
        }

        return deploying.All(id => Needs(byId, id, []).Any(n => byId.TryGetValue(n, out var job) && Environment(job)?.EndsWith("-approval", StringComparison.Ordinal) == true));
    }

    private static IEnumerable<string> Needs(Dictionary<string, YamlMappingNode> jobs, string id, HashSet<string> seen)
    {
        if (!jobs.TryGetValue(id, out var job) || Child(job, "needs") is not { } needs)
        {
            yield break;
        }

        var direct = needs switch
        {
            YamlScalarNode s => [s.Value!],
            YamlSequenceNode list => list.OfType<YamlScalarNode>().Select(s => s.Value!).ToList(),
            _ => new List<string>(),
        };
        foreach (var n in direct.Where(seen.Add))
        {
            yield return n;
            foreach (var m in Needs(jobs, n, seen))
            {
                yield return m;
            }
        }
    }

    private static string? Environment(YamlMappingNode job) => Child(job, "environment") switch
    {
        YamlScalarNode s => s.Value,
        YamlMappingNode m => Scalar(m, "name"),
        _ => null,
    };

    private static YamlNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlNode? node, string key) => node is YamlMappingNode m ? (Child(m, key) as YamlScalarNode)?.Value : null;

    private static string? StackName(string path)
    {
        var file = Path.GetFileName(path);
        return file.StartsWith("Pulumi.", StringComparison.Ordinal) && file.EndsWith(".yaml", StringComparison.Ordinal) && file.Length > "Pulumi..yaml".Length
            ? file["Pulumi.".Length..^".yaml".Length]
            : null;
    }

    private static string? AccountId(StackFile stack) => stack.Account is ConfigMap m && m["id"] is ConfigScalar { Value: { Length: > 0 } id } ? id : null;

    private static string? AccountIdOf(string path, string project)
    {
        try
        {
            return AccountId(StackFile.Parse(File.ReadAllText(path), path, project));
        }
        catch (Exception ex) when (ex is ConfigLoadException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
