using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Otlp;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Metrics.V1;
using static FinScale.Streaming.Tests.Otlp.Otlp;

namespace FinScale.Streaming.Tests.Otlp;

public class OtlpMetricsDecoderTests
{
    private const string Pod = "k8s.namespace.name=\"pay\",k8s.pod.name=\"payments-1\",service.name=\"payments\"";
    private readonly SeriesCatalog _catalog = new(10_000);
    private readonly FixedTime _time = new(DateTimeOffset.FromUnixTimeMilliseconds((long)(T0 / 1_000_000)).AddHours(1));
    private readonly OtlpMetricsDecoder _decoder;
    private readonly Otlp.Sink _sink;

    public OtlpMetricsDecoderTests()
    {
        _decoder = new OtlpMetricsDecoder(_catalog, new OtlpOptions(), _time);
        _sink = new Otlp.Sink(_catalog);
    }

    private void Decode(byte[] request) => _decoder.Decode(request, _sink);

    [Fact]
    public void Decode_Gauge_KeysByNameIdentifyingResourceAndPointAttributes()
    {
        Decode(Request(PodResource(), Gauge("process.cpu.utilization", T0, 0.25, Attr("state", "user"))));

        var p = Assert.Single(_sink.Points);
        Assert.Equal($"process.cpu.utilization{{{Pod},state=\"user\"}}", p.Series);
        Assert.Equal((long)(T0 / 1_000_000), p.TimestampMs);
        Assert.Equal(0.25, p.Value);
        Assert.DoesNotContain("host.name", p.Series);
        Assert.Equal(SeriesKey.Create("process.cpu.utilization", new Dictionary<string, string>
        {
            ["service.name"] = "payments", ["k8s.namespace.name"] = "pay", ["k8s.pod.name"] = "payments-1", ["state"] = "user",
        }).Text, p.Series);
    }

    [Fact]
    public void Decode_CumulativeCounter_EmitsRatePerSecondFromTheSecondPoint()
    {
        Decode(Request(PodResource(), Counter("http.requests", T0, T0 + (10 * Second), 100)));
        Assert.Empty(_sink.Points);
        Decode(Request(PodResource(), Counter("http.requests", T0, T0 + (20 * Second), 300)));
        Decode(Request(PodResource(), Counter("http.requests", T0, T0 + (30 * Second), 350)));

        Assert.Equal([20.0, 5.0], _sink.Points.Select(p => p.Value));
        Assert.All(_sink.Points, p => Assert.Equal($"http.requests.rate{{{Pod}}}", p.Series));
    }

    [Fact]
    public void Decode_SameStreamWithAttributesInAnotherWireOrder_IsOneStream()
    {
        Decode(Request(PodResource(), Counter("c", T0, T0 + (10 * Second), 100, attrs: [Attr("a", "1"), Attr("b", "2")])));
        Decode(Request(PodResource(), Counter("c", T0, T0 + (20 * Second), 300, attrs: [Attr("b", "2"), Attr("a", "1")])));
        Decode(Request(PodResource(), Gauge("g", T0, 1, Attr("a", "1"), Attr("b", "2"))));
        Decode(Request(PodResource(), Gauge("g", T0 + Second, 2, Attr("b", "2"), Attr("a", "1"))));

        Assert.Equal(20, _sink.ValueOf($"c.rate{{a=\"1\",b=\"2\",{Pod}}}"));
        Assert.Equal(2, _sink.Points.Count(p => p.Series == $"g{{a=\"1\",b=\"2\",{Pod}}}"));
        Assert.Equal(1, _decoder.StreamCount);
    }

    [Fact]
    public void Decode_ManySeriesRepeated_EveryPointLandsOnTheSeriesOfItsOwnKey()
    {
        // The byte-hash fast path must agree with the key text for every series, first sight or not.
        var expected = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            var pod = "p" + (round % 2);
            var metrics = new List<Metric>();
            for (var i = 0; i < 300; i++)
            {
                var route = "/r" + (i % 50);
                var code = (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
                metrics.Add(Gauge("g" + (i % 7), T0 + ((ulong)round * Second), i, Attr("route", route), Attr("code", code)));
                expected.Add(SeriesKey.Create("g" + (i % 7), new Dictionary<string, string>
                {
                    ["service.name"] = "payments", ["k8s.namespace.name"] = "pay", ["k8s.pod.name"] = pod, ["route"] = route, ["code"] = code,
                }).Text);
            }

            Decode(Request(PodResource(pod: pod), [.. metrics]));
        }

        Assert.Equal(expected, _sink.Points.Select(p => p.Series));
        Assert.Equal(600, _catalog.Count);
    }

    [Fact]
    public void Decode_CounterReset_RestartsTheRateFromTheNewStartTime()
    {
        Decode(Request(PodResource(), Counter("c", T0, T0 + (10 * Second), 1000)));
        var restart = T0 + (15 * Second);
        Decode(Request(PodResource(), Counter("c", restart, restart + (5 * Second), 50)));
        Decode(Request(PodResource(), Counter("c", restart, restart + (15 * Second), 150)));

        Assert.Equal([10.0, 10.0], _sink.Points.Select(p => p.Value));
        Assert.Equal(1, _decoder.Counters.CounterResets);
    }

    [Fact]
    public void Decode_CounterRepeatedOrOlderTimestamp_IsStaleNotANegativeRate()
    {
        Decode(Request(PodResource(), Counter("c", T0, T0 + (10 * Second), 10)));
        Decode(Request(PodResource(), Counter("c", T0, T0 + (10 * Second), 10)));
        Decode(Request(PodResource(), Counter("c", T0, T0 + (5 * Second), 5)));
        Assert.Empty(_sink.Points);
        Assert.Equal(2, _decoder.Counters.StalePoints);
    }

    [Fact]
    public void Decode_DeltaAndNonMonotonicSums_PassThroughAsGiven()
    {
        Decode(Request(
            PodResource(),
            Counter("delta", T0, T0 + Second, 7, AggregationTemporality.Delta),
            Counter("updown", T0, T0 + Second, -3, AggregationTemporality.Cumulative, monotonic: false)));
        Assert.Equal(7, _sink.ValueOf($"delta{{{Pod}}}"));
        Assert.Equal(-3, _sink.ValueOf($"updown{{{Pod}}}"));
    }

    [Fact]
    public void Decode_CumulativeHistogram_DifferencesBucketsIntoRateMeanAndQuantiles()
    {
        double[] bounds = [10, 20, 30, 40];
        Decode(Request(PodResource(), Histogram("rpc.duration", T0, T0 + (10 * Second), bounds, [5, 0, 0, 0, 0], 25)));
        // In the next 10 s: 100 observations spread 25 per bucket over (0, 40], sum 2000.
        Decode(Request(PodResource(), Histogram("rpc.duration", T0, T0 + (20 * Second), bounds, [30, 25, 25, 25, 0], 2025)));

        Assert.Equal(10, _sink.ValueOf($"rpc.duration.rate{{{Pod}}}"));
        Assert.Equal(20, _sink.ValueOf($"rpc.duration.mean{{{Pod}}}"));
        Assert.Equal(20, _sink.ValueOf($"rpc.duration.p50{{{Pod}}}"), 6);
        Assert.Equal(36, _sink.ValueOf($"rpc.duration.p90{{{Pod}}}"), 6);
        Assert.Equal(39.6, _sink.ValueOf($"rpc.duration.p99{{{Pod}}}"), 6);
    }

    [Fact]
    public void Decode_DeltaHistogram_UsesItsOwnIntervalAndMinMax()
    {
        Decode(Request(PodResource(), Histogram("d", T0, T0 + (2 * Second), [100], [0, 10], 1500, AggregationTemporality.Delta, min: 120, max: 200)));
        Assert.Equal(5, _sink.ValueOf($"d.rate{{{Pod}}}"));
        Assert.Equal(150, _sink.ValueOf($"d.mean{{{Pod}}}"));
        Assert.InRange(_sink.ValueOf($"d.p99{{{Pod}}}"), 120, 200);
    }

    [Fact]
    public void Decode_HistogramWithMismatchedBuckets_IsSkippedAndCounted()
    {
        Decode(Request(PodResource(), Histogram("bad", T0, T0 + Second, [10, 20], [1, 1], 5, AggregationTemporality.Delta)));
        Assert.Empty(_sink.Points);
        Assert.Equal(1, _decoder.Counters.MalformedDataPoints);
    }

    [Fact]
    public void Decode_ExponentialHistogram_CumulativeWithDownscale_GivesTheIntervalQuantiles()
    {
        // Scale 1: base sqrt 2. First point: 10 values in bucket index 6 = (8, 11.3].
        Decode(Request(PodResource(), Exponential(T0 + (10 * Second), scale: 1, offset: 6, [10], sum: 95)));
        // Then scale 0 (base 2): the same 10 now at index 3 = (8, 16], plus 90 new values in index 5 = (32, 64].
        Decode(Request(PodResource(), Exponential(T0 + (20 * Second), scale: 0, offset: 3, [10, 0, 90], sum: 95 + 4050)));

        Assert.Equal(9, _sink.ValueOf($"latency.rate{{{Pod}}}"));
        Assert.Equal(45, _sink.ValueOf($"latency.mean{{{Pod}}}"), 6);
        Assert.InRange(_sink.ValueOf($"latency.p50{{{Pod}}}"), 32, 64);
        Assert.Equal(0, _decoder.Counters.CounterResets);
    }

    [Fact]
    public void Decode_Summary_EmitsTheGivenQuantilesAndRateMeanFromCountAndSum()
    {
        Decode(Request(PodResource(), Summary(T0 + (10 * Second), count: 10, sum: 100, (0.5, 9), (0.99, 30))));
        Decode(Request(PodResource(), Summary(T0 + (20 * Second), count: 30, sum: 500, (0.5, 12), (0.99, 40))));

        Assert.Equal([9.0, 12.0], _sink.Points.Where(p => p.Series == $"s.p50{{{Pod}}}").Select(p => p.Value));
        Assert.Equal([30.0, 40.0], _sink.Points.Where(p => p.Series == $"s.p99{{{Pod}}}").Select(p => p.Value));
        Assert.Equal(2, _sink.ValueOf($"s.rate{{{Pod}}}"));
        Assert.Equal(20, _sink.ValueOf($"s.mean{{{Pod}}}"));
    }

    [Fact]
    public void Decode_PointRules_SkipAndCountWithoutFailingTheRecord()
    {
        var future = (ulong)_time.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds() * 1_000_000;
        var flagged = Gauge("flagged", T0, 1);
        flagged.Gauge.DataPoints[0].Flags = 1;
        var noValue = Gauge("novalue", T0, 1);
        noValue.Gauge.DataPoints[0].ClearValue();
        Decode(Request(
            PodResource(),
            Gauge("nan", T0, double.NaN),
            Gauge("inf", T0, double.PositiveInfinity),
            Gauge("zero-time", 0, 1),
            Gauge("future", future, 1),
            flagged,
            noValue,
            Counter("unspecified", T0, T0 + Second, 1, AggregationTemporality.Unspecified),
            Counter("unknown-enum", T0, T0 + Second, 1, (AggregationTemporality)7),
            Gauge("ok", T0, 1)));

        Assert.Equal($"ok{{{Pod}}}", Assert.Single(_sink.Points).Series);
        var c = _decoder.Counters;
        Assert.Equal(3, c.NonFinitePoints);
        Assert.Equal(1, c.MissingTimestampPoints);
        Assert.Equal(1, c.FutureTimestampPoints);
        Assert.Equal(1, c.NoRecordedValuePoints);
        Assert.Equal(2, c.UnspecifiedTemporalityPoints);
        Assert.Equal(9, c.DataPoints);
    }

    [Fact]
    public void Decode_ResourceWithoutServiceName_IsKeyedAsUnknownService()
    {
        Decode(Request(PodResource(service: null!), Gauge("g", T0, 1)));
        Assert.Contains("service.name=\"unknown_service\"", Assert.Single(_sink.Points).Series);
        Assert.Equal(1, _decoder.Counters.DefaultedServiceNames);
    }

    [Fact]
    public void Decode_NonStringAttributes_RenderAsText()
    {
        var kv = new OpenTelemetry.Proto.Common.V1.KeyValue { Key = "code", Value = new() { IntValue = 503 } };
        var flag = new OpenTelemetry.Proto.Common.V1.KeyValue { Key = "retry", Value = new() { BoolValue = true } };
        var ratio = new OpenTelemetry.Proto.Common.V1.KeyValue { Key = "ratio", Value = new() { DoubleValue = 0.5 } };
        Decode(Request(PodResource(), Gauge("g", T0, 1, kv, flag, ratio)));
        var expected = SeriesKey.Create("g", new Dictionary<string, string>
        {
            ["service.name"] = "payments", ["k8s.namespace.name"] = "pay", ["k8s.pod.name"] = "payments-1", ["code"] = "503", ["retry"] = "true", ["ratio"] = "0.5",
        });
        Assert.Equal(expected.Text, Assert.Single(_sink.Points).Series);
    }

    [Fact]
    public void Decode_ResourceAfterTheScopesOnTheWire_StillKeysTheSeries()
    {
        var request = ExportMetricsServiceRequest.Parser.ParseFrom(Request(PodResource(), Gauge("g", T0, 1)));
        var rm = request.ResourceMetrics[0];
        // Field 2 (scope_metrics) first, then field 1 (resource): legal protobuf, unusual order.
        var reordered = Concat(Field(2, rm.ScopeMetrics[0].ToByteArray()), Field(1, rm.Resource.ToByteArray()));
        Decode(Field(1, reordered));
        Assert.Equal($"g{{{Pod}}}", Assert.Single(_sink.Points).Series);
    }

    [Fact]
    public void Decode_TruncatedRecord_FailsWholeAndChangesNoState()
    {
        var good = Request(PodResource(), Counter("c", T0, T0 + (10 * Second), 10), Gauge("g", T0, 1));
        Assert.Throws<RecordDecodeException>(() => Decode(good[..^3]));
        Assert.Empty(_sink.Points);
        Assert.Equal(0, _decoder.StreamCount);
        Assert.Equal(0, _catalog.Count);
    }

    [Fact]
    public void Decode_PastTheSeriesCap_RefusesAndCounts()
    {
        var small = new SeriesCatalog(3);
        var decoder = new OtlpMetricsDecoder(small, new OtlpOptions(), _time);
        var sink = new Otlp.Sink(small);
        decoder.Decode(Request(PodResource(), Enumerable.Range(0, 5).Select(i => Gauge("g" + i, T0, i)).ToArray()), sink);
        // A histogram needs five series at once: refused whole.
        decoder.Decode(Request(PodResource(), Histogram("h", T0, T0 + Second, [1], [1, 1], 2, AggregationTemporality.Delta)), sink);
        Assert.Equal(3, sink.Points.Count);
        Assert.Equal(3, decoder.Counters.Refused);
        Assert.Equal(3, small.Count);
    }

    [Fact]
    public void Decode_FuzzedInput_EitherDecodesOrIsARecordDecodeException()
    {
        var rng = new Random(1234);
        var seeds = new[]
        {
            Request(PodResource(), Gauge("g", T0, 1, Attr("a", "b")), Counter("c", T0, T0 + Second, 5)),
            Request(PodResource(), Histogram("h", T0, T0 + Second, [1, 2, 3], [1, 2, 3, 4], 10)),
            Request(PodResource(), Exponential(T0 + Second, 2, -3, [1, 2, 3], 7), Summary(T0 + Second, 3, 3, (0.5, 1))),
        };
        var failures = 0;
        for (var i = 0; i < 4000; i++)
        {
            byte[] input;
            if (i % 4 == 0)
            {
                input = new byte[rng.Next(0, 200)];
                rng.NextBytes(input);
            }
            else
            {
                input = (byte[])seeds[rng.Next(seeds.Length)].Clone();
                var edits = rng.Next(1, 6);
                for (var e = 0; e < edits; e++)
                {
                    switch (rng.Next(3))
                    {
                        case 0:
                            input[rng.Next(input.Length)] = (byte)rng.Next(256);
                            break;
                        case 1:
                            input = input[..rng.Next(input.Length)];
                            break;
                        default:
                            input[rng.Next(input.Length)] ^= (byte)(1 << rng.Next(8));
                            break;
                    }

                    if (input.Length == 0)
                        break;
                }
            }

            try
            {
                Decode(input);
            }
            catch (RecordDecodeException)
            {
                failures++;
            }
        }

        Assert.InRange(failures, 100, 4000);
    }

    private static Metric Exponential(ulong time, int scale, int offset, ulong[] counts, double sum)
    {
        var p = new ExponentialHistogramDataPoint { StartTimeUnixNano = T0, TimeUnixNano = time, Scale = scale, Sum = sum, Count = (ulong)counts.Sum(c => (long)c) };
        p.Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = offset };
        p.Positive.BucketCounts.Add(counts);
        var h = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Cumulative };
        h.DataPoints.Add(p);
        return new Metric { Name = "latency", ExponentialHistogram = h };
    }

    private static Metric Summary(ulong time, ulong count, double sum, params (double Q, double V)[] quantiles)
    {
        var p = new SummaryDataPoint { StartTimeUnixNano = T0, TimeUnixNano = time, Count = count, Sum = sum };
        foreach (var (q, v) in quantiles)
            p.QuantileValues.Add(new SummaryDataPoint.Types.ValueAtQuantile { Quantile = q, Value = v });
        var s = new Summary();
        s.DataPoints.Add(p);
        return new Metric { Name = "s", Summary = s };
    }

    private static byte[] Field(int number, byte[] payload)
    {
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(payload));
        output.Flush();
        return ms.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
