namespace FinScale.Remediation.Policy;

/// <summary>"Did you mean" for misspelt keys and names: the closest candidate within a small edit distance.</summary>
internal static class Suggestions
{
    /// <summary>The candidate nearest <paramref name="input"/> (case-insensitive, '-' and '_' alike), or null when none is close.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        var a = Normalise(input);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(a, Normalise(candidate));
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }

        // A third of the word, at least one and at most three edits: "cooldwn" finds "cooldown", "foo" finds nothing.
        var limit = Math.Clamp(a.Length / 3, 1, 3);
        return bestDistance <= limit ? best : null;
    }

    private static string Normalise(string s) => s.ToLowerInvariant().Replace('-', '_');

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
