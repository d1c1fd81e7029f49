using System.Buffers.Binary;
using FinScale.Detection;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Otlp;
using Google.Protobuf;
using OpenTelemetry.Proto.Metrics.V1;
using static FinScale.Streaming.Tests.Otlp.Otlp;

namespace FinScale.Streaming.Tests.Otlp;

/// <summary>Exemplars: the trace id of the largest-valued exemplar of a point goes with every update derived from it.</summary>
public class OtlpMetricsDecoderExemplarTests
{
    private static readonly UInt128 TraceA = Id("0af7651916cd43dd8448eb211c80319c");
    private static readonly UInt128 TraceB = Id("4bf92f3577b34da6a3ce929d0e0e4736");
    private static readonly UInt128 TraceC = Id("00000000000000000000000000000abc");
    private readonly SeriesCatalog _catalog = new(10_000);
    private readonly OtlpMetricsDecoder _decoder;
    private readonly Otlp.Sink _sink;

    public OtlpMetricsDecoderExemplarTests()
    {
        _decoder = new OtlpMetricsDecoder(_catalog, new OtlpOptions(), new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds((long)(T0 / 1_000_000)).AddHours(1)));
        _sink = new Otlp.Sink(_catalog);
    }

    [Fact]
    public void Gauge_WithExemplar_ItsTraceIdGoesWithThePoint()
    {
        var metric = Gauge("queue.depth", T0, 42);
        metric.Gauge.DataPoints[0].Exemplars.Add(Exemplar(TraceA, 42));

        _decoder.Decode(Request(PodResource(), metric), _sink);

        var p = Assert.Single(_sink.Points);
        var e = Assert.Single(_sink.Exemplars);
        Assert.Equal((p.Series, p.TimestampMs, TraceA), e);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", FinScale.Streaming.Pipeline.ExemplarIndex.Format(e.TraceId));
    }

    [Fact]
    public void CumulativeSum_WithIntExemplars_TheRateCarriesTheCurrentPointsTraceId()
    {
        var first = Counter("http.requests", T0, T0 + (10 * Second), 100);
        first.Sum.DataPoints[0].Exemplars.Add(Exemplar(TraceA, asInt: 1));
        var second = Counter("http.requests", T0, T0 + (20 * Second), 300);
        second.Sum.DataPoints[0].Exemplars.Add(Exemplar(TraceB, asInt: 1));

        _decoder.Decode(Request(PodResource(), first), _sink);
        Assert.Empty(_sink.Exemplars); // nothing emitted for the first cumulative point, so nothing exemplified
        _decoder.Decode(Request(PodResource(), second), _sink);

        var p = Assert.Single(_sink.Points);
        Assert.Equal([(p.Series, p.TimestampMs, TraceB)], _sink.Exemplars);
    }

    [Fact]
    public void Histogram_TheLargestExemplarsTraceIdGoesWithAllFiveSeries()
    {
        var metric = Histogram("http.server.duration", T0, T0 + (10 * Second), [0.1, 1], [5, 3, 2], 6.0, AggregationTemporality.Delta);
        metric.Histogram.DataPoints[0].Exemplars.Add([Exemplar(TraceA, 0.05), Exemplar(TraceB, 2.5), Exemplar(TraceC, 0.7)]);

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Equal(5, _sink.Points.Count);
        Assert.Equal(_sink.Points.Select(p => (p.Series, p.TimestampMs, TraceB)), _sink.Exemplars);
    }

    [Fact]
    public void Histogram_TheLargestExemplarsSpanIdGoesWithItsTraceId()
    {
        var metric = Histogram("http.server.duration", T0, T0 + (10 * Second), [0.1, 1], [5, 3, 2], 6.0, AggregationTemporality.Delta);
        var a = Exemplar(TraceA, 0.05);
        a.SpanId = ByteString.CopyFrom(Convert.FromHexString("00000000000000aa"));
        var b = Exemplar(TraceB, 2.5);
        b.SpanId = ByteString.CopyFrom(Convert.FromHexString("00f067aa0ba902b7"));
        var c = Exemplar(TraceC, 0.7);
        c.SpanId = ByteString.CopyFrom(Convert.FromHexString("00000000000000cc"));
        metric.Histogram.DataPoints[0].Exemplars.Add([a, b, c]);

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Equal(5, _sink.ExemplarSpans.Count);
        Assert.All(_sink.ExemplarSpans, s => Assert.Equal(0x00f067aa0ba902b7UL, s));
        Assert.Equal("00f067aa0ba902b7", FinScale.Streaming.Pipeline.ExemplarIndex.FormatSpan(_sink.ExemplarSpans[0]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(16)]
    public void ExemplarWithoutAnEightByteSpanId_KeepsItsTraceId_WithNoSpan(int length)
    {
        var metric = Gauge("g", T0, 1);
        var e = Exemplar(TraceA, 1);
        e.SpanId = ByteString.CopyFrom(Enumerable.Repeat((byte)0x5a, length).ToArray());
        metric.Gauge.DataPoints[0].Exemplars.Add(e);

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Equal(TraceA, Assert.Single(_sink.Exemplars).TraceId);
        Assert.Equal(0UL, Assert.Single(_sink.ExemplarSpans));
        Assert.Equal(0, _decoder.Counters.MalformedExemplars);
    }

    [Fact]
    public void ExponentialHistogram_TheLargestExemplarsTraceIdGoesWithAllItsSeries()
    {
        var p = new ExponentialHistogramDataPoint
        {
            StartTimeUnixNano = T0,
            TimeUnixNano = T0 + (10 * Second),
            Count = 6,
            Sum = 9,
            Scale = 0,
            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 0 },
        };
        p.Positive.BucketCounts.Add([2, 3, 1]);
        p.Exemplars.Add([Exemplar(TraceC, asInt: 7), Exemplar(TraceA, 1.5)]);
        var h = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Delta };
        h.DataPoints.Add(p);

        _decoder.Decode(Request(PodResource(), new Metric { Name = "rpc.duration", ExponentialHistogram = h }), _sink);

        Assert.Equal(5, _sink.Points.Count);
        Assert.Equal(_sink.Points.Select(x => (x.Series, x.TimestampMs, TraceC)), _sink.Exemplars);
    }

    [Fact]
    public void LargestValueRule_EqualValuesKeepTheFirst_NoValueRanksLast_NoTraceIdIsIgnored()
    {
        var metric = Gauge("g", T0, 1);
        var points = metric.Gauge.DataPoints[0].Exemplars;
        points.Add(new Exemplar { TimeUnixNano = T0, TraceId = Bytes(TraceC) }); // no value: below any value
        points.Add(Exemplar(TraceA, 3));
        points.Add(Exemplar(TraceB, 3));                                          // equal: the first stays
        points.Add(new Exemplar { TimeUnixNano = T0, AsDouble = 99 });            // no trace: not a candidate

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Equal(TraceA, Assert.Single(_sink.Exemplars).TraceId);
        Assert.Equal(0, _decoder.Counters.MalformedExemplars);
    }

    [Fact]
    public void OnlyAnExemplarWithoutValue_StillExemplifies()
    {
        var metric = Gauge("g", T0, 1);
        metric.Gauge.DataPoints[0].Exemplars.Add(new Exemplar { TraceId = Bytes(TraceB) });

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Equal(TraceB, Assert.Single(_sink.Exemplars).TraceId);
    }

    [Fact]
    public void PointsWithoutExemplars_AreNotExemplified_AndAPointsExemplarDoesNotLeakToTheNext()
    {
        var withExemplar = Gauge("g1", T0, 1);
        withExemplar.Gauge.DataPoints[0].Exemplars.Add(Exemplar(TraceA, 1));
        var withSummary = new Summary();
        withSummary.DataPoints.Add(new SummaryDataPoint { TimeUnixNano = T0, Count = 1, Sum = 1 });

        _decoder.Decode(Request(PodResource(), withExemplar, Gauge("g2", T0, 2), new Metric { Name = "s", Summary = withSummary }), _sink);

        Assert.Equal(2, _sink.Points.Count);
        var e = Assert.Single(_sink.Exemplars);
        Assert.StartsWith("g1{", e.Series, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(16)] // all zero: an invalid trace id
    public void TraceIdThatIsNotSixteenBytesOrIsZero_IsIgnoredAndCounted_ThePointIsUsed(int length)
    {
        var metric = Gauge("g", T0, 1);
        metric.Gauge.DataPoints[0].Exemplars.Add(new Exemplar { AsDouble = 5, TraceId = ByteString.CopyFrom(new byte[length]) });
        metric.Gauge.DataPoints[0].Exemplars.Add(Exemplar(TraceA, 1));

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Single(_sink.Points);
        Assert.Equal(TraceA, Assert.Single(_sink.Exemplars).TraceId);
        Assert.Equal(1, _decoder.Counters.MalformedExemplars);
    }

    [Theory]
    [InlineData(new byte[] { 0x28, 0x01 })]             // trace_id (5) as a varint
    [InlineData(new byte[] { 0x18, 0x01 })]             // as_double (3) as a varint
    [InlineData(new byte[] { 0x2A, 0x10, 0x01 })]       // trace_id claims 16 bytes, has 1
    public void StructurallyBrokenExemplar_RejectsTheRecord_NothingEmitted(byte[] exemplar)
    {
        // A good gauge first, so a record that emitted before failing would show.
        var good = Gauge("good", T0, 1).Gauge.DataPoints[0].ToByteArray();
        var point = new NumberDataPoint { TimeUnixNano = T0, AsDouble = 2 }.ToByteArray().Concat(Field(5, exemplar)).ToArray();
        var gauge = Field(1, good).Concat(Field(1, point)).ToArray();
        var metric = Field(1, "g"u8.ToArray()).Concat(Field(5, gauge)).ToArray();
        var scope = Field(2, metric);
        var rm = Field(1, PodResource().ToByteArray()).Concat(Field(2, scope)).ToArray();
        var request = Field(1, rm);

        Assert.Throws<RecordDecodeException>(() => _decoder.Decode(request, _sink));
        Assert.Empty(_sink.Points);
        Assert.Empty(_sink.Exemplars);
    }

    [Fact]
    public void ExemplarWithAttributesSpanIdAndTime_Decodes()
    {
        var metric = Gauge("g", T0, 1);
        var e = Exemplar(TraceA, 1);
        e.SpanId = ByteString.CopyFrom(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        e.FilteredAttributes.Add(Attr("http.route", "/pay"));
        metric.Gauge.DataPoints[0].Exemplars.Add(e);

        _decoder.Decode(Request(PodResource(), metric), _sink);

        Assert.Equal(TraceA, Assert.Single(_sink.Exemplars).TraceId);
        Assert.Equal(0x0102030405060708UL, Assert.Single(_sink.ExemplarSpans));
        Assert.DoesNotContain("http.route", Assert.Single(_sink.Points).Series, StringComparison.Ordinal); // exemplar attributes do not key
    }

    [Fact]
    public void OtlpJson_ExemplarTraceIdInHex_ReachesTheSinkAsTheSameId()
    {
        var json = $$$"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]},
             "scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"{{{T0}}}","asDouble":1,
             "exemplars":[{"timeUnixNano":"{{{T0}}}","asDouble":0.5,"traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"00f067aa0ba902b7"}]}]}}]}]}]}
            """;

        _decoder.Decode(OtlpJsonTranscoder.MetricsRequestToProtobuf(System.Text.Encoding.UTF8.GetBytes(json)), _sink);

        Assert.Equal(TraceA, Assert.Single(_sink.Exemplars).TraceId);
        Assert.Equal(0x00f067aa0ba902b7UL, Assert.Single(_sink.ExemplarSpans));
    }

    private static Exemplar Exemplar(UInt128 traceId, double? asDouble = null, long? asInt = null)
    {
        var e = new Exemplar { TimeUnixNano = T0, TraceId = Bytes(traceId), SpanId = ByteString.CopyFrom(new byte[8] { 0, 0, 0, 0, 0, 0, 0, 1 }) };
        if (asDouble is { } d)
            e.AsDouble = d;
        if (asInt is { } i)
            e.AsInt = i;
        return e;
    }

    private static UInt128 Id(string hex) => BinaryPrimitives.ReadUInt128BigEndian(Convert.FromHexString(hex));

    private static ByteString Bytes(UInt128 id)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, id);
        return ByteString.CopyFrom(b);
    }

    private static byte[] Field(int field, byte[] payload)
    {
        var bytes = new List<byte> { (byte)((field << 3) | 2) };
        var n = (uint)payload.Length;
        while (n >= 0x80)
        {
            bytes.Add((byte)(n | 0x80));
            n >>= 7;
        }

        bytes.Add((byte)n);
        bytes.AddRange(payload);
        return [.. bytes];
    }
}
