using System.ComponentModel.DataAnnotations;
using FinScale.Detection.Scoring;

namespace FinScale.Detection;

/// <summary>Tuning of the robust online baseline detector.</summary>
public sealed class DetectorOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Detection";

    /// <summary>Smoothing factor of the baseline once warmed up: the weight of the newest point.</summary>
    [Range(0.0001, 1.0)]
    public double Alpha { get; set; } = 0.01;

    /// <summary>
    /// Ensemble score at or above which a point opens an anomaly episode. An anomaly here can become a remediation, so
    /// the default asks more than NAB's optimum: <c>finscale nab</c> picks about 0.72 on the NAB development subset,
    /// where pure Gaussian noise still reaches it about once per 450 points. Over 40 seeded runs of 5,000 noise points
    /// (seeds 0..39, level 50 + seed, sigma 3, one point a minute, through <see cref="Scoring.ShardDetectorScorer"/>) the
    /// largest noise score was 0.817 (the next 0.795), so the default sits just above it at 0.82; over 200 such runs
    /// (a million points) two scores passed it (0.853, 0.856).
    /// </summary>
    [Range(0.01, 0.9999)]
    public double ScoreThreshold { get; set; } = 0.82;

    /// <summary>Points a series needs before it can raise an anomaly.</summary>
    [Range(2, 100_000)]
    public int WarmUpPoints { get; set; } = 30;

    /// <summary>Residuals are clipped at this many scales before they update the baseline, so outliers barely move it.</summary>
    [Range(1.0, 100.0)]
    public double Clip { get; set; } = 3.0;

    /// <summary>
    /// Consecutive calm points, each back within 3 scales of the value expected before the episode, that close an open
    /// episode (the series recovered).
    /// </summary>
    [Range(1, 100_000)]
    public int EpisodeCloseAfter { get; set; } = 5;

    /// <summary>
    /// Consecutive calm points that close an open episode even though the series never came back: the baseline has
    /// adapted and the new level is taken as normal. Until then a pod that stays slow stays anomalous (its episode open,
    /// so a refused action is still retried), however quickly the scores calm down.
    /// </summary>
    [Range(1, 1_000_000)]
    public int EpisodeAcceptAfter { get; set; } = 60;

    /// <summary>Tuning of the detector ensemble that scores every point (<c>Detection:Ensemble:*</c>).</summary>
    public EnsembleOptions Ensemble { get; set; } = new();

    /// <summary>Most distinct series the process tracks (metric name + identifying attributes); beyond it new series are refused, counted and reported.</summary>
    [Range(1, 100_000_000)]
    public int MaxSeries { get; set; } = 1_000_000;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // DataAnnotations does not descend into nested objects: validate the ensemble's ranges here, naming the key.
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Ensemble, new ValidationContext(Ensemble), results, validateAllProperties: true);
        foreach (var r in results)
            yield return new ValidationResult($"Ensemble:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}", r.MemberNames.Select(m => "Ensemble:" + m));
    }
}
