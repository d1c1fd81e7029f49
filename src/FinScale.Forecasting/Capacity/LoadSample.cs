namespace FinScale.Forecasting.Capacity;

/// <summary>One point of a load trace: the load from <paramref name="TimestampMs"/> until the next point.</summary>
/// <param name="TimestampMs">Unix milliseconds.</param>
/// <param name="Value">Load (requests/s, messages per interval, ...): the unit capacity per replica is given in.</param>
public readonly record struct LoadSample(long TimestampMs, double Value);
