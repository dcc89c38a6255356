namespace DatabricksAccess.Topology.Model;

/// <summary>"Did you mean" for a name that is not known: the closest known one, when it is close enough to be a typo.</summary>
public static class Suggest
{
    /// <summary>The candidate nearest <paramref name="text"/> (case-insensitive edit distance, adjacent swaps count once), or null.</summary>
    public static string? Closest(string text, IEnumerable<string> candidates) =>
        Closest(text, candidates, Math.Min(3, Math.Max(1, text.Length / 3))); // a typo: at most a third of the name, and at most 3 edits

    /// <summary>The candidate nearest <paramref name="text"/> within <paramref name="limit"/> edits, or null.</summary>
    public static string? Closest(string text, IEnumerable<string> candidates, int limit)
    {
        if (text.Length > 200)
        {
            return null;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            if (c.Length > 200 || Math.Abs(c.Length - text.Length) > limit || string.Equals(c, text, StringComparison.Ordinal))
            {
                continue;
            }

            var d = Distance(text.ToLowerInvariant(), c.ToLowerInvariant());
            if (d <= limit && (d < bestDistance || (d == bestDistance && string.CompareOrdinal(c, best) < 0)))
            {
                best = c;
                bestDistance = d;
            }
        }

        return best;
    }

    /// <summary>"; did you mean 'x'?" or nothing.</summary>
    public static string Hint(string text, IEnumerable<string> candidates) =>
        Closest(text, candidates) is { } c ? $"; did you mean '{c}'?" : string.Empty;

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
