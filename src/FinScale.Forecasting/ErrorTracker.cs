namespace FinScale.Forecasting;

/// <summary>
/// Out-of-sample forecast errors per horizon and their empirical quantiles, kept two ways: scaled by the forecast's size
/// (interval <c>mean + q × scale(mean)</c>: errors that grow with load, as on a city's taxi demand) and as they are
/// (interval <c>mean + q</c>: noise of a steady size, as on small counts). Both are calibrated on the same errors; the
/// sharper one (narrower on average) is used. Bounded: the last <see cref="Capacity"/> errors per horizon.
/// </summary>
internal sealed class ErrorTracker
{
    public const int Capacity = 1000;
    private const int MinErrors = 30;

    private readonly int _horizons;
    private readonly double[][] _errors;
    private readonly double[][] _absolute;
    private readonly int[] _counts;
    private readonly int[] _next;
    private readonly (double Lo, double Hi, bool Relative)[] _quantiles;
    private readonly int[] _addedSinceQuantiles;
    private readonly double _loP;
    private readonly double _hiP;

    // The last _horizons forecasts: origin slot and means for h = 1.._horizons.
    private readonly long[] _origins;
    private readonly double[][] _means;
    private int _pending;

    private double _scaleMean;
    private double _averageScale;
    private long _seen;
    private long _scored;

    public ErrorTracker(int horizons, double coverage)
    {
        _horizons = Math.Max(1, horizons);
        _errors = new double[_horizons][];
        _absolute = new double[_horizons][];
        for (var h = 0; h < _horizons; h++)
        {
            _errors[h] = new double[Capacity];
            _absolute[h] = new double[Capacity];
        }

        _counts = new int[_horizons];
        _next = new int[_horizons];
        _quantiles = new (double, double, bool)[_horizons];
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
            var scale = Scale(mean);
            if (h == 1)
            {
                _scored++;
                _averageScale += (scale - _averageScale) / Math.Min(_scored, Capacity);
            }

            Add((int)h - 1, (value - mean) / scale, value - mean);
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

    /// <summary>Error quantiles for horizon <paramref name="h"/> (1-based), relative to <see cref="Scale"/> or absolute; null if too few errors were seen.</summary>
    public (double Lo, double Hi, bool Relative)? Quantiles(int h)
    {
        // Use the longest tracked horizon with enough errors at or below h, widened by sqrt of the ratio.
        for (var k = Math.Min(h, _horizons); k >= 1; k--)
        {
            if (_counts[k - 1] < MinErrors)
                continue;
            var (lo, hi, relative) = QuantilesAt(k - 1);
            var widen = Math.Sqrt(h / (double)k);
            return (lo * widen, hi * widen, relative);
        }

        return null;
    }

    private (double Lo, double Hi, bool Relative) QuantilesAt(int index)
    {
        // Recompute at most every 20 new errors once warm: the sort is the only non-O(1) step here.
        if (_quantiles[index] != default && _addedSinceQuantiles[index] < 20)
            return _quantiles[index];
        var n = _counts[index];
        var sorted = new double[n];
        Array.Copy(_errors[index], sorted, n);
        Array.Sort(sorted);
        var (relLo, relHi) = (Quantile(sorted, _loP), Quantile(sorted, _hiP));
        Array.Copy(_absolute[index], sorted, n);
        Array.Sort(sorted);
        var (absLo, absHi) = (Quantile(sorted, _loP), Quantile(sorted, _hiP));
        var relative = (relHi - relLo) * _averageScale <= absHi - absLo;
        _quantiles[index] = relative ? (relLo, relHi, true) : (absLo, absHi, false);
        _addedSinceQuantiles[index] = 0;
        return _quantiles[index];
    }

    /// <summary>Whether the one-step interval uses errors relative to the forecast (else absolute), for the description.</summary>
    public bool? RelativeAtOneStep => _counts[0] >= MinErrors ? QuantilesAt(0).Relative : null;

    private static double Quantile(double[] sorted, double p)
    {
        var pos = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private void Add(int index, double scaledError, double error)
    {
        if (!double.IsFinite(scaledError) || !double.IsFinite(error))
            return;
        _errors[index][_next[index]] = scaledError;
        _absolute[index][_next[index]] = error;
        _next[index] = (_next[index] + 1) % Capacity;
        _counts[index] = Math.Min(_counts[index] + 1, Capacity);
        _addedSinceQuantiles[index]++;
    }
}
