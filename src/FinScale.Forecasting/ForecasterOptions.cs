namespace FinScale.Forecasting;

/// <summary>Settings of a <see cref="SeasonalForecaster"/>. The defaults are the ones the capacity simulator uses on every trace.</summary>
public sealed record ForecasterOptions
{
    /// <summary>The sampling step; null infers it from the median spacing of the first observations.</summary>
    public TimeSpan? Step { get; init; }

    /// <summary>Two-sided coverage of the prediction interval (0.9: the upper bound is the 95th percentile of past errors).</summary>
    public double IntervalCoverage { get; init; } = 0.9;

    /// <summary>Horizons (in steps) for which out-of-sample errors are tracked separately; longer horizons scale the last one.</summary>
    public int TrackedHorizons { get; init; } = 12;

    /// <summary>Forecasts and the interval are clamped at zero (load cannot be negative).</summary>
    public bool NonNegative { get; init; } = true;

    /// <summary>How much history is kept for period detection and refits.</summary>
    public TimeSpan MaxHistory { get; init; } = TimeSpan.FromDays(35);

    /// <summary>How often (in data time) periods are re-detected and the smoothing parameters re-fitted.</summary>
    public TimeSpan RefitEvery { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Autocorrelation a candidate period needs to be accepted.</summary>
    public double MinSeasonalStrength { get; init; } = 0.3;

    /// <summary>Calendar effects.</summary>
    public CalendarOptions Calendar { get; init; } = new();
}
