namespace FinScale.Forecasting;

/// <summary>
/// Out-of-sample forecast errors per horizon, scaled by the forecast's size (load errors grow with load), and their
/// empirical quantiles: the prediction interval is <c>mean + q × scale(mean)</c>. Bounded: the last
/// <see cref="Capacity"/> errors per horizon.
/// </summary>
internal sealed class ErrorTracker
{
    public const int Capacity = 1000;
    private const int MinErrors = 30;

    private readonly int _horizons;
    private readonly double[][] _errors;
    private readonly int[] _counts;
    private readonly int[] _next;
    private readonly (double Lo, double Hi)[] _quantiles;
    private readonly int[] _addedSinceQuantiles;
    private readonly double _loP;
    private readonly double _hiP;

    // The last _horizons forecasts: origin slot and means for h = 1.._horizons.
    private readonly long[] _origins;
    private readonly double[][] _means;
    private int _pending;

    private double _scaleMean;
    private long _seen;

    public ErrorTracker(int horizons, double coverage)
    {
        _horizons = Math.Max(1, horizons);
        _errors = new double[_horizons][];
        for (var h = 0; h < _horizons; h++)
            _errors[h] = new double[Capacity];
        _counts = new int[_horizons];
        _next = new int[_horizons];
        _quantiles = new (double, double)[_horizons];
        _addedSinceQuantiles = new int[_horizons];
        var c = Math.Clamp(coverage, 0.01, 0.999);
        _loP = (1 - c) / 2;
        _hiP = (1 + c) / 2;
        _origins = new long[_horizons];
        _means = new double[_horizons][];
        for (var i = 0; i < _horizons; i++)
            _means[i] = new double[_horizons];
        Array.Fill(_origins, long.MinValue);
    }

    /// <summary>Horizons tracked.</summary>
    public int Horizons => _horizons;

    /// <summary>The size an error at forecast <paramref name="mean"/> is measured against; floored so night-time zeros do not blow up.</summary>
    public double Scale(double mean) => Math.Max(Math.Abs(mean), 0.1 * _scaleMean + 1e-9);

    /// <summary>Scores the observed value of <paramref name="slot"/> against every pending forecast that covered it.</summary>
    public void Observe(long slot, double value)
    {
        _seen++;
        _scaleMean += (Math.Abs(value) - _scaleMean) / Math.Min(_seen, 500);
        for (var i = 0; i < _horizons; i++)
        {
            var h = slot - _origins[i];
            if (_origins[i] == long.MinValue || h < 1 || h > _horizons)
                continue;
            var mean = _means[i][h - 1];
            Add((int)h - 1, (value - mean) / Scale(mean));
        }
    }

    /// <summary>Remembers the forecast made after <paramref name="originSlot"/> (means for h = 1..).</summary>
    public void Remember(long originSlot, ReadOnlySpan<double> means)
    {
        var i = _pending;
        _pending = (_pending + 1) % _horizons;
        _origins[i] = originSlot;
        means[..Math.Min(means.Length, _horizons)].CopyTo(_means[i]);
    }

    /// <summary>Drops pending forecasts (after a reset) but keeps the error history.</summary>
    public void ForgetPending() => Array.Fill(_origins, long.MinValue);

    /// <summary>Scaled-error quantiles for horizon <paramref name="h"/> (1-based); null if too few errors were seen.</summary>
    public (double Lo, double Hi)? Quantiles(int h)
    {
        // Use the longest tracked horizon with enough errors at or below h, widened by sqrt of the ratio.
        for (var k = Math.Min(h, _horizons); k >= 1; k--)
        {
            if (_counts[k - 1] < MinErrors)
                continue;
            var (lo, hi) = QuantilesAt(k - 1);
            var widen = Math.Sqrt(h / (double)k);
            return (lo * widen, hi * widen);
        }

        return null;
    }

    private (double Lo, double Hi) QuantilesAt(int index)
    {
        if (_addedSinceQuantiles[index] == 0 && _quantiles[index] != default)
            return _quantiles[index];
        // Recompute at most every 20 new errors once warm: the sort is the only non-O(1) step here.
        if (_quantiles[index] != default && _addedSinceQuantiles[index] < 20)
            return _quantiles[index];
        var n = _counts[index];
        var sorted = new double[n];
        Array.Copy(_errors[index], sorted, n);
        Array.Sort(sorted);
        _quantiles[index] = (Quantile(sorted, _loP), Quantile(sorted, _hiP));
        _addedSinceQuantiles[index] = 0;
        return _quantiles[index];
    }

    private static double Quantile(double[] sorted, double p)
    {
        var pos = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private void Add(int index, double scaledError)
    {
        if (!double.IsFinite(scaledError))
            return;
        _errors[index][_next[index]] = scaledError;
        _next[index] = (_next[index] + 1) % Capacity;
        _counts[index] = Math.Min(_counts[index] + 1, Capacity);
        _addedSinceQuantiles[index]++;
    }
}
