using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using DatabricksAccess.Topology.Model;
using Pulumi;

namespace DatabricksAccess.Infra;

/// <summary>
/// The stack output <c>deployment</c>: <c>{ commit, evaluatedAt }</c>, the commit whose program wrote the state and
/// the instant it evaluated the topology at. The scheduled jobs read the commit (<c>pulumi stack output deployment</c>)
/// and run exactly that commit. It replaces the stack tags deployed-commit and last-revocation (issue 25: a tag write
/// is not serialized with updates, an output is).
/// <list type="bullet">
/// <item>Written with the state, in the same update: the engine sets the root stack's outputs when the deployment
/// finishes, and a targeted update includes the root stack implicitly [fact: engine-stack-outputs-at-end]. Updates of
/// one stack never overlap: the service answers a second StartUpdate with 409 [fact: cli-update-conflict].
/// A targeted destroy (the revocation) does not run the program and leaves the root stack and its outputs as they are.</item>
/// <item>Nobody passes the commit in: it is the one the program was built from, which the .NET SDK appends to the
/// assembly's informational version (<c>+&lt;SourceRevisionId&gt;</c>, from git through the SDK's bundled
/// Microsoft.Build.Tasks.Git; Microsoft.NET.GenerateAssemblyInfo.targets IncludeSourceRevisionInInformationalVersion).
/// deploy.yml checks out the commit it deploys; a scheduled job checks out the recorded commit, so its update writes
/// back the same value.</item>
/// <item>Only a deploy moves it: a scheduled run (<see cref="BuildOptions.RevocationRun"/>) of another commit than the
/// recorded one fails before anything is registered (<see cref="CheckRevocationRun"/>), and it reads the record inside
/// its own update, under the stack's lock, so a deploy that finished after the job chose its commit is seen.</item>
/// </list>
/// </summary>
public static partial class DeploymentRecord
{
    public const string OutputName = "deployment";

    /// <summary>The commit this program was built from, or null when the build had no git metadata.</summary>
    public static string? OwnCommit() =>
        CommitOf(typeof(DeploymentRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>The full commit id at the end of an informational version (<c>1.0.0+&lt;sha&gt;</c>, or <c>.&lt;sha&gt;</c> after an existing '+').</summary>
    public static string? CommitOf(string? informationalVersion) =>
        informationalVersion is not null && TrailingCommit().Match(informationalVersion) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The output value: <c>{ commit, evaluatedAt }</c> (commit null when unknown).</summary>
    public static ImmutableDictionary<string, object?> Value(string? commit, DateTimeOffset evaluatedAt) =>
        ImmutableDictionary<string, object?>.Empty.Add("commit", commit).Add("evaluatedAt", Instants.Format(evaluatedAt));

    /// <summary>The commit of a recorded <c>deployment</c> output as a stack reference returns it, or null.</summary>
    public static string? CommitFromOutput(object? value) =>
        value is IReadOnlyDictionary<string, object?> map && map.TryGetValue("commit", out var c) && c is string s && IsCommit(s) ? s
        : value is IDictionary<string, object> dict && dict.TryGetValue("commit", out var d) && d is string t && IsCommit(t) ? t
        : null;

    /// <summary>
    /// A scheduled run acts only for the deployed commit: when the stack records one (a deploy wrote it), the program
    /// must be that commit's. Without a record (a stack deployed before this output existed) the run proceeds and
    /// records its own commit, the one the scheduled job read from the former deploy tag.
    /// </summary>
    public static void CheckRevocationRun(string? recorded, string? own)
    {
        if (recorded is null)
        {
            return;
        }

        if (own is null)
        {
            throw new RunException($"scheduled run: the stack was deployed from {recorded}, and this program does not know its own commit (built without git metadata): not applying it");
        }

        if (!string.Equals(recorded, own, StringComparison.Ordinal))
        {
            throw new RunException($"scheduled run: the stack was deployed from {recorded} since this job read the deployed commit; this is {own}'s program: not applying it (the next scheduled run uses {recorded})");
        }
    }

    private static bool IsCommit(string s) => CommitPattern().IsMatch(s);

    [GeneratedRegex("[+.]([0-9a-f]{40})$")]
    private static partial Regex TrailingCommit();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}
