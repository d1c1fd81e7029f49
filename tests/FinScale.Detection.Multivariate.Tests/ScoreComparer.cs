namespace FinScale.Detection.Multivariate.Tests;

/// <summary>Exact equality of two scores, field by field (the record's own equality compares the feature list by reference).</summary>
internal sealed class ScoreComparer : IEqualityComparer<ServiceAnomalyScore>
{
    public static ScoreComparer Instance { get; } = new();

    public bool Equals(ServiceAnomalyScore? x, ServiceAnomalyScore? y) =>
        x is not null && y is not null
        && x.Group == y.Group
        && x.EventTimeMs == y.EventTimeMs
        && x.Score.Equals(y.Score)
        && x.Anomalous == y.Anomalous
        && x.TopFeature == y.TopFeature
        && x.ReconstructionError.Equals(y.ReconstructionError)
        && x.NormalizedError.Equals(y.NormalizedError)
        && x.ModelTrainedThroughMs == y.ModelTrainedThroughMs
        && x.ModelVersion == y.ModelVersion
        && x.Features.SequenceEqual(y.Features);

    public int GetHashCode(ServiceAnomalyScore obj) => HashCode.Combine(obj.EventTimeMs, obj.Score);
}
