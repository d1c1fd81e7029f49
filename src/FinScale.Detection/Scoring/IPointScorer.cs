namespace FinScale.Detection.Scoring;

/// <summary>
/// Scores one series point by point, causally: the score of a point uses only that point and the ones before it.
/// One instance per series; not thread-safe.
/// </summary>
public interface IPointScorer
{
    /// <summary>Scores the next point of the series (in arrival order; timestamps may repeat, jump or step back) and learns from it.</summary>
    /// <returns>An anomaly score in [0, 1]; never NaN.</returns>
    double Score(long timestampMs, double value);
}

/// <summary>Makes a fresh <see cref="IPointScorer"/> per series.</summary>
public interface IPointScorerFactory
{
    /// <summary>The detector's name, as used in NAB results files (no underscore).</summary>
    string Name { get; }

    /// <summary>A scorer for a new series.</summary>
    IPointScorer Create();
}
