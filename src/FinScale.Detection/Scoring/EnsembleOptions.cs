using System.ComponentModel.DataAnnotations;

namespace FinScale.Detection.Scoring;

/// <summary>
/// Tuning of <see cref="EnsembleScorer"/>. The defaults are general-purpose: no constant is per series, and none was
/// derived from labels (only the alarm threshold is chosen on labelled data, by <c>finscale nab</c>).
/// </summary>
public sealed class EnsembleOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Detection:Ensemble";

    /// <summary>Weight of the newest point in the level and the residual scales, once warmed up.</summary>
    [Range(0.0001, 1.0)]
    public double Alpha { get; set; } = 0.01;

    /// <summary>Residuals are clipped at this many scales before they update a model.</summary>
    [Range(1.0, 100.0)]
    public double Clip { get; set; } = 3;

    /// <summary>Weight of the newest point in the short-run mean and mean |z| (the level-shift and volatility families).</summary>
    [Range(0.001, 1.0)]
    public double ShiftAlpha { get; set; } = 0.05;

    /// <summary>Points a series learns from before it scores.</summary>
    [Range(3, 1_000_000)]
    public long WarmUp { get; set; } = 100;

    /// <summary>Forgetting rate of the calibration histograms (1/rate ≈ the points they remember).</summary>
    [Range(0.00001, 0.1)]
    public double CalibrationAlpha { get; set; } = 0.001;

    /// <summary>Rarity added per unit of log-statistic beyond the largest seen.</summary>
    [Range(0.0, 100.0)]
    public double BeyondMaxWeight { get; set; } = 2;

    /// <summary>Per point, the share by which the largest value seen (in log(1 + statistic)) fades, so an old record does not mute a series forever.</summary>
    [Range(0.0, 0.1)]
    public double MaxDecay { get; set; } = 0.0001;

    /// <summary>Rarity (−log10 p) that opens an episode.</summary>
    [Range(0.5, 20.0)]
    public double EpisodeStart { get; set; } = 2.5;

    /// <summary>Points an episode lasts after its last scoring point; within it only escalations score, against a bar that falls linearly back to <see cref="EpisodeStart"/> by its end.</summary>
    [Range(1, 1_000_000)]
    public long EpisodeLength { get; set; } = 150;

    /// <summary>Factor over the episode's largest rarity that counts as an escalation right after the episode's last scoring point (the bar then falls towards <see cref="EpisodeStart"/>).</summary>
    [Range(1.0, 100.0)]
    public double Escalation { get; set; } = 1.2;

    /// <summary>Phase buckets of the daily profile.</summary>
    [Range(1, 1440)]
    public int DailyBuckets { get; set; } = 96;

    /// <summary>Phase buckets of the weekly profile.</summary>
    [Range(1, 2016)]
    public int WeeklyBuckets { get; set; } = 168;

    /// <summary>Weight of the newest visit in a profile bucket.</summary>
    [Range(0.001, 1.0)]
    public double SeasonalAlpha { get; set; } = 0.2;

    /// <summary>Periods a profile must have seen before it may predict.</summary>
    [Range(1.0, 10.0)]
    public double SeasonalWarmPeriods { get; set; } = 1.5;

    /// <summary>A seasonal model replaces a simpler one when its residual scale is below this share of the simpler one's.</summary>
    [Range(0.1, 1.0)]
    public double SeasonalAdvantage { get; set; } = 1.0;
}

/// <summary>Makes <see cref="EnsembleScorer"/>s with one tuning.</summary>
public sealed class EnsembleScorerFactory(EnsembleOptions? options = null) : IPointScorerFactory
{
    private readonly EnsembleOptions _options = options ?? new EnsembleOptions();

    /// <inheritdoc/>
    public string Name => "ensemble-solo";

    /// <inheritdoc/>
    public IPointScorer Create() => new EnsembleScorer(_options);
}
