using DatabricksAccess.Topology;

namespace DatabricksAccess.Cli.Verbs;

/// <summary>
/// The exit codes of every verb, in one place. check, plan, diff and access: 0 clean, 1 policy violations (diff: or a
/// transition refused), 2 invalid config or unreadable input. audit: 0 no findings, 1 findings, 2 cannot audit. guard:
/// 0 safe or allowed, 1 refused, 2 unreadable. adopt: 0 written and clean, 1 written with policy violations, 2 cannot
/// adopt (nothing written), 3 written with objects skipped. A usage error, an input error and a defect are 2, each
/// one line on stderr and no stack trace.
/// </summary>
internal enum ExitCode
{
    /// <summary>Clean: valid, no violations, nothing found, safe.</summary>
    Clean = 0,

    /// <summary>Policy violations, audit findings, or a transition or migration refused; the answer is still printed.</summary>
    Findings = 1,

    /// <summary>Invalid config, unreadable input, a usage error, a failed call or a defect; nothing is decided.</summary>
    Invalid = 2,

    /// <summary>adopt: written, with objects skipped that the model cannot hold.</summary>
    Skipped = 3,
}

internal static class ExitCodes
{
    /// <summary>An evaluation's own verdict: clean, violations or invalid.</summary>
    public static ExitCode Of(EvaluationResult result) => (ExitCode)result.ExitCode;

    /// <summary>The stronger of two codes (a refused transition is at least <see cref="ExitCode.Findings"/>).</summary>
    public static ExitCode AtLeast(this ExitCode code, ExitCode floor) => (ExitCode)Math.Max((int)code, (int)floor);
}
