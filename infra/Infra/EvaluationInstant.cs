using DatabricksAccess.Topology.Model;
using Pulumi;

namespace DatabricksAccess.Infra;

/// <summary>
/// The instant a run evaluates the topology at (expiry, starts, rotation slots). The deploy workflow fixes it once per
/// deploy (<c>DATABRICKS_ACCESS_NOW</c>, RFC 3339) for the guard's <c>pulumi preview</c>, the guard itself (<c>--now</c>)
/// and the <c>up</c>: pulumi/actions runs <c>up</c> with <c>--skip-preview</c> [fact: automation-up-skip-preview], a second evaluation of the program, so without one instant a membership
/// that expires between the preview and the <c>up</c> would be applied differently from what the guard checked. The
/// variable reaches the program through the CLI and the language host, which pass their environment on. Unset, the
/// system clock applies (a developer's preview, the scheduled jobs).
/// </summary>
public static class EvaluationInstant
{
    public const string Variable = "DATABRICKS_ACCESS_NOW";

    /// <summary>The clock of one run: fixed at <paramref name="text"/> when set; an unreadable value fails the run before anything is registered.</summary>
    public static TimeProvider Clock(string? text, TimeProvider system)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return system;
        }

        if (!Instants.TryParse(text, out var value, out var error))
        {
            throw new RunException($"{Variable}: '{text}' {error}");
        }

        return new Fixed(value);
    }

    /// <summary>A clock fixed at <paramref name="instant"/>.</summary>
    public static TimeProvider At(DateTimeOffset instant) => new Fixed(instant);

    private sealed class Fixed(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
