using FinScale.Contracts;
using FinScale.Detection.Traces;
using static FinScale.Detection.Tests.Traces.TraceTestKit;

namespace FinScale.Detection.Tests.Traces;

/// <summary>Example traces: the slowest span for duration and calls, an error span for the error ratio.</summary>
public partial class TraceMetricsAggregatorTests
{
    [Fact]
    public void Exemplars_DurationAndCallsSeries_CarryTheSlowestSpansTraceId()
    {
        var (kit, sink) = WithExemplars();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100, durationMs: 20, trace: 1, spanId: 0x11));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 200, durationMs: 900, trace: 2, spanId: 0x22));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 300, durationMs: 900, trace: 3, spanId: 0x33)); // as slow, later: the first stays
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 400, durationMs: 40, trace: 4, spanId: 0x44));
        kit.Flush();

        foreach (var attributes in new[] { Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset), Instance(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset) })
        {
            foreach (var metric in new[] { TraceMetricNames.Calls, TraceMetricNames.DurationMean, TraceMetricNames.DurationP50, TraceMetricNames.DurationP90, TraceMetricNames.DurationP99 })
            {
                Assert.Equal((UInt128)2, sink.TraceOf(kit, metric, attributes, W0End));
                Assert.Equal(0x22UL, sink.SpanOf(kit, metric, attributes, W0End)); // the slowest span itself, not just its trace
            }
        }
    }

    [Fact]
    public void Exemplars_ErrorRatio_CarriesAnErrorSpan_EvenWhenAFasterOrSlowerOkSpanExists()
    {
        var (kit, sink) = WithExemplars();
        kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + 100, durationMs: 5000, status: SpanStatus.Ok, trace: 10));
        kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + 200, durationMs: 30, status: SpanStatus.Error, trace: 11));
        kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + 300, durationMs: 80, status: SpanStatus.Error, trace: 12, spanId: 0xbeef));
        kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + 400, durationMs: 10, status: SpanStatus.Unset, trace: 13));
        kit.Flush();

        // The slowest error span explains the ratio; the OK series keep their own slowest.
        Assert.Equal((UInt128)12, sink.TraceOf(kit, TraceMetricNames.ErrorRatio, Red(CheckoutA, "POST /pay", SpanKind.Server, null), W0End));
        Assert.Equal(0xbeefUL, sink.SpanOf(kit, TraceMetricNames.ErrorRatio, Red(CheckoutA, "POST /pay", SpanKind.Server, null), W0End));
        Assert.Equal((UInt128)12, sink.TraceOf(kit, TraceMetricNames.DurationP99, Red(CheckoutA, "POST /pay", SpanKind.Server, SpanStatus.Error), W0End));
        Assert.Equal((UInt128)10, sink.TraceOf(kit, TraceMetricNames.DurationP99, Red(CheckoutA, "POST /pay", SpanKind.Server, SpanStatus.Ok), W0End));
        Assert.Equal((UInt128)13, sink.TraceOf(kit, TraceMetricNames.Calls, Red(CheckoutA, "POST /pay", SpanKind.Server, SpanStatus.Unset), W0End));
    }

    [Fact]
    public void Exemplars_ErrorRatioWithoutErrors_CarriesTheSlowestSpan()
    {
        var (kit, sink) = WithExemplars();
        kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + 100, durationMs: 50, status: SpanStatus.Ok, trace: 20));
        kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + 200, durationMs: 70, status: SpanStatus.Unset, trace: 21));
        kit.Flush();

        Assert.Equal((UInt128)21, sink.TraceOf(kit, TraceMetricNames.ErrorRatio, Red(CheckoutA, "POST /pay", SpanKind.Server, null), W0End));
    }

    [Fact]
    public void Exemplars_EachWindowHasItsOwnExample_AndPooledWindowsForgetThePrevious()
    {
        var (kit, sink) = WithExemplars();
        var red = Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset);
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100, durationMs: 900, trace: 30));
        kit.Flush();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, W0End + 100, durationMs: 5, trace: 31));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, W0End + 200, durationMs: 7, trace: 32));
        kit.Flush();

        Assert.Equal((UInt128)30, sink.TraceOf(kit, TraceMetricNames.DurationP99, red, W0End));
        Assert.Equal((UInt128)32, sink.TraceOf(kit, TraceMetricNames.DurationP99, red, W0End + 10_000));
    }

    [Fact]
    public void Exemplars_OnlyForPointsEmitted_OneEachAndNoneForTheServiceGraph()
    {
        var (kit, sink) = WithExemplars();
        kit.Add(Span(Frontend, "GET /checkout", SpanKind.Client, T0 + 100, durationMs: 40, trace: 40, spanId: 1));
        kit.Add(Span(CheckoutA, "GET /checkout", SpanKind.Server, T0 + 100, durationMs: 30, trace: 40, spanId: 2, parent: 1));
        kit.Flush();

        var edgeIds = kit.Points.Select(p => p.SeriesId).Where(id => kit.Catalog.TextOf(id).StartsWith("traces.service_graph", StringComparison.Ordinal)).ToHashSet();
        Assert.NotEmpty(edgeIds);
        Assert.All(sink.Added, e => Assert.DoesNotContain(e.SeriesId, edgeIds));
        Assert.Equal(kit.Points.Count - kit.Points.Count(p => edgeIds.Contains(p.SeriesId)), sink.Added.Count);
        Assert.All(sink.Added, e => Assert.Contains(new SeriesPoint(e.SeriesId, e.TimestampMs, 0), kit.Points.Select(p => p with { Value = 0 })));
    }

    [Fact]
    public void Exemplars_SpanWithoutTraceId_IsNotReported()
    {
        var (kit, sink) = WithExemplars();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100, durationMs: 900));
        kit.Flush();

        Assert.NotEmpty(kit.Points);
        Assert.Empty(sink.Added);
    }

    private static (TraceTestKit Kit, ExemplarCollector Sink) WithExemplars()
    {
        var kit = new TraceTestKit();
        var sink = new ExemplarCollector();
        kit.Aggregator.Exemplars = sink;
        return (kit, sink);
    }

    private sealed class ExemplarCollector : IExemplarSink
    {
        public List<(int SeriesId, long TimestampMs, UInt128 TraceId, ulong SpanId)> Added { get; } = [];

        public void Add(int seriesId, long timestampMs, UInt128 traceId, ulong spanId) => Added.Add((seriesId, timestampMs, traceId, spanId));

        public ulong? SpanOf(TraceTestKit kit, string metric, Dictionary<string, string> attributes, long ts)
        {
            Assert.True(kit.Catalog.TryGetId(SeriesKey.Create(metric, attributes).Text, out var id), $"no series {metric}");
            var found = Added.Where(e => e.SeriesId == id && e.TimestampMs == ts).ToList();
            return found.Count == 0 ? null : found[0].SpanId;
        }

        public UInt128? TraceOf(TraceTestKit kit, string metric, Dictionary<string, string> attributes, long ts)
        {
            Assert.True(kit.Catalog.TryGetId(SeriesKey.Create(metric, attributes).Text, out var id), $"no series {metric}");
            var found = Added.Where(e => e.SeriesId == id && e.TimestampMs == ts).ToList();
            Assert.True(found.Count <= 1, $"{found.Count} examples for {metric} at {ts}");
            return found.Count == 0 ? null : found[0].TraceId;
        }
    }
}
