namespace FinScale.Forecasting.Tests;

/// <summary>Synthetic load series with known structure and a fixed seed.</summary>
internal static class Synthetic
{
    public static readonly long Start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(); // a Monday

    /// <summary>Daily shape (peak mid-day), optional weekend dip, AR(1) noise; values are load (non-negative).</summary>
    public static (long Ts, double Value)[] Load(TimeSpan step, TimeSpan length, double weekendFactor = 1.0, double noise = 0.05, int seed = 1, double burstProbability = 0)
    {
        var rng = new Random(seed);
        var n = (int)(length / step);
        var result = new (long, double)[n];
        var ar = 0.0;
        for (var i = 0; i < n; i++)
        {
            var ts = Start + (long)(i * step.TotalMilliseconds);
            var t = DateTimeOffset.FromUnixTimeMilliseconds(ts);
            var hour = t.TimeOfDay.TotalHours;
            var daily = 100 + 80 * Math.Sin((hour - 6) / 24 * 2 * Math.PI) + 30 * Math.Exp(-Math.Pow(hour - 12.5, 2) / 2);
            var weekend = t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? weekendFactor : 1.0;
            ar = 0.6 * ar + Gaussian(rng) * noise;
            var value = daily * weekend * (1 + ar);
            if (burstProbability > 0 && rng.NextDouble() < burstProbability)
                value *= 5;
            result[i] = (ts, Math.Max(0, value));
        }

        return result;
    }

    public static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
