using FinScale.Contracts;
using FinScale.Detection.Traces;

namespace FinScale.Detection.Tests.Traces;

/// <summary>Spans, resources and an aggregator with its outputs collected, for the trace tests.</summary>
internal sealed class TraceTestKit
{
    /// <summary>A window start (multiple of 10 s), ms.</summary>
    public const long T0 = 1_700_000_000_000;

    public static readonly SpanResource Frontend = new("frontend", "shop", "frontend", "frontend-5c8d-x1", "node-a", "2.0.0");
    public static readonly SpanResource CheckoutA = new("checkout", "shop", "checkout", "checkout-7d9f-aaaaa", "node-a", "1.4.2");
    public static readonly SpanResource CheckoutB = new("checkout", "shop", "checkout", "checkout-7d9f-bbbbb", "node-b", "1.4.2");
    public static readonly SpanResource CheckoutC = new("checkout", "shop", "checkout", "checkout-7d9f-ccccc", "node-c", "1.4.2");

    /// <summary>The token used when a test does not care.</summary>
    public static readonly object AnyToken = new();

    public TraceTestKit(TraceMetricsOptions? options = null, int capacity = 100_000)
    {
        Catalog = new SeriesCatalog(capacity);
        Aggregator = new TraceMetricsAggregator<object>(options ?? new TraceMetricsOptions(), Catalog);
    }

    public SeriesCatalog Catalog { get; }

    public TraceMetricsAggregator<object> Aggregator { get; }

    public List<SeriesPoint> Points { get; } = [];

    public List<object> Released { get; } = [];

    public static SpanRecord Span(
        SpanResource resource,
        string name,
        SpanKind kind,
        long endMs,
        double durationMs = 10,
        SpanStatus status = SpanStatus.Unset,
        UInt128 trace = default,
        ulong spanId = 0,
        ulong parent = 0,
        string? peer = null)
    {
        var endNs = endMs * 1_000_000;
        return new SpanRecord(trace, spanId, parent, resource, name, kind, status, endNs - (long)Math.Round(durationMs * 1_000_000), endNs, peer);
    }

    public static Dictionary<string, string> Attrs(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>The service-level attributes of a RED series of <paramref name="r"/> (namespace when present).</summary>
    public static Dictionary<string, string> Red(SpanResource r, string name, SpanKind kind, SpanStatus? status)
    {
        var a = Attrs(
            (WellKnownAttributes.ServiceName, r.ServiceName),
            (TraceMetricNames.SpanNameAttribute, name),
            (TraceMetricNames.SpanKindAttribute, TraceMetricNames.KindText(kind)));
        if (r.Namespace is not null)
            a[WellKnownAttributes.Namespace] = r.Namespace;
        if (status is { } s)
            a[TraceMetricNames.StatusCodeAttribute] = TraceMetricNames.StatusText(s);
        return a;
    }

    /// <summary>The instance-level attributes of a RED series of <paramref name="r"/>.</summary>
    public static Dictionary<string, string> Instance(SpanResource r, string name, SpanKind kind, SpanStatus? status)
    {
        var a = Red(r, name, kind, status);
        if (r.Pod is not null)
            a[WellKnownAttributes.PodName] = r.Pod;
        if (r.Node is not null)
            a[WellKnownAttributes.NodeName] = r.Node;
        if (r.Version is not null)
            a[WellKnownAttributes.ServiceVersion] = r.Version;
        if (r.Deployment is not null)
            a[WellKnownAttributes.Deployment] = r.Deployment;
        return a;
    }

    public static Dictionary<string, string> Edge(string client, string server, string? clientNs = "shop", string? serverNs = "shop", string? connection = null)
    {
        var a = Attrs((TraceMetricNames.ClientAttribute, client), (TraceMetricNames.ServerAttribute, server));
        if (clientNs is not null)
            a[TraceMetricNames.ClientNamespaceAttribute] = clientNs;
        if (serverNs is not null)
            a[TraceMetricNames.ServerNamespaceAttribute] = serverNs;
        if (connection is not null)
            a[TraceMetricNames.ConnectionTypeAttribute] = connection;
        return a;
    }

    public void Add(SpanRecord span, object? token = null) => Aggregator.Add(span, token ?? AnyToken);

    public void Advance() => Aggregator.Advance(Points, Released);

    public void Flush() => Aggregator.Flush(Points, Released);

    /// <summary>The canonical texts of the series of every point emitted so far.</summary>
    public HashSet<string> SeriesTexts() => Points.Select(p => Catalog.TextOf(p.SeriesId)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The value emitted for a series at <paramref name="ts"/>; null when none was. Fails on a repeated point.</summary>
    public double? Value(string metric, Dictionary<string, string> attributes, long ts)
    {
        if (!Catalog.TryGetId(SeriesKey.Create(metric, attributes).Text, out var id))
            return null;
        var found = Points.Where(p => p.SeriesId == id && p.TimestampMs == ts).ToList();
        Assert.True(found.Count <= 1, $"{found.Count} points for {metric} at {ts}");
        return found.Count == 0 ? null : found[0].Value;
    }

    /// <summary>How many points a series has (any timestamp).</summary>
    public int PointCount(string metric, Dictionary<string, string> attributes) =>
        Catalog.TryGetId(SeriesKey.Create(metric, attributes).Text, out var id) ? Points.Count(p => p.SeriesId == id) : 0;
}
