namespace FinScale.Detection.Multivariate;

/// <summary>
/// Turns a reconstruction error into a tail probability among the training vectors' errors: the empirical share at or
/// above it (with one pseudo-count, so never 0) within the training range, and beyond the largest an exponential tail
/// fitted to the top tenth (peaks over threshold), so errors far past anything seen keep getting rarer instead of
/// saturating at 1/(n+1).
/// </summary>
internal sealed class TailCalibration
{
    private const double TailShare = 0.1;

    private readonly double[] _sorted;
    private readonly double _tailScale;

    private TailCalibration(double[] sorted, double tailScale)
    {
        _sorted = sorted;
        _tailScale = tailScale;
    }

    /// <summary>Training errors the calibration holds.</summary>
    public int Count => _sorted.Length;

    /// <summary>Fits the calibration; takes ownership of <paramref name="errors"/> (sorted in place).</summary>
    public static TailCalibration Fit(double[] errors)
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Length);
        Array.Sort(errors);
        var n = errors.Length;
        var max = errors[n - 1];
        var start = Math.Min((int)(n * (1 - TailShare)), n - 2);
        start = Math.Max(start, 0);
        var threshold = errors[start];
        double excess = 0;
        var count = 0;
        for (var i = start + 1; i < n; i++)
        {
            excess += errors[i] - threshold;
            count++;
        }

        var scale = count > 0 ? excess / count : 0;
        // A flat tail (all errors alike) still needs a finite, positive scale.
        scale = Math.Max(scale, Math.Max(Math.Abs(max) * 1e-6, 1e-12));
        return new TailCalibration(errors, scale);
    }

    /// <summary>Probability that a normal vector's error is at least <paramref name="error"/>, in (0, 1].</summary>
    public double TailProbability(double error)
    {
        var n = _sorted.Length;
        var i = LowerBound(error);
        if (i < n)
            return (n - i + 1.0) / (n + 1.0);
        var beyond = (error - _sorted[n - 1]) / _tailScale;
        return Math.Max(Math.Exp(-beyond) / (n + 1.0), double.Epsilon);
    }

    /// <summary>Index of the first training error at or above <paramref name="error"/>.</summary>
    private int LowerBound(double error)
    {
        int lo = 0, hi = _sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] < error)
                lo = mid + 1;
            else
                hi = mid;
        }

        return lo;
    }
}
