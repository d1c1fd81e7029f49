namespace FinScale.Forecasting;

/// <summary>One forecast step: the expected value and a prediction interval for the slot starting at <see cref="TimestampMs"/>.</summary>
/// <param name="TimestampMs">Start of the forecast slot, Unix milliseconds.</param>
/// <param name="Mean">Point forecast.</param>
/// <param name="Lower">Lower bound of the prediction interval.</param>
/// <param name="Upper">Upper bound of the prediction interval.</param>
public readonly record struct ForecastPoint(long TimestampMs, double Mean, double Lower, double Upper);
