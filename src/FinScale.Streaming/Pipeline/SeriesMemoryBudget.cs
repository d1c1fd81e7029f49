namespace FinScale.Streaming.Pipeline;

/// <summary>
/// How many series a process can baseline in the memory the GC may use. <c>Detection:MaxSeries</c> (a million by
/// default) is a cardinality cap; in a container the GC's heap is held to 75 % of the memory limit, and a process whose
/// series outgrow that fails with <see cref="OutOfMemoryException"/> and restarts into the same load. So the cap in force
/// is the smaller of <c>Detection:MaxSeries</c> and what fits: series past it are refused and counted like any past the
/// cap (<c>finscale_points_dropped_total{reason="series_cap"}</c>), and the process keeps baselining the ones it has.
/// </summary>
internal static class SeriesMemoryBudget
{
    /// <summary>
    /// GC heap a series may take, the worst case: a mature one (both seasonal profiles full) measured 938 B at a million
    /// (<c>finscale bench --series 1000000 --tick-step 2h</c>: detector state, catalog key, the decoder's slot), rounded
    /// up. Young series take less than half.
    /// </summary>
    public const long BytesPerSeries = 1024;

    /// <summary>GC heap the rest of the pipeline holds whatever its series: hosting, batch pools, channels, the exemplar index, the decision stage.</summary>
    public const long FixedBytes = 96L << 20;

    /// <summary>Share of the GC's available memory the budget plans to fill: the GC needs room to allocate and collect.</summary>
    public const double Fill = 0.85;

    /// <summary>The cap never falls below this, however small the memory: a process too small for it fails on its own terms.</summary>
    public const int Floor = 1_000;

    /// <summary>
    /// The series cap in force: <paramref name="maxSeries"/>, or fewer when <paramref name="gcAvailableBytes"/> (the GC's
    /// <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: its hard limit in a container, physical memory otherwise)
    /// would not hold that many.
    /// </summary>
    public static int Cap(int maxSeries, long gcAvailableBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeries, 1);
        if (gcAvailableBytes <= 0)
            return maxSeries; // unknown: nothing to size against
        var fits = ((gcAvailableBytes * Fill) - FixedBytes) / BytesPerSeries;
        var cap = (long)Math.Max(fits, Floor);
        return (int)Math.Min(maxSeries, cap);
    }
}
