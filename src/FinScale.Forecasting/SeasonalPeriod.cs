namespace FinScale.Forecasting;

/// <summary>A seasonal period found in the data.</summary>
/// <param name="Name"><c>daily</c>, <c>weekly</c>, or <c>data</c> for a period the data showed that is neither.</param>
/// <param name="Slots">Length in sampling steps.</param>
/// <param name="Length">Length in time.</param>
/// <param name="Strength">Autocorrelation of the detrended series at that lag (1 = perfectly periodic).</param>
public sealed record SeasonalPeriod(string Name, int Slots, TimeSpan Length, double Strength);
