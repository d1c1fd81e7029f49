namespace FinScale.Detection.Multivariate;

/// <summary>Whole-text wildcard matching where <c>*</c> stands for any run of characters (ordinal, no allocation).</summary>
internal static class Glob
{
    /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/> from start to end.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Greedy with one backtrack point: the last '*' seen and where in the text it started matching.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
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
}
