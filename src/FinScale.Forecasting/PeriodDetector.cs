using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace FinScale.Forecasting;

/// <summary>
/// Finds seasonal periods from the data: the autocorrelation function (by FFT) of the linearly detrended, winsorised (and,
/// for non-negative load, log-compressed) series is checked
/// at the daily and weekly candidate lags and at the data's own strongest peak. A candidate needs two full cycles of history.
/// </summary>
public static class PeriodDetector
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>Detects periods in regularly spaced <paramref name="values"/> (NaN counts as missing and is mean-filled).</summary>
    /// <param name="values">The series on a regular grid.</param>
    /// <param name="step">The grid's step.</param>
    /// <param name="minStrength">Autocorrelation a candidate needs to be accepted.</param>
    public static PeriodDetection Detect(ReadOnlySpan<double> values, TimeSpan step, double minStrength = 0.3)
    {
        var n = values.Length;
        if (n < 8 || step <= TimeSpan.Zero)
            return PeriodDetection.None;

        var acf = Autocorrelation(values, out var flat);
        if (flat)
            return new PeriodDetection([], 0, 0, true);

        var maxLag = n / 2;
        var (dominantLag, dominantAcf) = DominantPeak(acf, maxLag);

        var periods = new List<SeasonalPeriod>();
        var daySlots = SlotsOf(Day, step);
        var weekSlots = SlotsOf(Week, step);
        var dailyAcf = daySlots >= 2 && daySlots <= maxLag ? PeakNear(acf, daySlots) : double.NaN;
        if (dailyAcf >= minStrength)
            periods.Add(new SeasonalPeriod("daily", daySlots, Day, dailyAcf));

        var weeklyAcf = weekSlots >= 2 && weekSlots <= maxLag ? PeakNear(acf, weekSlots) : double.NaN;
        // Weekly earns a second season only if a week ago explains more than a day ago does (weekday/weekend differ);
        // for a purely daily series the two lags correlate alike.
        if (weeklyAcf >= minStrength && (periods.Count == 0 || weeklyAcf > dailyAcf + 0.05))
            periods.Add(new SeasonalPeriod("weekly", weekSlots, Week, weeklyAcf));

        // The data's own period needs three cycles: with two, any slow wander shows up as a "period" of half the history.
        if (periods.Count == 0 && dominantLag >= 2 && dominantLag <= n / 3 && dominantAcf >= minStrength)
            periods.Add(new SeasonalPeriod("data", dominantLag, step * dominantLag, dominantAcf));

        return new PeriodDetection(periods, dominantLag, dominantAcf, false);
    }

    private static int SlotsOf(TimeSpan period, TimeSpan step)
    {
        var slots = period.Ticks / (double)step.Ticks;
        // Only whole numbers of steps make a season on this grid.
        return Math.Abs(slots - Math.Round(slots)) < 1e-6 ? (int)Math.Round(slots) : 0;
    }

    private static double PeakNear(double[] acf, int lag)
    {
        var best = double.NegativeInfinity;
        for (var k = Math.Max(1, lag - 1); k <= Math.Min(acf.Length - 1, lag + 1); k++)
            best = Math.Max(best, acf[k]);
        return best;
    }

    private static (int Lag, double Acf) DominantPeak(double[] acf, int maxLag)
    {
        // Skip the short-lag decay: start after the first zero crossing so smoothness is not mistaken for a season.
        var start = 1;
        while (start <= maxLag && acf[start] > 0)
            start++;
        // Peaks up to a third of the history (three cycles); the unbiased estimate is too noisy beyond that.
        var end = Math.Min(maxLag, (acf.Length / 3) + 1);
        var peaks = new List<int>();
        var best = double.NegativeInfinity;
        for (var k = Math.Max(start, 2); k < end; k++)
        {
            if (acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1])
            {
                peaks.Add(k);
                best = Math.Max(best, acf[k]);
            }
        }

        // The fundamental: the shortest lag nearly as strong as the strongest (its multiples correlate as well).
        foreach (var k in peaks)
        {
            if (acf[k] >= 0.9 * best)
                return (k, acf[k]);
        }

        return (0, 0);
    }

    /// <summary>
    /// Bursts dominate an autocorrelation (one tweet storm outweighs weeks of daily rhythm), so the series is winsorised at
    /// its 1st and 99th percentiles and, when it is a non-negative load, log-compressed relative to its median.
    /// </summary>
    private static void Robustify(double[] x)
    {
        if (x.Length < 20)
            return;
        var sorted = (double[])x.Clone();
        Array.Sort(sorted);
        var lo = sorted[(int)(0.01 * (sorted.Length - 1))];
        var hi = sorted[(int)Math.Ceiling(0.99 * (sorted.Length - 1))];
        var median = sorted[sorted.Length / 2];
        var nonNegative = sorted[0] >= 0;
        var scale = Math.Max(Math.Max(median, 0.1 * sorted.Average()), 1e-9);
        for (var i = 0; i < x.Length; i++)
        {
            var v = Math.Clamp(x[i], lo, hi);
            x[i] = nonNegative ? Math.Log(1 + v / scale) : v;
        }
    }

    /// <summary>Unbiased autocorrelation of the detrended series for every lag 0..n-1, computed with one FFT pair.</summary>
    internal static double[] Autocorrelation(ReadOnlySpan<double> values, out bool flat)
    {
        var n = values.Length;
        double sum = 0;
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            if (double.IsFinite(values[i]))
            {
                sum += values[i];
                count++;
            }
        }

        var mean = count == 0 ? 0 : sum / count;
        var x = new double[n];
        for (var i = 0; i < n; i++)
            x[i] = double.IsFinite(values[i]) ? values[i] : mean;

        // Flatness is judged on the values as given, before the robust transform changes their scale.
        double rawVariance = 0;
        for (var i = 0; i < n; i++)
            rawVariance += (x[i] - mean) * (x[i] - mean);
        var scale = Math.Max(1e-12, Math.Abs(mean));
        flat = rawVariance == 0 || rawVariance / n < 1e-12 * scale * scale;
        var acf = new double[n];
        if (flat)
            return acf;
        Robustify(x);

        // Least-squares line through (i, x[i]).
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < n; i++)
        {
            sx += i;
            sy += x[i];
            sxx += (double)i * i;
            sxy += i * x[i];
        }

        var denominator = n * sxx - sx * sx;
        var slope = denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
        var intercept = (sy - slope * sx) / n;
        double variance = 0;
        for (var i = 0; i < n; i++)
        {
            x[i] -= intercept + slope * i;
            variance += x[i] * x[i];
        }

        if (variance == 0)
            return acf; // not flat, but nothing left once the bursts are clipped (e.g. mostly zeros): no periods

        var size = 1;
        while (size < 2 * n)
            size <<= 1;
        var buffer = new Complex[size];
        for (var i = 0; i < n; i++)
            buffer[i] = new Complex(x[i], 0);
        Fourier.Forward(buffer, FourierOptions.Matlab);
        for (var i = 0; i < size; i++)
            buffer[i] = new Complex(buffer[i].Real * buffer[i].Real + buffer[i].Imaginary * buffer[i].Imaginary, 0);
        Fourier.Inverse(buffer, FourierOptions.Matlab);

        var r0 = buffer[0].Real / n;
        for (var k = 0; k < n; k++)
            acf[k] = buffer[k].Real / (n - k) / r0;
        return acf;
    }
}
