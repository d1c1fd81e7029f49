namespace FinScale.Forecasting;

/// <summary>The outcome of <see cref="PeriodDetector.Detect"/>.</summary>
/// <param name="Periods">Accepted periods, shortest first (at most two: the model is double-seasonal at most).</param>
/// <param name="DominantLag">The lag of the highest autocorrelation peak (in steps), whether or not accepted; 0 if none.</param>
/// <param name="DominantStrength">Autocorrelation at <paramref name="DominantLag"/>.</param>
/// <param name="IsFlat">The series has (almost) no variance: nothing can be detected.</param>
public sealed record PeriodDetection(IReadOnlyList<SeasonalPeriod> Periods, int DominantLag, double DominantStrength, bool IsFlat)
{
    /// <summary>No periods, nothing detected.</summary>
    public static PeriodDetection None { get; } = new([], 0, 0, false);

    /// <inheritdoc/>
    public override string ToString() =>
        IsFlat ? "flat series" :
        Periods.Count == 0 ? $"no period (dominant lag {DominantLag}, acf {DominantStrength:F2})" :
        string.Join(" × ", Periods.Select(p => $"{p.Name} {p.Length} ({p.Slots} steps, acf {p.Strength:F2})"));
}
