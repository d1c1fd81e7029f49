using FinScale.Contracts;

namespace FinScale.Detection.Multivariate;

/// <summary>
/// The multivariate score of one group's vector for one step: how unusual the combination of its features is for a model
/// trained only on the group's earlier vectors, and which features the model could not explain.
/// </summary>
/// <param name="Group">The group (<see cref="ServiceFeatureWindow.GroupMetric"/> with the group-by attributes, e.g. <c>service.name</c>).</param>
/// <param name="EventTimeMs">Start of the step, Unix ms.</param>
/// <param name="Score">Anomaly score in [0, 1]: 0.5 at a tail probability of 10^−<see cref="MultivariateOptions.RarityAtHalf"/> among the training vectors' errors; never NaN.</param>
/// <param name="Anomalous">True when <paramref name="Score"/> is at or above <see cref="MultivariateOptions.ScoreThreshold"/>.</param>
/// <param name="TopFeature">The feature with the largest share of the reconstruction error.</param>
/// <param name="ReconstructionError">Norm of the reconstruction residual in standardised units (what is calibrated).</param>
/// <param name="NormalizedError">ML.NET's PCA anomaly score of the vector: the residual norm over the distance from the training mean, in [0, 1].</param>
/// <param name="ModelTrainedThroughMs">Event time of the newest vector the scoring model was trained on; before <paramref name="EventTimeMs"/> in every score <see cref="PcaServiceDetector.Process"/> returns.</param>
/// <param name="ModelVersion">Which of the group's models scored it (1 for the first).</param>
/// <param name="Features">Every feature's value, deviation and part of the residual, in vector order.</param>
public sealed record ServiceAnomalyScore(
    SeriesKey Group,
    long EventTimeMs,
    double Score,
    bool Anomalous,
    string TopFeature,
    double ReconstructionError,
    double NormalizedError,
    long ModelTrainedThroughMs,
    long ModelVersion,
    IReadOnlyList<FeatureContribution> Features)
{
    /// <summary>
    /// The fewest features, largest share first, that together explain at least <paramref name="share"/> of the
    /// reconstruction error: e.g. latency and error rate when they moved together against throughput.
    /// </summary>
    public IReadOnlyList<string> DominantFeatures(double share = 0.8)
    {
        var ordered = Features.OrderByDescending(f => f.Share).ToList();
        var names = new List<string>(ordered.Count);
        double sum = 0;
        foreach (var f in ordered)
        {
            names.Add(f.Feature);
            sum += f.Share;
            if (sum >= share)
                break;
        }

        return names;
    }
}
