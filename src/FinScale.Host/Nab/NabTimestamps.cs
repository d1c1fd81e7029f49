using System.Globalization;

namespace FinScale.Host.Nab;

/// <summary>NAB's timestamps: <c>yyyy-MM-dd HH:mm:ss</c> in data files, <c>yyyy-MM-dd HH:mm:ss.ffffff</c> in label files, no zone: read as UTC.</summary>
internal static class NabTimestamps
{
    private static readonly string[] Formats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    /// <summary>Milliseconds since the Unix epoch of <paramref name="text"/>, read as UTC; false when it is not a NAB timestamp.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out long unixMs)
    {
        if (DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            unixMs = t.ToUnixTimeMilliseconds();
            return true;
        }

        unixMs = 0;
        return false;
    }
}
