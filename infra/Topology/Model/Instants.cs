using System.Globalization;
using System.Text.RegularExpressions;

namespace DatabricksAccess.Topology.Model;

/// <summary>
/// How instants are written everywhere: ISO-8601, UTC, to the second, with the fraction of a second when there is
/// one (<c>2026-12-01T18:00:00.001Z</c>): an entry that expires a millisecond after now must not read as expiring
/// at now. Instants keep their full precision (ticks) from parsing through comparison to output.
/// </summary>
public static partial class Instants
{
    /// <summary>Instants are accepted from 1970 up to (not including) the year 9000: date arithmetic never overflows.</summary>
    public static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The instant in UTC; the fraction only when it is not zero (trailing zeros dropped, <c>.FFFFFFF</c>).</summary>
    public static string Format(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// To the second, as credential keepers were always written: a keeper is a replacement trigger, so its text must
    /// never change for a slot already deployed.
    /// </summary>
    public static string FormatToSecond(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// An ISO-8601 timestamp with an explicit time zone (<c>2026-12-01T18:00:00Z</c> or <c>+02:00</c>), in UTC; the error
    /// says what is wrong otherwise.
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset value, out string error)
    {
        value = default;
        if (!ZonedInstant().IsMatch(text))
        {
            error = "must be an ISO-8601 timestamp with a time zone, such as 2026-12-01T18:00:00Z";
            return false;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            error = "is not a valid timestamp";
            return false;
        }

        if (parsed < Earliest || parsed >= Latest)
        {
            error = "is outside the supported range (1970 to 8999)";
            return false;
        }

        value = parsed.ToUniversalTime();
        error = string.Empty;
        return true;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?([Zz]|[+-]\d{2}:?\d{2})$")]
    private static partial Regex ZonedInstant();
}
