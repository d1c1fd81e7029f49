using System.ComponentModel.DataAnnotations;

namespace FinScale.Detection;

/// <summary>Tuning of the robust online baseline detector.</summary>
public sealed class DetectorOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Detection";

    /// <summary>Smoothing factor of the baseline once warmed up: the weight of the newest point.</summary>
    [Range(0.0001, 1.0)]
    public double Alpha { get; set; } = 0.02;

    /// <summary>Robust z-score at which the anomaly score is 0.5.</summary>
    [Range(0.5, 1000.0)]
    public double ZScale { get; set; } = 6.0;

    /// <summary>Score at or above which a point opens an anomaly episode.</summary>
    [Range(0.01, 0.9999)]
    public double ScoreThreshold { get; set; } = 0.5;

    /// <summary>Points a series needs before it can raise an anomaly.</summary>
    [Range(2, 100_000)]
    public int WarmUpPoints { get; set; } = 30;

    /// <summary>Residuals are clipped at this many scales before they update the baseline, so outliers barely move it.</summary>
    [Range(1.0, 100.0)]
    public double Clip { get; set; } = 3.0;

    /// <summary>Consecutive calm points that close an open episode.</summary>
    [Range(1, 100_000)]
    public int EpisodeCloseAfter { get; set; } = 5;

    /// <summary>Most distinct series the process tracks (metric name + identifying attributes); beyond it new series are refused, counted and reported.</summary>
    [Range(1, 100_000_000)]
    public int MaxSeries { get; set; } = 1_000_000;
}
