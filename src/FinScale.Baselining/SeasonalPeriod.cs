using System.Buffers;
using System.Runtime.InteropServices;

namespace FinScale.Baselining;

/// <summary>
/// Finds which of a few candidate periods (daily, weekly, ...) a series' history repeats with, by autocorrelation,
/// so its <see cref="SeasonalProfile"/> can map phases of that period to buckets; or finds none.
/// </summary>
/// <remarks>
/// <para>
/// Scalar and direct: for each candidate lag L the history is detrended by subtracting a centred moving average one
/// period long (which removes the level and any trend but keeps every pattern that repeats each L points), and the
/// Pearson correlation r(L) of the detrended history with itself L points later is compared with r(L/2). A candidate
/// is significant when
/// r(L) ≥ minCorrelation (the pattern explains a useful share of the variance),
/// r(L) ≥ 3 / sqrt(pairs) (it is not sampling noise of white noise, about 3 standard errors), and
/// r(L) − r(L/2) ≥ minCorrelation (L is a peak, not the slow drift of a random walk, whose correlation is as high half
/// a period away; a pattern that repeats every L/2 is reported as none rather than as L).
/// A candidate needs three periods of history: one is spent on the moving average and the correlation then covers
/// at least one whole period of pairs. Cost O(n) per candidate, with O(n) scratch rented from the shared pool.
/// </para>
/// <para>
/// Of the significant candidates the shortest wins unless a longer one correlates more strongly by more than
/// <see cref="LongerPeriodMargin"/>: a daily pattern also repeats weekly, and a weekly profile would learn seven times
/// slower for nothing, but a weekday/weekend pattern only repeats weekly and correlates clearly better there.
/// </para>
/// <para>
/// The history is taken as evenly sampled (element t at t steps); gaps shift the phase and weaken the correlation.
/// Non-finite values make every candidate insignificant: filter or fill them first.
/// </para>
/// </remarks>
public static class SeasonalPeriod
{
    /// <summary>A reasonable minimum correlation: the pattern accounts for about a third of the variance at its lag.</summary>
    public const double DefaultMinCorrelation = 0.3;

    /// <summary>By how much a longer significant period must out-correlate a shorter one to be chosen instead.</summary>
    public const double LongerPeriodMargin = 0.05;

    /// <summary>Shortest candidate lag: half a period must still be a distinct lag of at least two steps.</summary>
    public const int MinLag = 4;

    // About three standard errors of a white-noise autocorrelation estimated from this many pairs.
    private const double NoiseStandardErrors = 3.0;

    /// <summary>
    /// The candidate lag (in samples) the history repeats with most clearly, or 0 when none is significant or has
    /// enough history (three lags).
    /// </summary>
    public static int FindLag(ReadOnlySpan<float> history, ReadOnlySpan<int> candidateLags, double minCorrelation)
    {
        ThrowIfInvalidCorrelation(minCorrelation);
        foreach (int lag in candidateLags)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(lag, MinLag, nameof(candidateLags));
        }

        // Shortest first, so the margin rule can prefer it over a longer multiple.
        int[] lags = candidateLags.ToArray();
        Array.Sort(lags);
        int best = 0;
        double bestCorrelation = double.NegativeInfinity;
        foreach (int lag in lags)
        {
            if (!TryCorrelations(history, lag, out double atLag, out double atHalf, out int pairs))
            {
                continue;
            }

            bool significant = atLag >= minCorrelation
                && atLag >= NoiseStandardErrors / Math.Sqrt(pairs)
                && atLag - atHalf >= minCorrelation;
            if (significant && (best == 0 || atLag > bestCorrelation + LongerPeriodMargin))
            {
                best = lag;
                bestCorrelation = atLag;
            }
        }

        return best;
    }

    /// <summary>
    /// The candidate period an irregularly timestamped history repeats with most clearly, or null for none: each
    /// candidate becomes a lag of whole median time steps, then as <see cref="FindLag"/>.
    /// </summary>
    public static TimeSpan? Find(ReadOnlySpan<long> timestampsMs, ReadOnlySpan<float> values, ReadOnlySpan<TimeSpan> candidatePeriods, double minCorrelation)
    {
        if (values.Length != timestampsMs.Length)
        {
            throw new ArgumentException($"Length {values.Length} differs from the number of timestamps, {timestampsMs.Length}.", nameof(values));
        }

        ThrowIfInvalidCorrelation(minCorrelation);
        long stepMs = MedianStepMs(timestampsMs);
        if (stepMs <= 0)
        {
            return null;
        }

        // A candidate shorter than MinLag steps cannot be resolved at this sampling rate, so it is left out, not refused.
        var lags = new List<int>(candidatePeriods.Length);
        var periodOfLag = new Dictionary<int, TimeSpan>(candidatePeriods.Length);
        foreach (var period in candidatePeriods)
        {
            double steps = Math.Round(period.TotalMilliseconds / stepMs);
            if (steps >= MinLag && steps <= int.MaxValue && periodOfLag.TryAdd((int)steps, period))
            {
                lags.Add((int)steps);
            }
        }

        int lag = FindLag(values, CollectionsMarshal.AsSpan(lags), minCorrelation);
        return lag == 0 ? null : periodOfLag[lag];
    }

    /// <summary>The median of the positive differences between consecutive timestamps, or 0 when there are none.</summary>
    public static long MedianStepMs(ReadOnlySpan<long> timestampsMs)
    {
        if (timestampsMs.Length < 2)
        {
            return 0;
        }

        // Repeated or out-of-order timestamps say nothing about the sampling interval, so only forward steps count.
        long[] steps = ArrayPool<long>.Shared.Rent(timestampsMs.Length - 1);
        try
        {
            int count = 0;
            for (int t = 1; t < timestampsMs.Length; t++)
            {
                long step = timestampsMs[t] - timestampsMs[t - 1];
                if (step > 0)
                {
                    steps[count++] = step;
                }
            }

            if (count == 0)
            {
                return 0;
            }

            var forward = steps.AsSpan(0, count);
            forward.Sort();
            return forward[count / 2];
        }
        finally
        {
            ArrayPool<long>.Shared.Return(steps);
        }
    }

    /// <summary>
    /// The correlation of the history with itself lag samples later, after subtracting a centred moving average lag
    /// samples long; NaN when the history is shorter than three lags or has no variance left.
    /// </summary>
    public static double DetrendedAutocorrelation(ReadOnlySpan<float> history, int lag)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lag, MinLag);
        return TryCorrelations(history, lag, out double atLag, out _, out _) ? atLag : double.NaN;
    }

    private static bool TryCorrelations(ReadOnlySpan<float> history, int lag, out double atLag, out double atHalf, out int pairs)
    {
        atLag = atHalf = double.NaN;
        // The moving average leaves n - lag + 1 points; the correlation then needs at least one period of pairs.
        pairs = history.Length - 2 * lag + 1;
        if (pairs < lag)
        {
            return false;
        }

        int detrendedLength = history.Length - lag + 1;
        double[] rented = ArrayPool<double>.Shared.Rent(detrendedLength);
        try
        {
            var detrended = rented.AsSpan(0, detrendedLength);
            Detrend(history, lag, detrended);
            atLag = Correlation(detrended, lag);
            atHalf = Correlation(detrended, lag / 2);
            return true;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    // detrended[t] = history[t + lag/2] - mean(history[t .. t + lag)): a window one period long averages any pattern
    // of that period to a constant, so what it removes is level and trend, and what is left keeps the pattern.
    private static void Detrend(ReadOnlySpan<float> history, int lag, Span<double> detrended)
    {
        double sum = 0;
        for (int t = 0; t < lag; t++)
        {
            sum += history[t];
        }

        int centre = lag / 2;
        for (int t = 0; t < detrended.Length; t++)
        {
            if (t > 0)
            {
                sum += (double)history[t + lag - 1] - history[t - 1];
            }

            detrended[t] = history[t + centre] - sum / lag;
        }
    }

    // Pearson correlation of y[0 .. n-lag) with y[lag .. n): each side centred on its own mean, so a level that
    // differs between the two spans does not read as correlation.
    private static double Correlation(ReadOnlySpan<double> y, int lag)
    {
        int pairs = y.Length - lag;
        var early = y[..pairs];
        var late = y[lag..];
        double earlyMean = 0, lateMean = 0;
        for (int t = 0; t < pairs; t++)
        {
            earlyMean += early[t];
            lateMean += late[t];
        }

        earlyMean /= pairs;
        lateMean /= pairs;
        double cross = 0, earlySquares = 0, lateSquares = 0;
        for (int t = 0; t < pairs; t++)
        {
            double a = early[t] - earlyMean;
            double b = late[t] - lateMean;
            cross += a * b;
            earlySquares += a * a;
            lateSquares += b * b;
        }

        // No variance (a flat history) gives 0/0 = NaN, which no significance test passes.
        return cross / Math.Sqrt(earlySquares * lateSquares);
    }

    private static void ThrowIfInvalidCorrelation(double minCorrelation)
    {
        if (!(minCorrelation > 0 && minCorrelation <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minCorrelation), minCorrelation, "The minimum correlation must be in (0, 1].");
        }
    }
}
