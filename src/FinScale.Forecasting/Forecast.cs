namespace FinScale.Forecasting;

/// <summary>A forecast and how it was made.</summary>
/// <param name="Points">One point per future step, nearest first.</param>
/// <param name="Model">The model in use.</param>
/// <param name="Description">The model, its parameters and why it was chosen, in one line (a fallback says so).</param>
public sealed record Forecast(IReadOnlyList<ForecastPoint> Points, ForecastModelKind Model, string Description)
{
    /// <summary>Whether a fallback for short or unseasonal history produced this forecast.</summary>
    public bool IsFallback => Model is not (ForecastModelKind.HoltWinters or ForecastModelKind.DoubleSeasonalHoltWinters);
}
