using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace FinScale.Remediation.Policy;

/// <summary>
/// Durations as a policy writes them: a number and a unit, possibly several (<c>500ms</c>, <c>30s</c>, <c>15m</c>,
/// <c>2h</c>, <c>1d</c>, <c>1h30m</c>), or ISO-8601 (<c>PT15M</c>, <c>P1D</c>). A bare number is not a duration: the unit is never guessed.
/// </summary>
public static partial class PolicyDuration
{
    /// <summary>Parses <paramref name="text"/>; false when it is neither form (or overflows). Zero and negative ISO values parse; range checks are the caller's.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        text = text.Trim();
        if (text[0] is 'P' or 'p' or '-')
        {
            try
            {
                value = XmlConvert.ToTimeSpan(text.ToUpperInvariant());
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        var match = Units().Match(text);
        if (!match.Success)
            return false;
        double ms = 0;
        for (var i = 0; i < match.Groups["n"].Captures.Count; i++)
        {
            var n = double.Parse(match.Groups["n"].Captures[i].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            ms += n * match.Groups["u"].Captures[i].Value switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => 86_400_000, // d
            };
        }

        if (ms >= TimeSpan.MaxValue.TotalMilliseconds)
            return false;
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    // "ms" before "m" and "s" so 500ms is not read as 500m + s.
    [GeneratedRegex(@"^(?:(?<n>\d+(?:\.\d+)?)(?<u>ms|d|h|m|s))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Units();
}
