namespace FinScale.Detection.Histograms;

/// <summary>
/// Quantiles estimated from histogram buckets, the way Prometheus' <c>histogram_quantile</c> does: find the bucket
/// holding the rank and interpolate linearly inside it. Known min and max (OTLP carries them optionally) bound the
/// open-ended first and last buckets and clamp the result.
/// </summary>
public static class HistogramQuantile
{
    /// <summary>
    /// The <paramref name="q"/>-quantile of an explicit-bounds histogram: <paramref name="counts"/> has one more entry
    /// than <paramref name="bounds"/> (the last bucket is (last bound, +inf)); bucket i is (bounds[i-1], bounds[i]].
    /// </summary>
    /// <returns>The estimate, or NaN when the histogram is empty or malformed.</returns>
    public static double FromExplicitBuckets(ReadOnlySpan<double> bounds, ReadOnlySpan<double> counts, double q, double min = double.NaN, double max = double.NaN)
    {
        if (counts.Length == 0 || (bounds.Length != counts.Length - 1) || !(q is >= 0 and <= 1))
            return double.NaN;
        double total = 0;
        foreach (var c in counts)
        {
            if (!(c >= 0))
                return double.NaN;
            total += c;
        }

        if (total <= 0)
            return double.NaN;

        var rank = q * total;
        double before = 0;
        var i = 0;
        for (; i < counts.Length - 1; i++)
        {
            if (before + counts[i] >= rank && counts[i] > 0)
                break;
            before += counts[i];
        }

        // Skip empty trailing buckets the rank landed on the edge of.
        while (i < counts.Length - 1 && counts[i] == 0)
            i++;

        double lower, upper;
        if (bounds.Length == 0)
        {
            // One bucket, (-inf, +inf): only min and max say anything.
            lower = double.IsNaN(min) ? max : min;
            upper = double.IsNaN(max) ? min : max;
        }
        else if (i == 0)
        {
            upper = bounds[0];
            lower = !double.IsNaN(min) ? Math.Min(min, upper) : (upper > 0 ? 0 : upper);
        }
        else if (i == counts.Length - 1)
        {
            lower = bounds[^1];
            upper = !double.IsNaN(max) ? Math.Max(max, lower) : lower;
        }
        else
        {
            lower = bounds[i - 1];
            upper = bounds[i];
        }

        var inBucket = counts[i];
        var fraction = inBucket > 0 ? Math.Clamp((rank - before) / inBucket, 0, 1) : 1;
        var estimate = lower + ((upper - lower) * fraction);
        return Clamp(estimate, min, max);
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile of an OTLP exponential histogram: base = 2^(2^-scale); positive bucket at
    /// index <c>positiveOffset + k</c> covers (base^index, base^(index+1)]; negative buckets mirror it; values within
    /// the zero threshold count in <paramref name="zeroCount"/>.
    /// </summary>
    /// <returns>The estimate, or NaN when the histogram is empty or malformed.</returns>
    public static double FromExponentialBuckets(
        int scale,
        double zeroCount,
        int positiveOffset,
        ReadOnlySpan<double> positive,
        int negativeOffset,
        ReadOnlySpan<double> negative,
        double q,
        double min = double.NaN,
        double max = double.NaN)
    {
        if (!(q is >= 0 and <= 1) || scale is < -10 or > 20 || !(zeroCount >= 0))
            return double.NaN;
        var total = zeroCount;
        foreach (var c in positive)
            total += c >= 0 ? c : double.NaN;
        foreach (var c in negative)
            total += c >= 0 ? c : double.NaN;
        if (!(total > 0))
            return double.NaN;

        var logBase = Math.Log(2) * Math.Pow(2, -scale);
        var rank = q * total;
        double before = 0;

        // Ascending order of value: negative buckets from the largest magnitude down, the zero bucket, positive buckets up.
        for (var k = negative.Length - 1; k >= 0; k--)
        {
            var c = negative[k];
            if (c > 0 && before + c >= rank)
            {
                var index = negativeOffset + k;
                var lower = -Math.Exp((index + 1) * logBase);
                var upper = -Math.Exp(index * logBase);
                return Clamp(lower + ((upper - lower) * Math.Clamp((rank - before) / c, 0, 1)), min, max);
            }

            before += c;
        }

        if (zeroCount > 0 && before + zeroCount >= rank)
            return Clamp(0, min, max);
        before += zeroCount;

        for (var k = 0; k < positive.Length; k++)
        {
            var c = positive[k];
            if (c > 0 && before + c >= rank)
            {
                var index = positiveOffset + k;
                var lower = Math.Exp(index * logBase);
                var upper = Math.Exp((index + 1) * logBase);
                return Clamp(lower + ((upper - lower) * Math.Clamp((rank - before) / c, 0, 1)), min, max);
            }

            before += c;
        }

        return Clamp(double.IsNaN(max) ? double.NaN : max, min, max);
    }

    private static double Clamp(double v, double min, double max)
    {
        if (!double.IsNaN(min) && v < min)
            v = min;
        if (!double.IsNaN(max) && v > max)
            v = max;
        return v;
    }
}
