using System.CommandLine;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>
/// <c>access</c>: the full closure for one principal or one object, with paths. Exit codes as for <c>plan</c>: 0
/// clean, 1 policy violations (the answer is still printed), 2 invalid config or an unknown object or principal.
/// </summary>
internal sealed class AccessVerb : Verb
{
    private readonly Option<string?> _principal = new("--principal") { Description = "access: everything this principal holds (user:EMAIL, group:KEY, sp:KEY, webapp:KEY)" };
    private readonly Option<string?> _object = new("--object") { Description = $"access: every principal with access to this object ({AccessObject.Forms})" };

    public AccessVerb(CliOptions options) =>
        Command = new Command("access", "Who can reach an object, or what a principal reaches, with every path (groups, nested groups, acting as) and its expiry; offline")
        {
            options.Stack, options.File, _principal, _object, options.Now, options.Format,
        };

    public override Command Command { get; }

    public override ExitCode Run(CliContext context)
    {
        var stackFile = context.LoadStack();
        var principalText = context.Value(_principal);
        var objectText = context.Value(_object);
        var stderr = context.Err;
        if ((principalText is null) == (objectText is null))
        {
            throw new ConfigLoadException("usage: access needs exactly one of --principal P or --object O");
        }

        var (source, result) = context.Evaluate(stackFile);
        Reports.Diagnostics(stderr, result);
        if (!result.IsValid)
        {
            return ExitCode.Invalid;
        }

        string subject;
        IReadOnlyList<ClosureEntry> entries;
        string? note = null;
        if (principalText is not null)
        {
            if (!PrincipalRef.TryParse(principalText, out var principal, out var error))
            {
                throw new ConfigLoadException($"--principal: {error}");
            }

            if (!result.Model.Declares(principal) && !result.Graph!.Principals().Contains(principal))
            {
                throw new ConfigLoadException($"--principal: {principal} is not in the stack{Suggest.Hint(principal.ToString(), result.Graph!.Principals().Select(p => p.ToString()))}");
            }

            subject = principal.ToString();
            entries = result.Closure!.Of(principal);
        }
        else
        {
            if (!AccessObject.TryParse(objectText!, result.Model, out var obj, out var error))
            {
                throw new ConfigLoadException(error);
            }

            subject = obj!.Name;
            entries = result.Closure!.Who(obj);
            if (obj.Name == "tokens" && result.Model.TokenUsage is null)
            {
                note = "token permissions are not managed by this stack (topology.tokenUsage is not set): besides workspace admins, who may use tokens is the workspace's own setting";
            }
        }

        Reports.For(context.Format).Access(context.Out, new AccessReport(source, result, subject, entries, note));
        return ExitCodes.Of(result);
    }
}
