namespace FinScale.Remediation.Diagnosis;

/// <summary>
/// Shell-style wildcard match for metric names: <c>*</c> matches any run of characters (also none),
/// <c>?</c> exactly one; everything else matches itself, ignoring case. No character classes, no escapes.
/// </summary>
public static class Glob
{
    /// <summary>True when <paramref name="pattern"/> matches the whole of <paramref name="text"/>.</summary>
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);

        // Greedy two-pointer walk: on a mismatch go back to the last '*' and let it swallow one more
        // character. Linear in practice, never exponential (no recursion per '*').
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || CharEquals(pattern[p], text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    /// <summary>True when any of <paramref name="patterns"/> matches <paramref name="text"/>.</summary>
    public static bool IsMatchAny(IEnumerable<string> patterns, string text)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns.Any(p => IsMatch(p, text));
    }

    private static bool CharEquals(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
}
