namespace FinScale.Forecasting.Prescale;

/// <summary>
/// Pre-scale recommendation, a pure function: replicas needed over the next lead time are the highest forecast upper bound
/// over [now, now + lead] divided by the capacity per replica, rounded up (a point holds until the next one, so the latest
/// point at or before now counts too: pass the current observation as a point with its value as the bound); the larger of that and the reactive signal is the
/// raw recommendation (predictive autoscalers take the max so a forecast miss never scales below what the load needs now).
/// Stabilisation is the HPA's: scale up to the lowest raw recommendation within the up window, down to the highest
/// within the down window. No I/O, no clock: <c>now</c> and the history are passed in, the next history is returned.
/// </summary>
public static class PrescaleRecommender
{
    /// <summary>Recommends a replica count.</summary>
    /// <param name="input">Forecast, current replicas and the reactive signal.</param>
    /// <param name="options">Capacity per replica, lead time, bounds and stabilisation windows.</param>
    /// <param name="history">The history returned by the previous call (or <see cref="RecommendationHistory.Empty"/>).</param>
    /// <param name="now">Event time of the decision.</param>
    /// <exception cref="ArgumentOutOfRangeException">Capacity per replica is not positive, or min/max replicas are inconsistent.</exception>
    public static PrescaleRecommendation Recommend(PrescaleInput input, PrescaleOptions options, RecommendationHistory history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        history ??= RecommendationHistory.Empty;
        if (!(options.CapacityPerReplica > 0) || !double.IsFinite(options.CapacityPerReplica))
            throw new ArgumentOutOfRangeException(nameof(options), options.CapacityPerReplica, "CapacityPerReplica must be a positive number");
        if (options.MinReplicas < 0 || options.MaxReplicas < options.MinReplicas)
            throw new ArgumentOutOfRangeException(nameof(options), $"MinReplicas {options.MinReplicas} and MaxReplicas {options.MaxReplicas} are inconsistent");

        var nowMs = now.ToUnixTimeMilliseconds();
        var untilMs = nowMs + (long)options.Lead.TotalMilliseconds;
        // Each point holds from its timestamp to the next one: the window (now, now + lead] is covered by the latest point at
        // or before now (the one in force) and every point starting inside it.
        double? upper = null;
        var inForce = long.MinValue;
        var inForceUpper = double.NaN;
        foreach (var point in input.Forecast)
        {
            if (!double.IsFinite(point.Upper) || point.TimestampMs > untilMs)
                continue;
            if (point.TimestampMs <= nowMs)
            {
                if (point.TimestampMs >= inForce)
                {
                    inForce = point.TimestampMs;
                    inForceUpper = point.Upper;
                }

                continue;
            }

            upper = upper is { } u ? Math.Max(u, point.Upper) : point.Upper;
        }

        if (inForce != long.MinValue)
            upper = upper is { } u ? Math.Max(u, inForceUpper) : inForceUpper;

        int? predictive = upper is { } top ? ToReplicas(top / options.CapacityPerReplica, options.MaxReplicas) : null;
        var current = Math.Max(0, input.CurrentReplicas);
        var raw = (predictive, input.ReactiveReplicas) switch
        {
            ({ } p, { } r) => Math.Max(p, r),
            ({ } p, null) => p,
            (null, { } r) => r,
            _ => current,
        };
        raw = Math.Clamp(raw, options.MinReplicas, options.MaxReplicas);

        var keep = options.ScaleDownStabilization > options.ScaleUpStabilization ? options.ScaleDownStabilization : options.ScaleUpStabilization;
        var next = history.Add(new TimedReplicas(now, raw), keep);
        var upFrom = now - options.ScaleUpStabilization;
        var downFrom = now - options.ScaleDownStabilization;
        var upRecommendation = int.MaxValue;
        var downRecommendation = int.MinValue;
        foreach (var entry in next.Entries)
        {
            if (entry.At >= upFrom)
                upRecommendation = Math.Min(upRecommendation, entry.Replicas);
            if (entry.At >= downFrom)
                downRecommendation = Math.Max(downRecommendation, entry.Replicas);
        }

        // The HPA's stabilizeRecommendationWithBehaviors: move only as far as every recommendation in the window agrees.
        var desired = current;
        if (desired < upRecommendation)
            desired = upRecommendation;
        if (desired > downRecommendation)
            desired = downRecommendation;
        desired = Math.Clamp(desired, options.MinReplicas, options.MaxReplicas);
        return new PrescaleRecommendation(desired, raw, predictive, input.ReactiveReplicas, upper, current, next);
    }

    private static int ToReplicas(double replicas, int max)
    {
        if (!double.IsFinite(replicas) || replicas <= 0)
            return 0;
        // A hair's tolerance so 3.0000000001 from floating-point noise is 3, not 4.
        var r = Math.Ceiling(replicas - 1e-9);
        return r >= max ? max : (int)r;
    }
}
