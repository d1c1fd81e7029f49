using System.Globalization;

namespace FinScale.Streaming.Replay;

/// <summary>How fast a replay runs: as fast as possible, or N times event time.</summary>
public readonly record struct ReplaySpeed(double Factor)
{
    /// <summary>As fast as the broker takes it.</summary>
    public static ReplaySpeed Max { get; } = new(double.PositiveInfinity);

    /// <summary>True when there is no pacing.</summary>
    public bool IsMax => double.IsPositiveInfinity(Factor);

    /// <summary>Parses <c>max</c> or a positive number (<c>60</c> = an hour of event time per minute).</summary>
    public static bool TryParse(string? text, out ReplaySpeed speed)
    {
        speed = Max;
        if (string.IsNullOrWhiteSpace(text) || string.Equals(text.Trim(), "max", StringComparison.OrdinalIgnoreCase))
            return true;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 && double.IsFinite(f))
        {
            speed = new ReplaySpeed(f);
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => IsMax ? "max" : Factor.ToString("G", CultureInfo.InvariantCulture) + "x";
}
