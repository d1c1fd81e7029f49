namespace FinScale.Forecasting;

/// <summary>Which model produced a forecast; the first three are fallbacks for short or unseasonal history.</summary>
public enum ForecastModelKind
{
    /// <summary>Too few observations to infer the sampling step: the mean of what was seen.</summary>
    Warmup,

    /// <summary>Simple exponential smoothing: less than one season of history, or no seasonality found.</summary>
    SimpleExponentialSmoothing,

    /// <summary>Seasonal-naive on the daily lag: between one and two seasons of history.</summary>
    SeasonalNaive,

    /// <summary>Additive Holt-Winters with one detected season, calendar factors and an AR(1) error correction.</summary>
    HoltWinters,

    /// <summary>Additive double-seasonal (daily × weekly) Holt-Winters with calendar factors and an AR(1) error correction.</summary>
    DoubleSeasonalHoltWinters,
}
