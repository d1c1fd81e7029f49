namespace FinScale.Forecasting.Capacity;

/// <summary>The outcome of a capacity simulation.</summary>
/// <param name="CapacityPerReplica">Capacity per replica used.</param>
/// <param name="CapacityRule">How it was chosen.</param>
/// <param name="Lead">Pre-scale lead time used.</param>
/// <param name="Samples">Trace samples used (after dropping bad ones).</param>
/// <param name="EvaluatedFromMs">Start of the scored period, Unix ms.</param>
/// <param name="EvaluatedToMs">End of the scored period, Unix ms.</param>
/// <param name="Policies">Per policy: HPA, predictive, predictive + reactive.</param>
/// <param name="ForecastModel">The forecaster's model at the end of the trace.</param>
/// <param name="Warnings">What was wrong with the trace, and the forecaster's warnings, summarised.</param>
public sealed record CapacitySimResult(
    double CapacityPerReplica,
    string CapacityRule,
    TimeSpan Lead,
    int Samples,
    long EvaluatedFromMs,
    long EvaluatedToMs,
    IReadOnlyList<PolicyResult> Policies,
    string ForecastModel,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Predictive + reactive under-provisioned time over the HPA's; null when the HPA was never under-provisioned.</summary>
    public double? UnderprovisionedRatio =>
        Policies.Count == 3 && Policies[0].UnderprovisionedMinutes > 0 ? Policies[2].UnderprovisionedMinutes / Policies[0].UnderprovisionedMinutes : null;

    /// <summary>Predictive + reactive replica-hours over the HPA's; null when the HPA used none.</summary>
    public double? CostRatio =>
        Policies.Count == 3 && Policies[0].ReplicaHours > 0 ? Policies[2].ReplicaHours / Policies[0].ReplicaHours : null;
}
