using System.Globalization;
using FinScale.Forecasting.Prescale;

namespace FinScale.Forecasting.Capacity;

/// <summary>
/// Replays a load trace against three scaling policies and scores them: the Kubernetes HPA algorithm, predictive only, and
/// predictive + reactive (the max of both). Causal: the forecaster sees a sample only once the simulated clock has reached
/// it. The load is held from one sample to the next. Every sync period each policy recommends (through
/// <see cref="PrescaleRecommender"/>, with the HPA's stabilisation), the HPA's default scale-up rate limit applies
/// (at most max(+4, +100%) per 15 s), new pods serve load after the start-up delay, and a scale-down removes
/// not-yet-ready pods first. Pure: no I/O, no clock.
/// </summary>
public static class CapacitySimulator
{
    /// <summary>Policy names, in result order.</summary>
    public static IReadOnlyList<string> PolicyNames { get; } = ["hpa", "predictive", "predictive+reactive"];

    /// <summary>Runs the simulation. Bad samples are dropped with a warning; an unusable trace gives an empty result with warnings.</summary>
    public static CapacitySimResult Run(IReadOnlyList<LoadSample> trace, CapacitySimOptions options) => Run(trace, options, long.MaxValue);

    /// <summary>Runs the simulation but stops the clock at <paramref name="stopAtMs"/> (the trace may go on: tests use it to show causality).</summary>
    internal static CapacitySimResult Run(IReadOnlyList<LoadSample> trace, CapacitySimOptions options, long stopAtMs)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(options);
        var warnings = new List<string>();
        var samples = Sanitise(trace, warnings);
        if (samples.Count < 2)
        {
            warnings.Add($"only {samples.Count} usable sample(s): nothing to simulate");
            return new CapacitySimResult(0, "none", options.EffectiveLead, samples.Count, 0, 0,
                [.. PolicyNames.Select(p => new PolicyResult(p, 0, 0, 0, null))], "none", warnings);
        }

        var (capacity, rule) = ChooseCapacity(samples, options, warnings);
        var step = MedianStep(samples);
        var syncMs = Math.Max(1, (long)options.SyncPeriod.TotalMilliseconds);
        var startupMs = (long)options.StartupDelay.TotalMilliseconds;
        var leadMs = (long)options.EffectiveLead.TotalMilliseconds;
        var t0 = samples[0].TimestampMs;
        var tEnd = Math.Min(samples[^1].TimestampMs + step, stopAtMs);
        var evalFrom = t0 + (long)options.Warmup.TotalMilliseconds;
        if (evalFrom >= tEnd)
        {
            warnings.Add("the trace is shorter than the warm-up; scoring all of it");
            evalFrom = t0;
        }

        var prescale = options.PrescaleOptions(capacity);
        var forecaster = new SeasonalForecaster(options.Forecaster);
        var hpaTarget = options.TargetUtilization * capacity;
        var initial = Math.Clamp(CeilReplicas(samples[0].Value / hpaTarget), options.MinReplicas, options.MaxReplicas);
        var policies = PolicyNames.Select(_ => new PolicyState(initial, t0)).ToArray();

        Forecast? forecast = null;
        long forecastUntil = long.MinValue;
        var daySteps = step > 0 && TimeSpan.FromDays(1).TotalMilliseconds % step == 0 ? (int)(TimeSpan.FromDays(1).TotalMilliseconds / step) : 0;
        double modelError = 0, seasonalNaiveError = 0, lastValueError = 0;
        long scored = 0;

        var next = 0;
        var current = 0;
        var empty = Array.Empty<ForecastPoint>();
        ForecastPoint[] window = empty;
        for (var t = t0; t < tEnd; t += syncMs)
        {
            while (next < samples.Count && samples[next].TimestampMs <= t)
            {
                var s = samples[next];
                if (s.TimestampMs >= evalFrom && forecast is not null && daySteps > 0)
                {
                    // One-step accuracy: the forecast made before this sample against seasonal-naive on the daily lag.
                    var point = Find(forecast.Points, s.TimestampMs);
                    var lagged = FindSample(samples, next, s.TimestampMs - daySteps * step);
                    if (point is { } p && lagged is { } l)
                    {
                        modelError += Math.Abs(s.Value - p.Mean);
                        seasonalNaiveError += Math.Abs(s.Value - l);
                        lastValueError += Math.Abs(s.Value - samples[next - 1].Value);
                        scored++;
                    }
                }

                forecaster.Observe(s.TimestampMs, s.Value);
                current = next;
                next++;
                forecast = null;
            }

            if (forecast is null || t + leadMs > forecastUntil)
            {
                forecast = forecaster.ForecastUntil(t + leadMs + step);
                forecastUntil = forecast.Points.Count > 0 ? forecast.Points[^1].TimestampMs : t;
                // The sample in force is known: it covers the window until the first forecast point.
                var observed = samples[current];
                window = [new ForecastPoint(observed.TimestampMs, observed.Value, observed.Value, observed.Value), .. forecast.Points];
            }

            var demand = samples[current].Value;
            var now = DateTimeOffset.FromUnixTimeMilliseconds(t);
            for (var k = 0; k < policies.Length; k++)
            {
                var state = policies[k];
                var spec = state.Spec;
                var hpaRaw = HpaRaw(demand, spec, hpaTarget, options.Tolerance, options.MaxReplicas);
                var input = k switch
                {
                    0 => new PrescaleInput(empty, spec, hpaRaw),
                    1 => new PrescaleInput(window, spec),
                    _ => new PrescaleInput(window, spec, hpaRaw),
                };
                var recommendation = PrescaleRecommender.Recommend(input, prescale, state.History, now);
                state.History = recommendation.History;
                var desired = recommendation.DesiredReplicas;
                if (desired > spec)
                    desired = Math.Min(desired, Math.Max(spec + 4, spec * 2)); // the HPA's default scale-up policies
                state.ScaleTo(desired, t + startupMs);

                if (t >= evalFrom)
                {
                    var span = Math.Min(syncMs, tEnd - t);
                    if (demand > state.Ready(t) * capacity * (1 + 1e-12))
                        state.UnderprovisionedMs += span;
                    state.ReplicaMs += (double)state.Spec * span;
                }
            }
        }

        foreach (var kind in forecaster.WarningCounts.OrderBy(k => k.Key))
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"forecaster: {kind.Value} × {kind.Key}"));

        double? mase = scored > 0 && seasonalNaiveError > 0 ? modelError / seasonalNaiveError : null;
        double? maseNaive = scored > 0 && lastValueError > 0 ? modelError / lastValueError : null;
        var results = new PolicyResult[policies.Length];
        for (var k = 0; k < policies.Length; k++)
        {
            var p = policies[k];
            results[k] = new PolicyResult(PolicyNames[k], p.UnderprovisionedMs / 60_000.0, p.ReplicaMs / 3_600_000.0, p.Events, k == 0 ? null : mase, k == 0 ? null : maseNaive);
        }

        return new CapacitySimResult(capacity, rule, options.EffectiveLead, samples.Count, evalFrom, tEnd, results, forecaster.Description, warnings);
    }

    /// <summary>The HPA's raw recommendation for an external metric with an AverageValue target: no change within the tolerance, else ceil(total / target).</summary>
    internal static int HpaRaw(double demand, int spec, double target, double tolerance, int max)
    {
        if (spec > 0)
        {
            var ratio = demand / (target * spec);
            if (Math.Abs(ratio - 1) <= tolerance)
                return spec;
        }

        return Math.Min(max, CeilReplicas(demand / target));
    }

    private static int CeilReplicas(double replicas) =>
        !double.IsFinite(replicas) || replicas <= 0 ? 0 : replicas >= int.MaxValue ? int.MaxValue : (int)Math.Ceiling(replicas - 1e-9);

    private static ForecastPoint? Find(IReadOnlyList<ForecastPoint> points, long timestampMs)
    {
        foreach (var p in points)
        {
            if (p.TimestampMs == timestampMs)
                return p;
        }

        return null;
    }

    private static double? FindSample(List<LoadSample> samples, int before, long timestampMs)
    {
        int lo = 0, hi = before - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var ts = samples[mid].TimestampMs;
            if (ts == timestampMs)
                return samples[mid].Value;
            if (ts < timestampMs)
                lo = mid + 1;
            else
                hi = mid - 1;
        }

        return null;
    }

    private static List<LoadSample> Sanitise(IReadOnlyList<LoadSample> trace, List<string> warnings)
    {
        var samples = new List<LoadSample>(trace.Count);
        int nonFinite = 0, backwards = 0, repeated = 0, negative = 0;
        foreach (var s in trace)
        {
            if (!double.IsFinite(s.Value))
            {
                nonFinite++;
                continue;
            }

            if (samples.Count > 0 && s.TimestampMs < samples[^1].TimestampMs)
            {
                backwards++;
                continue;
            }

            if (samples.Count > 0 && s.TimestampMs == samples[^1].TimestampMs)
            {
                repeated++;
                continue;
            }

            if (s.Value < 0)
                negative++;
            samples.Add(s.Value < 0 ? s with { Value = 0 } : s);
        }

        if (nonFinite > 0)
            warnings.Add($"trace: {nonFinite} non-finite value(s) dropped");
        if (backwards > 0)
            warnings.Add($"trace: {backwards} sample(s) with a timestamp before an earlier one dropped");
        if (repeated > 0)
            warnings.Add($"trace: {repeated} repeated timestamp(s); the first value kept");
        if (negative > 0)
            warnings.Add($"trace: {negative} negative value(s) taken as 0");
        if (samples.Count >= 3)
        {
            var step = MedianStep(samples);
            var gaps = 0;
            long longest = 0;
            for (var i = 1; i < samples.Count; i++)
            {
                var d = samples[i].TimestampMs - samples[i - 1].TimestampMs;
                if (d > step * 3 / 2)
                {
                    gaps++;
                    longest = Math.Max(longest, d);
                }
            }

            if (gaps > 0)
                warnings.Add($"trace: {gaps} gap(s) longer than 1.5 steps (longest {TimeSpan.FromMilliseconds(longest)}); the load is held across them");
            if (samples.All(s => s.Value == samples[0].Value))
                warnings.Add($"trace: a flat line at {samples[0].Value.ToString(CultureInfo.InvariantCulture)}");
        }

        return samples;
    }

    private static long MedianStep(List<LoadSample> samples)
    {
        var diffs = new long[samples.Count - 1];
        for (var i = 1; i < samples.Count; i++)
            diffs[i - 1] = samples[i].TimestampMs - samples[i - 1].TimestampMs;
        Array.Sort(diffs);
        return diffs.Length == 0 ? 60_000 : Math.Max(1, diffs[diffs.Length / 2]);
    }

    private static (double Capacity, string Rule) ChooseCapacity(List<LoadSample> samples, CapacitySimOptions options, List<string> warnings)
    {
        var c = CultureInfo.InvariantCulture;
        if (options.CapacityPerReplica is { } given)
        {
            if (given > 0 && double.IsFinite(given))
                return (given, "given");
            warnings.Add($"capacity per replica {given.ToString(c)} is not positive; using the first-day rule");
        }

        var dayEnd = samples[0].TimestampMs + (long)TimeSpan.FromDays(1).TotalMilliseconds;
        var firstDay = samples.Where(s => s.TimestampMs < dayEnd).Select(s => s.Value).Order().ToArray();
        var p95 = firstDay[Math.Min(firstDay.Length - 1, (int)Math.Ceiling(0.95 * firstDay.Length) - 1)];
        var capacity = p95 / options.FirstDayPeakReplicas;
        if (capacity > 0)
            return (capacity, string.Format(c, "first day's p95 {0:0.###} / {1}", p95, options.FirstDayPeakReplicas));
        var max = samples.Max(s => s.Value);
        capacity = max > 0 ? max / options.FirstDayPeakReplicas : 1;
        warnings.Add("the first day's p95 is 0; capacity per replica from the whole trace's maximum (or 1 for an all-zero trace)");
        return (capacity, string.Format(c, "fallback: max {0:0.###} / {1}", max, options.FirstDayPeakReplicas));
    }

    /// <summary>Replica set of one policy: pods by the time they become ready, oldest first.</summary>
    private sealed class PolicyState(int initial, long t0)
    {
        private readonly List<long> _readyAt = [.. Enumerable.Repeat(t0, initial)];

        public RecommendationHistory History { get; set; } = RecommendationHistory.Empty;

        public int Spec => _readyAt.Count;

        public long UnderprovisionedMs { get; set; }

        public double ReplicaMs { get; set; }

        public int Events { get; private set; }

        public int Ready(long t)
        {
            // Ready times only grow along the list (pods are appended as time advances), so count from the end.
            var n = _readyAt.Count;
            while (n > 0 && _readyAt[n - 1] > t)
                n--;
            return n;
        }

        public void ScaleTo(int desired, long readyAt)
        {
            if (desired == _readyAt.Count)
                return;
            Events++;
            while (_readyAt.Count < desired)
                _readyAt.Add(readyAt);
            if (_readyAt.Count > desired)
                _readyAt.RemoveRange(desired, _readyAt.Count - desired); // newest (least ready) first
        }
    }
}
