using FinScale.Streaming.Otlp;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace FinScale.Streaming.Tests.Otlp;

/// <summary>Builders for OTLP test input, with the generated message classes.</summary>
internal static class Otlp
{
    public const ulong T0 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z in ns
    public const ulong Second = 1_000_000_000;

    public static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static Resource PodResource(string service = "payments", string pod = "payments-1", params KeyValue[] extra)
    {
        var r = new Resource();
        if (service is not null)
            r.Attributes.Add(Attr("service.name", service));
        r.Attributes.Add(Attr("k8s.namespace.name", "pay"));
        r.Attributes.Add(Attr("k8s.pod.name", pod));
        r.Attributes.Add(Attr("host.name", "not-identifying"));
        r.Attributes.Add(extra);
        return r;
    }

    public static byte[] Request(Resource resource, params Metric[] metrics)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "test" } };
        scope.Metrics.Add(metrics);
        var rm = new ResourceMetrics { Resource = resource };
        rm.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(rm);
        return request.ToByteArray();
    }

    public static Metric Gauge(string name, ulong time, double value, params KeyValue[] attrs)
    {
        var p = new NumberDataPoint { TimeUnixNano = time, AsDouble = value };
        p.Attributes.Add(attrs);
        var g = new Gauge();
        g.DataPoints.Add(p);
        return new Metric { Name = name, Gauge = g };
    }

    public static Metric Counter(string name, ulong start, ulong time, long value, AggregationTemporality temporality = AggregationTemporality.Cumulative, bool monotonic = true, params KeyValue[] attrs)
    {
        var p = new NumberDataPoint { StartTimeUnixNano = start, TimeUnixNano = time, AsInt = value };
        p.Attributes.Add(attrs);
        var s = new Sum { AggregationTemporality = temporality, IsMonotonic = monotonic };
        s.DataPoints.Add(p);
        return new Metric { Name = name, Sum = s };
    }

    public static Metric Histogram(string name, ulong start, ulong time, double[] bounds, ulong[] counts, double sum, AggregationTemporality temporality = AggregationTemporality.Cumulative, double? min = null, double? max = null)
    {
        var p = new HistogramDataPoint { StartTimeUnixNano = start, TimeUnixNano = time, Count = (ulong)counts.Sum(c => (long)c), Sum = sum };
        p.ExplicitBounds.Add(bounds);
        p.BucketCounts.Add(counts);
        if (min is { } mn)
            p.Min = mn;
        if (max is { } mx)
            p.Max = mx;
        var h = new Histogram { AggregationTemporality = temporality };
        h.DataPoints.Add(p);
        return new Metric { Name = name, Histogram = h };
    }

    /// <summary>Collects what a decoder emits, with the keys resolved.</summary>
    public sealed class Sink(FinScale.Detection.SeriesCatalog catalog) : IPointSink
    {
        public List<(string Series, long TimestampMs, double Value)> Points { get; } = [];

        public void Add(int seriesId, long timestampMs, double value) => Points.Add((catalog.TextOf(seriesId), timestampMs, value));

        public List<(string Series, long TimestampMs, UInt128 TraceId)> Exemplars { get; } = [];

        /// <summary>The span id that went with each entry of <see cref="Exemplars"/> (0: none).</summary>
        public List<ulong> ExemplarSpans { get; } = [];

        public void AddExemplar(int seriesId, long timestampMs, UInt128 traceId, ulong spanId)
        {
            Exemplars.Add((catalog.TextOf(seriesId), timestampMs, traceId));
            ExemplarSpans.Add(spanId);
        }

        public double ValueOf(string series) => Points.Single(p => p.Series == series).Value;
    }
}

/// <summary>A clock that stays where it is put.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
