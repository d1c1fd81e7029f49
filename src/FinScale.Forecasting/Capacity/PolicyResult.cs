namespace FinScale.Forecasting.Capacity;

/// <summary>How one scaling policy did on a trace.</summary>
/// <param name="Policy"><c>hpa</c>, <c>predictive</c> or <c>predictive+reactive</c>.</param>
/// <param name="UnderprovisionedMinutes">Minutes with load above ready capacity (ready replicas × capacity per replica).</param>
/// <param name="ReplicaHours">Replica-hours paid for (starting pods included).</param>
/// <param name="ScalingEvents">Number of replica-count changes.</param>
/// <param name="Mase">One-step forecast MAE / seasonal-naive (daily lag) MAE on the same points; null for a reactive policy.</param>
/// <param name="MaseVsNaive">One-step forecast MAE / naive (last value) MAE on the same points, the harder bar at short horizons; null for a reactive policy.</param>
public sealed record PolicyResult(string Policy, double UnderprovisionedMinutes, double ReplicaHours, int ScalingEvents, double? Mase, double? MaseVsNaive = null);
