using System.Diagnostics;
using System.Diagnostics.Metrics;
using FinScale.Contracts;
using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Telemetry;

/// <summary>
/// The engine's own telemetry: one <see cref="Meter"/> and one <see cref="ActivitySource"/>, read by whatever
/// OpenTelemetry exporters the host configures (OTLP, a Prometheus scrape endpoint). Counters the pipeline already keeps
/// in <see cref="PipelineStats"/> are published as observable instruments, so the hot path pays nothing more.
/// </summary>
public static class FinScaleTelemetry
{
    /// <summary>Name of the meter every FinScale instrument belongs to.</summary>
    public const string MeterName = "FinScale.Streaming";

    /// <summary>Name of the activity source of remediation spans.</summary>
    public const string ActivitySourceName = "FinScale.Remediation";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Histogram<double> DetectionLatency = Meter.CreateHistogram<double>(
        "finscale.detection.latency", "ms", "Wall-clock time from a record's points being batched for detection to the anomaly they open being handed to the decision stage.");

    private static readonly Counter<long> Anomalies = Meter.CreateCounter<long>("finscale.anomalies", "{anomaly}", "Anomaly episodes opened, by kind (latency, errors, throughput, saturation, other), detector and metric.");
    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>("finscale.decisions", "{decision}", "Decisions written to the audit topic, by action kind, mode and outcome.");
    private static readonly Counter<long> HeldBack = Meter.CreateCounter<long>("finscale.guard.held_back", "{decision}", "Actions a guard held back, by guard.");
    private static readonly object Gate = new();
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");
    private static Func<Anomaly, string>? _kindOf;
    private static PipelineStats? _stats;
    private static KafkaClientStatistics? _kafka;

    /// <summary>The source of remediation spans: one per decision that acts (or would), linked to its anomalies' traces.</summary>
    public static ActivitySource Remediation { get; } = new(ActivitySourceName, "1.0");

    static FinScaleTelemetry()
    {
        Meter.CreateObservableCounter("finscale.records.consumed", () => _stats?.Records ?? 0, "{record}", "Records consumed from the input topics.");
        Meter.CreateObservableCounter("finscale.points.consumed", () => _stats?.Points ?? 0, "{point}", "Series data points decoded and handed to detection.");
        Meter.CreateObservableCounter("finscale.records.dead_lettered", () => _stats?.DeadLettered ?? 0, "{record}", "Records sent to the dead-letter topic.");
        Meter.CreateObservableCounter("finscale.decode.errors", DecodeErrors, "{point}", "OTLP data points and spans rejected as malformed, by signal.");
        Meter.CreateObservableCounter("finscale.points.dropped", DroppedPoints, "{point}", "Points dropped before detection, by reason.");
        Meter.CreateObservableGauge("finscale.series.active", () => _stats?.Series ?? 0, "{series}", "Distinct series being baselined.");
        Meter.CreateObservableGauge("finscale.series.limit", () => _stats?.SeriesCap ?? 0, "{series}", "Most series this process baselines: Detection:MaxSeries, or fewer when its memory limit would not hold that many.");
        Meter.CreateObservableGauge("finscale.series.multi_partition", () => _stats?.SeriesOnSeveralPartitions ?? 0, "{series}", "Series whose points came from more than one input partition: producers are not keying by resource.");
        Meter.CreateObservableCounter("finscale.checkpoints.written", () => _stats?.Checkpointed ?? 0, "{series}", "Series baseline checkpoints acknowledged by the state topic.");
        Meter.CreateObservableGauge("finscale.checkpoints.pending", () => _stats?.CheckpointsPending ?? 0, "{series}", "Series of the checkpoint cycles in progress not yet written; a cycle is paced over half Pipeline:CheckpointInterval.");
        Meter.CreateObservableCounter("finscale.checkpoints.restored", () => _stats?.Restored ?? 0, "{series}", "Series baselines restored from the state topic when partitions were assigned.");
        Meter.CreateObservableCounter("finscale.checkpoints.expired", () => _stats?.Expired ?? 0, "{series}", "Series not restored because their newest checkpoint was older than Pipeline:StateTtl; their checkpoints removed.");
        Meter.CreateObservableGauge("finscale.consumer.lag", ConsumerLag, "{record}", "Records behind the partition's end, per topic and partition.");
        Meter.CreateObservableGauge("finscale.partitions.assigned", () => _stats?.AssignedPartitions ?? 0, "{partition}", "Input partitions this instance owns in its consumer group.");
        Meter.CreateObservableGauge("finscale.kafka.brokers.up", () => _kafka?.BrokersUp ?? 0, "{broker}", "Brokers the consumer is connected to.");
    }

    /// <summary>Publishes the counters of <paramref name="stats"/> (the running pipeline's) through the observable instruments.</summary>
    public static void Observe(PipelineStats stats, KafkaClientStatistics? kafka)
    {
        lock (Gate)
        {
            _stats = stats;
            _kafka = kafka;
        }
    }

    /// <summary>Records how long an anomaly took from its points' batching to leaving detection.</summary>
    public static void RecordDetectionLatency(TimeSpan elapsed) => DetectionLatency.Record(elapsed.TotalMilliseconds);

    /// <summary>
    /// How anomalies are labelled by kind (what the metric measures: latency, errors, throughput, saturation, other),
    /// as diagnosis reads them; set by the decision stage from its diagnosis options. Until then the kind is <c>other</c>.
    /// </summary>
    public static void ClassifyAnomaliesWith(Func<Anomaly, string> kindOf) => Volatile.Write(ref _kindOf, kindOf);

    /// <summary>Counts an opened anomaly episode, by kind, detector and metric.</summary>
    public static void RecordAnomaly(Anomaly anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        var kind = Volatile.Read(ref _kindOf)?.Invoke(anomaly) ?? "other";
        Anomalies.Add(1, new("kind", kind), new("detector", anomaly.Detector), new("metric", anomaly.Metric));
    }

    /// <summary>Counts a decision (and the guard that held it back, if any).</summary>
    public static void RecordDecision(RemediationDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Decisions.Add(1, new("action", Symbol(decision.Action)), new("mode", Symbol(decision.Mode)), new("outcome", Symbol(decision.Outcome)));
        if (decision.Guard is { } guard)
            HeldBack.Add(1, new KeyValuePair<string, object?>("guard", guard));
    }

    /// <summary>
    /// Starts the span of a remediation decision, linked to the example spans of the anomalies it rests on: the exemplar's
    /// span (or the window's slowest span) by trace and span id. An example whose span id is not known (an exemplar may
    /// omit it) is linked by its trace id with a random span id, as a link needs one, and carries
    /// <c>finscale.link.span_known=false</c>. Null when nobody listens.
    /// </summary>
    public static Activity? StartRemediation(RemediationDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!Remediation.HasListeners())
            return null;
        var links = decision.Anomalies.Select(a => (a.TraceId, a.SpanId)).Append((decision.Anomaly.TraceId, decision.Anomaly.SpanId))
            .Where(e => e.TraceId is { Length: 32 } && IsHex(e.TraceId))
            .GroupBy(e => e.TraceId!, StringComparer.Ordinal)
            .Select(g => LinkTo(g.Key, g.Select(e => e.SpanId).FirstOrDefault(s => s is { Length: 16 } && IsHex(s) && s != "0000000000000000")))
            .ToList();
        var activity = Remediation.StartActivity($"remediation {Symbol(decision.Action)}", ActivityKind.Internal, default(ActivityContext), links: links);
        activity?.SetTag("finscale.decision_id", decision.DecisionId);
        activity?.SetTag("finscale.action", Symbol(decision.Action));
        activity?.SetTag("finscale.mode", Symbol(decision.Mode));
        activity?.SetTag("finscale.target", decision.Target?.ToString());
        activity?.SetTag("finscale.anomaly_id", decision.Anomaly.AnomalyId);
        activity?.SetTag("finscale.rule", decision.Rule);
        return activity;
    }

    /// <summary>Closes a remediation span with what became of the decision.</summary>
    public static void EndRemediation(Activity? activity, RemediationDecision result)
    {
        if (activity is null)
            return;
        ArgumentNullException.ThrowIfNull(result);
        activity.SetTag("finscale.outcome", Symbol(result.Outcome));
        activity.SetTag("finscale.guard", result.Guard);
        if (result.Outcome == DecisionOutcome.Failed)
            activity.SetStatus(ActivityStatusCode.Error, result.Response);
        activity.Dispose();
    }

    private static IEnumerable<Measurement<long>> DecodeErrors()
    {
        var s = _stats;
        if (s is null)
            yield break;
        yield return new(s.OtlpMetrics.MalformedDataPoints, new KeyValuePair<string, object?>("signal", "metrics"));
        yield return new(s.OtlpSpans.MalformedSpanCount, new KeyValuePair<string, object?>("signal", "spans"));
    }

    private static IEnumerable<Measurement<long>> DroppedPoints()
    {
        var s = _stats;
        if (s is null)
            yield break;
        yield return new(s.OutOfOrderPoints, new KeyValuePair<string, object?>("reason", "out_of_order"));
        yield return new(s.RefusedPoints, new KeyValuePair<string, object?>("reason", "series_cap"));
    }

    private static IEnumerable<Measurement<long>> ConsumerLag()
    {
        if (_kafka is not { } k)
            yield break;
        foreach (var (topic, partition, lag) in k.Lag)
            yield return new(lag, new("topic", topic), new("partition", partition));
    }

    private static string Symbol<TEnum>(TEnum value)
        where TEnum : struct, Enum => Avro.AvroValues.Symbol(value);

    private static bool IsHex(string text) => !text.AsSpan().ContainsAnyExcept(HexDigits);

    /// <summary>A link to span <paramref name="spanId"/> of trace <paramref name="traceId"/>; without a span id, to the trace
    /// with a random one, marked <c>finscale.link.span_known=false</c>.</summary>
    private static ActivityLink LinkTo(string traceId, string? spanId)
    {
        var trace = ActivityTraceId.CreateFromString(traceId);
        return spanId is null
            ? new ActivityLink(new ActivityContext(trace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true), new ActivityTagsCollection { ["finscale.link.span_known"] = false })
            : new ActivityLink(new ActivityContext(trace, ActivitySpanId.CreateFromString(spanId), ActivityTraceFlags.Recorded, isRemote: true));
    }
}
