using System.Globalization;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Forecasting;
using FinScale.Forecasting.Prescale;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Streaming.Prescale;

/// <summary>A pre-scale finding and the index, in its shard batch, of the point whose arrival produced it.</summary>
/// <param name="PointIndex">Index of the point in the batch (its record's offset is held until the decision is audited).</param>
/// <param name="Finding">The <see cref="FindingKind.ForecastLoad"/> finding, with its replica count.</param>
public readonly record struct PrescaleSignal(int PointIndex, Finding Finding);

/// <summary>
/// Forecasts the load of each <see cref="PrescaleTarget"/> online and turns it into replica counts. The detection shards
/// hand it the points of the targets' load series (<see cref="PrescaleTap"/>); per step the load is each series' mean
/// summed over series, fed to a <see cref="SeasonalForecaster"/>, and <see cref="PrescaleRecommender"/> makes the count:
/// the forecast's upper bound over the lead time or the reactive need, whichever is larger, scale-down stabilised. Every
/// count is published to the <see cref="PrescaleBoard"/> (the KEDA scaler serves it); a count that differs from the
/// replicas running becomes a finding for the decision stage, so it passes the same policy, guards, modes and audit as
/// every other action. Shared by the shards: one lock, taken only for the targets' own points.
/// </summary>
public sealed class PrescaleStage
{
    private readonly TargetState[] _targets;
    private readonly SeriesCatalog _catalog;
    private readonly IClusterViewProvider _cluster;
    private readonly PrescaleBoard _board;
    private readonly Lock _gate = new();
    private long _latePoints;

    /// <summary>Creates the stage for <paramref name="settings"/>' targets.</summary>
    public PrescaleStage(PrescaleSettings settings, SeriesCatalog catalog, IClusterViewProvider cluster, PrescaleBoard board)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _targets = [.. settings.Targets.Select(t => new TargetState(t))];
        _catalog = catalog;
        _cluster = cluster;
        _board = board;
    }

    /// <summary>Number of targets.</summary>
    public int Count => _targets.Length;

    /// <summary>Points that arrived for a step already closed (more than one step late), and were left out.</summary>
    public long LatePoints => Interlocked.Read(ref _latePoints);

    /// <summary>The target whose load series <paramref name="seriesId"/> is, or -1.</summary>
    public int Match(int seriesId)
    {
        var key = _catalog.KeyOf(seriesId);
        for (var i = 0; i < _targets.Length; i++)
        {
            var t = _targets[i].Target;
            if (!string.Equals(key.Metric, t.Metric, StringComparison.Ordinal)
                || !string.Equals(key.Attribute(WellKnownAttributes.Namespace), t.Namespace, StringComparison.Ordinal))
            {
                continue;
            }

            if (key.Attribute(WellKnownAttributes.Deployment) is { } deployment
                ? string.Equals(deployment, t.Deployment, StringComparison.Ordinal)
                : string.Equals(key.Attribute(WellKnownAttributes.ServiceName), t.Service ?? t.Deployment, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Takes one point of target <paramref name="target"/>'s load; closing a step may add a signal.</summary>
    public void Observe(int target, in SeriesPoint point, int pointIndex, List<PrescaleSignal> signals)
    {
        lock (_gate)
        {
            var s = _targets[target];
            var stepMs = (long)s.Target.Step.TotalMilliseconds;
            var start = Math.DivRem(point.TimestampMs, stepMs, out var rem) * stepMs - (rem < 0 ? stepMs : 0);
            if (start < s.ClosedUntil || !double.IsFinite(point.Value))
            {
                Interlocked.Increment(ref _latePoints);
                return;
            }

            if (!s.Buckets.TryGetValue(start, out var bucket))
                s.Buckets[start] = bucket = [];
            var (sum, n) = bucket.GetValueOrDefault(point.SeriesId);
            bucket[point.SeriesId] = (sum + point.Value, n + 1);
            s.MaxTs = Math.Max(s.MaxTs, point.TimestampMs);

            // A step closes once the series have moved a whole step past its end (one step of lateness is allowed).
            while (s.Buckets.Count > 0 && s.Buckets.Keys.First() + (2 * stepMs) <= s.MaxTs)
            {
                var first = s.Buckets.Keys.First();
                var closing = s.Buckets[first];
                s.Buckets.Remove(first);
                s.ClosedUntil = first + stepMs;
                if (Close(s, first, closing) is { } finding)
                    signals.Add(new PrescaleSignal(pointIndex, finding));
            }
        }
    }

    private Finding? Close(TargetState s, long startMs, Dictionary<int, (double Sum, int N)> bucket)
    {
        var t = s.Target;
        var load = 0.0;
        var busiest = -1;
        var busiestLoad = double.MinValue;
        foreach (var (series, (sum, n)) in bucket)
        {
            var mean = sum / n;
            load += mean;
            if (mean > busiestLoad)
            {
                busiestLoad = mean;
                busiest = series;
            }
        }

        s.Steps++;
        s.Forecaster.Observe(startMs, load);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(startMs + (long)t.Step.TotalMilliseconds);
        var forecast = s.Forecaster.ForecastUntil(now.ToUnixTimeMilliseconds() + (long)t.Lead.TotalMilliseconds);
        var cluster = _cluster.Current;
        var current = cluster.Known && cluster.Workload(t.Namespace, t.Deployment) is { } w ? w.Replicas : bucket.Count;
        var reactive = (int)Math.Min(t.MaxReplicas, Math.Ceiling(load / t.CapacityPerReplica));
        var options = new PrescaleOptions
        {
            CapacityPerReplica = t.CapacityPerReplica,
            Lead = t.Lead,
            MinReplicas = t.MinReplicas,
            MaxReplicas = t.MaxReplicas,
            ScaleDownStabilization = t.ScaleDownStabilization,
        };
        var rec = PrescaleRecommender.Recommend(new PrescaleInput(forecast.Points, current, reactive), options, s.History, now);
        s.History = rec.History;
        _board.Publish(new PrescaleBoardEntry(t.Namespace, t.Deployment, rec.DesiredReplicas, rec.ForecastUpper ?? load, load, t.CapacityPerReplica, now));

        if (rec.DesiredReplicas == current)
        {
            s.LastSignalled = null;
            return null;
        }

        if (s.Steps <= t.WarmUpSteps || rec.DesiredReplicas == s.LastSignalled)
            return null;
        s.LastSignalled = rec.DesiredReplicas;

        var c = CultureInfo.InvariantCulture;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WellKnownAttributes.Namespace] = t.Namespace,
            [WellKnownAttributes.Deployment] = t.Deployment,
            [WellKnownAttributes.ServiceName] = t.Service ?? t.Deployment,
        };
        // The evidence names a real load series (the busiest), so the no-data guard sees whether the load still reports.
        var evidence = new Anomaly(
            StableIds.Of("forecast", t.Namespace, t.Deployment, startMs.ToString(c), rec.DesiredReplicas.ToString(c)),
            _catalog.TextOf(busiest),
            t.Metric,
            attributes,
            now,
            load,
            rec.ForecastUpper ?? load,
            0,
            0,
            "forecast");
        var reason = string.Format(
            c,
            "load forecast of {0}/{1} ({2}): {3:0.##} over the last {4:g} on {5} series, upper bound {6:0.##} within the next {7:g} at {8:0.##} per replica; {9}",
            t.Namespace, t.Deployment, s.Forecaster.Description, load, t.Step, bucket.Count, rec.ForecastUpper ?? load, t.Lead, t.CapacityPerReplica, rec.Reason);
        return new Finding(FindingKind.ForecastLoad, t.Namespace, t.Service ?? t.Deployment, t.Deployment, [], null, null, [], [evidence], reason)
        {
            DesiredReplicas = rec.DesiredReplicas,
        };
    }

    private sealed class TargetState(PrescaleTarget target)
    {
        public PrescaleTarget Target { get; } = target;

        public SeasonalForecaster Forecaster { get; } = new(new ForecasterOptions { Step = target.Step });

        public SortedDictionary<long, Dictionary<int, (double Sum, int N)>> Buckets { get; } = [];

        public RecommendationHistory History { get; set; } = RecommendationHistory.Empty;

        public long MaxTs { get; set; } = long.MinValue;

        public long ClosedUntil { get; set; } = long.MinValue;

        public int Steps { get; set; }

        public int? LastSignalled { get; set; }
    }
}

/// <summary>
/// One detection shard's view of the <see cref="PrescaleStage"/>: remembers per series whether it is a target's load
/// series (decided once from its key), so every other point costs one array read.
/// </summary>
public sealed class PrescaleTap(PrescaleStage stage)
{
    // 0: not looked up yet; -1: no target; k + 1: target k.
    private int[] _targetOf = new int[1024];

    /// <summary>Hands the batch's load points to the stage; signals name their point's index in <paramref name="points"/>.</summary>
    public void Observe(ReadOnlySpan<SeriesPoint> points, List<PrescaleSignal> signals)
    {
        for (var i = 0; i < points.Length; i++)
        {
            var id = points[i].SeriesId;
            if (id >= _targetOf.Length)
                Array.Resize(ref _targetOf, Math.Max(id + 1, _targetOf.Length * 2));
            var t = _targetOf[id];
            if (t == 0)
                _targetOf[id] = t = stage.Match(id) + 1 is var m && m > 0 ? m : -1;
            if (t > 0)
                stage.Observe(t - 1, points[i], i, signals);
        }
    }
}
