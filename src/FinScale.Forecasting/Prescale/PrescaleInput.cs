namespace FinScale.Forecasting.Prescale;

/// <summary>What one recommendation is made from.</summary>
/// <param name="Forecast">Forecast points, each holding until the next; the latest at or before now and those starting within (now, now + lead] count. Empty: no predictive opinion.</param>
/// <param name="CurrentReplicas">Replicas the workload has now (its scale subresource's spec).</param>
/// <param name="ReactiveReplicas">The reactive signal (e.g. the HPA's raw recommendation from the current metric); null if none.</param>
public sealed record PrescaleInput(IReadOnlyList<ForecastPoint> Forecast, int CurrentReplicas, int? ReactiveReplicas = null);
