using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using FinScale.Detection;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Otlp;
using FinScale.Streaming.Pipeline;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace FinScale.Benchmarks;

/// <summary>
/// OTLP metrics decoding per data point: FinScale's wire decoder (keys interned, counters turned into rates,
/// histograms into rate/mean/quantiles) against the generated-code alternative, Google.Protobuf's
/// <c>ExportMetricsServiceRequest.Parser.ParseFrom</c> plus a walk over every data point (which derives nothing yet).
/// </summary>
/// <remarks>
/// <para>Every invocation handles <see cref="PointsPerInvoke"/> data points: <c>PointsPerInvoke / PointsPerRequest</c>
/// requests, one pod's export each, pods in turn. <c>OperationsPerInvoke</c> makes BenchmarkDotNet's per-operation
/// figures per data point: time per point, and bytes allocated per point.</para>
/// <para>Requests are steady-state exports of cumulative instruments: before a pod's request is used again, its
/// timestamps move on 10 s and its counters and histogram buckets grow, so every counter yields a rate and every
/// histogram a non-empty interval. That advance rewrites fixed-width fields in place; <see cref="AdvanceOnly"/>
/// measures it alone, and both decoders pay it.</para>
/// <para>With <see cref="Exemplars"/>, points carry exemplars as the OpenTelemetry SDKs record them: every counter
/// point one (<c>as_int</c>, trace and span id, time), every histogram point three (<c>as_double</c>, as bucket-aligned
/// reservoirs keep one per bucket hit), gauges none; FinScale's sink then writes every exemplified update into an
/// <see cref="ExemplarIndex"/> of the default size, as the pipeline's consume thread does.</para>
/// </remarks>
[MemoryDiagnoser]
public class OtlpDecodeBenchmarks
{
    /// <summary>Data points handled by one invocation (the unit of <c>OperationsPerInvoke</c>).</summary>
    public const int PointsPerInvoke = 10_000;

    /// <summary>Distinct point streams across all pods, whatever the request size.</summary>
    private const int StreamsInTotal = 4_000;

    private static readonly ulong Start = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z
    private static readonly ulong Interval = 10_000_000_000;          // 10 s between a pod's exports

    private AdvancingRequest[] _requests = [];
    private int _next;
    private OtlpMetricsDecoder _decoder = null!;
    private readonly SumSink _sink = new();

    /// <summary>Data points in one request (one pod's export).</summary>
    [Params(100, 1_000)]
    public int PointsPerRequest { get; set; }

    /// <summary>Whether counter and histogram points carry exemplars (trace ids).</summary>
    [Params(false, true)]
    public bool Exemplars { get; set; }

    /// <summary>Builds one request per pod, primes the decoder with each (so every stream has a previous point), checks the output.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var pods = StreamsInTotal / PointsPerRequest;
        var rng = new Random(42);
        _requests = new AdvancingRequest[pods];
        for (var p = 0; p < pods; p++)
            _requests[p] = BuildRequest(p, PointsPerRequest, Exemplars, rng);

        var now = DateTimeOffset.FromUnixTimeMilliseconds((long)(Start / 1_000_000)).AddYears(10);
        _decoder = new OtlpMetricsDecoder(new SeriesCatalog(100_000), new OtlpOptions(), new FixedTime(now));
        foreach (var r in _requests)
        {
            r.Advance();
            _decoder.Decode(r.Bytes, _sink);
        }

        // A second round must emit every derived series: gauges as given, counters as rates, histograms as 5 series.
        var before = _sink.Count;
        var exemplifiedBefore = _sink.Exemplified;
        foreach (var r in _requests)
        {
            r.Advance();
            _decoder.Decode(r.Bytes, _sink);
        }

        var (gauges, counters, histograms) = Mix(PointsPerRequest);
        var expected = pods * (gauges + counters + (5L * histograms));
        if (_sink.Count - before != expected || _decoder.Counters.CounterResets != 0 || _decoder.Counters.StalePoints != 0)
            throw new InvalidOperationException($"workload is not steady: {_sink.Count - before} updates per round, expected {expected}; resets {_decoder.Counters.CounterResets}, stale {_decoder.Counters.StalePoints}");
        var exemplified = Exemplars ? pods * (counters + (5L * histograms)) : 0;
        if (_sink.Exemplified - exemplifiedBefore != exemplified)
            throw new InvalidOperationException($"{_sink.Exemplified - exemplifiedBefore} exemplified updates per round, expected {exemplified}");
    }

    /// <summary>The generated-code baseline: parse into message objects, then visit every data point.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = PointsPerInvoke)]
    public double GoogleProtobufParseAndWalk()
    {
        double total = 0;
        for (var n = PointsPerInvoke / PointsPerRequest; n > 0; n--)
        {
            var r = NextRequest();
            r.Advance();
            total += Walk(ExportMetricsServiceRequest.Parser.ParseFrom(r.Bytes));
        }

        return total;
    }

    /// <summary>FinScale's decoder into a sink that sums what it is given.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerInvoke)]
    public double FinScaleDecode()
    {
        for (var n = PointsPerInvoke / PointsPerRequest; n > 0; n--)
        {
            var r = NextRequest();
            r.Advance();
            _decoder.Decode(r.Bytes, _sink);
        }

        return _sink.Sum;
    }

    /// <summary>The in-place advance of the requests alone, included in both benchmarks above.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerInvoke)]
    public int AdvanceOnly()
    {
        var length = 0;
        for (var n = PointsPerInvoke / PointsPerRequest; n > 0; n--)
        {
            var r = NextRequest();
            r.Advance();
            length += r.Bytes.Length;
        }

        return length;
    }

    private AdvancingRequest NextRequest()
    {
        var r = _requests[_next];
        _next = _next + 1 == _requests.Length ? 0 : _next + 1;
        return r;
    }

    private static double Walk(ExportMetricsServiceRequest request)
    {
        double total = 0;
        foreach (var rm in request.ResourceMetrics)
        {
            total += rm.Resource.Attributes.Count;
            foreach (var sm in rm.ScopeMetrics)
            {
                foreach (var m in sm.Metrics)
                {
                    switch (m.DataCase)
                    {
                        case Metric.DataOneofCase.Gauge:
                            foreach (var p in m.Gauge.DataPoints)
                                total += p.AsDouble + p.Attributes.Count + (int)(p.TimeUnixNano & 1);
                            break;
                        case Metric.DataOneofCase.Sum:
                            foreach (var p in m.Sum.DataPoints)
                                total += p.AsInt + p.Attributes.Count + (int)(p.TimeUnixNano & 1);
                            break;
                        case Metric.DataOneofCase.Histogram:
                            foreach (var p in m.Histogram.DataPoints)
                            {
                                total += p.Count + p.Sum + p.Attributes.Count + (int)(p.TimeUnixNano & 1);
                                foreach (var c in p.BucketCounts)
                                    total += c;
                            }

                            break;
                    }
                }
            }
        }

        return total;
    }

    /// <summary>How a request's points split: 30 % gauges, 50 % cumulative counters, 20 % cumulative histograms.</summary>
    private static (int Gauges, int Counters, int Histograms) Mix(int points)
    {
        var gauges = points * 3 / 10;
        var histograms = points / 5;
        return (gauges, points - gauges - histograms, histograms);
    }

    /// <summary>
    /// One pod's export: a resource with 10 attributes (6 of them identifying), a CPU gauge per core and state, and
    /// an HTTP request counter and duration histogram per route, method and status code.
    /// </summary>
    private static AdvancingRequest BuildRequest(int pod, int points, bool exemplars, Random rng)
    {
        var slots = new SlotTable();
        var service = $"svc-{pod % 8}";
        var resource = new Resource();
        resource.Attributes.Add(
        [
            Str("service.name", service),
            Str("service.version", "2.3.1"),
            Str("k8s.namespace.name", "shop"),
            Str("k8s.deployment.name", service),
            Str("k8s.pod.name", $"{service}-7c9d8-{pod:x5}"),
            Str("k8s.node.name", $"node-{pod % 5}"),
            Str("host.name", $"ip-10-0-{pod % 250}-{pod / 250}"),
            Str("telemetry.sdk.language", "dotnet"),
            Str("telemetry.sdk.name", "opentelemetry"),
            Str("telemetry.sdk.version", "1.20.1"),
        ]);

        var (gauges, counters, histograms) = Mix(points);
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore.Hosting", Version = "10.0.0" } };

        var cpu = new Gauge();
        for (var i = 0; i < gauges; i++)
        {
            var p = new NumberDataPoint { StartTimeUnixNano = Start, TimeUnixNano = slots.Time(), AsDouble = Math.Round(rng.NextDouble(), 3) };
            p.Attributes.Add([Int("cpu", i / 3), Str("state", (i % 3) switch { 0 => "user", 1 => "system", _ => "iowait" })]);
            cpu.DataPoints.Add(p);
        }

        var requests = new Sum { AggregationTemporality = AggregationTemporality.Cumulative, IsMonotonic = true };
        for (var i = 0; i < counters; i++)
        {
            var p = new NumberDataPoint { StartTimeUnixNano = Start, TimeUnixNano = slots.Time() };
            p.AsInt = slots.Counter(rng.Next(100, 10_000), rng.Next(1, 200));
            p.Attributes.Add(HttpAttributes(i));
            if (exemplars)
                p.Exemplars.Add(Exemplar(rng, asInt: 1));
            requests.DataPoints.Add(p);
        }

        double[] bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
        var durations = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative };
        for (var i = 0; i < histograms; i++)
        {
            var p = new HistogramDataPoint { StartTimeUnixNano = Start, TimeUnixNano = slots.Time(), Min = 0.001, Max = 12.5 };
            p.ExplicitBounds.Add(bounds);
            ulong count = 0, countStep = 0;
            double sum = 0, sumStep = 0;
            for (var b = 0; b <= bounds.Length; b++)
            {
                // Most requests land in the middle buckets; the tails stay sparse.
                var weight = Math.Max(0, 6 - Math.Abs(b - 6));
                ulong initial = (ulong)(weight * rng.Next(10, 100)), step = (ulong)(weight * rng.Next(1, 5));
                p.BucketCounts.Add(slots.Bucket(initial, step));
                var mid = b == 0 ? bounds[0] / 2 : b == bounds.Length ? bounds[^1] : (bounds[b - 1] + bounds[b]) / 2;
                count += initial;
                countStep += step;
                sum += initial * mid;
                sumStep += step * mid;
            }

            p.Count = slots.Counter(count, countStep);
            p.Sum = slots.Sum(sum, sumStep);
            p.Attributes.Add(HttpAttributes(i));
            if (exemplars)
                p.Exemplars.Add([Exemplar(rng, asDouble: 0.042), Exemplar(rng, asDouble: 0.61), Exemplar(rng, asDouble: 3.2)]);
            durations.DataPoints.Add(p);
        }

        scope.Metrics.Add(new Metric { Name = "process.cpu.utilization", Unit = "1", Gauge = cpu });
        scope.Metrics.Add(new Metric { Name = "http.server.request.count", Unit = "{request}", Sum = requests });
        scope.Metrics.Add(new Metric { Name = "http.server.request.duration", Unit = "s", Histogram = durations });
        var rm = new ResourceMetrics { Resource = resource, SchemaUrl = "https://opentelemetry.io/schemas/1.26.0" };
        rm.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(rm);
        return slots.Resolve(request.ToByteArray());
    }

    // route × method × status: 4 point attributes, distinct for every i below 25 · 4 · 5 = 500.
    private static KeyValue[] HttpAttributes(int i) =>
    [
        Str("http.route", $"/api/v1/resource{i / 20}/{{id}}"),
        Str("http.request.method", ((i / 5) % 4) switch { 0 => "GET", 1 => "POST", 2 => "PUT", _ => "DELETE" }),
        Int("http.response.status_code", (i % 5) switch { 0 => 200, 1 => 201, 2 => 404, 3 => 429, _ => 500 }),
        Str("url.scheme", "http"),
    ];

    private static Exemplar Exemplar(Random rng, long? asInt = null, double? asDouble = null)
    {
        var e = new Exemplar
        {
            TimeUnixNano = Start,
            TraceId = ByteString.CopyFrom(RandomBytes(rng, 16)),
            SpanId = ByteString.CopyFrom(RandomBytes(rng, 8)),
        };
        if (asInt is { } i)
            e.AsInt = i;
        if (asDouble is { } d)
            e.AsDouble = d;
        return e;
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var bytes = new byte[n];
        rng.NextBytes(bytes);
        bytes[0] = 0x0a; // never the slot table's marker
        return bytes;
    }

    private static KeyValue Str(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Int(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    /// <summary>
    /// Fixed-width fields (fixed64 timestamps, counts, buckets, sfixed64 ints, doubles) that grow between exports.
    /// Each is first written as a unique sentinel, found in the serialized bytes, then set to its real value.
    /// </summary>
    private sealed class SlotTable
    {
        private const ulong Marker = 0xF1E7_0000_0000_0000;
        private readonly List<(ulong Initial, ulong Step, bool IsDouble, double InitialD, double StepD)> _slots = [];

        public ulong Time() => Add(Start, Interval);

        public long Counter(long initial, long step) => (long)Add((ulong)initial, (ulong)step);

        public ulong Counter(ulong initial, ulong step) => Add(initial, step);

        public ulong Bucket(ulong initial, ulong step) => Add(initial, step);

        public double Sum(double initial, double step)
        {
            _slots.Add((0, 0, true, initial, step));
            return BitConverter.UInt64BitsToDouble(Marker | (uint)(_slots.Count - 1));
        }

        public AdvancingRequest Resolve(byte[] bytes)
        {
            var offsets = new int[_slots.Count];
            Array.Fill(offsets, -1);
            for (var i = 0; i + 8 <= bytes.Length; i++)
            {
                var v = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i));
                if ((v & 0xFFFF_0000_0000_0000) != Marker || (v & 0xFFFF_FFFF) >= (ulong)offsets.Length)
                    continue;
                offsets[(int)(v & 0xFFFF_FFFF)] = i;
                i += 7;
            }

            var ints = new List<(int Offset, ulong Step)>();
            var doubles = new List<(int Offset, double Step)>();
            for (var s = 0; s < _slots.Count; s++)
            {
                if (offsets[s] < 0)
                    throw new InvalidOperationException($"slot {s} not found in the serialized request");
                var (initial, step, isDouble, initialD, stepD) = _slots[s];
                if (isDouble)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(offsets[s]), initialD - stepD);
                    doubles.Add((offsets[s], stepD));
                }
                else
                {
                    // Written one step back: the first Advance brings every field to its initial value.
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsets[s]), initial - step);
                    ints.Add((offsets[s], step));
                }
            }

            return new AdvancingRequest(bytes, [.. ints.Select(x => x.Offset)], [.. ints.Select(x => x.Step)], [.. doubles.Select(x => x.Offset)], [.. doubles.Select(x => x.Step)]);
        }

        private ulong Add(ulong initial, ulong step)
        {
            _slots.Add((initial, step, false, 0, 0));
            return Marker | (uint)(_slots.Count - 1);
        }
    }

    /// <summary>A serialized request whose growing fields are advanced in place, one export at a time.</summary>
    private sealed class AdvancingRequest(byte[] bytes, int[] intOffsets, ulong[] intSteps, int[] doubleOffsets, double[] doubleSteps)
    {
        public byte[] Bytes { get; } = bytes;

        public void Advance()
        {
            var span = Bytes.AsSpan();
            for (var i = 0; i < intOffsets.Length; i++)
            {
                var field = span.Slice(intOffsets[i], 8);
                BinaryPrimitives.WriteUInt64LittleEndian(field, BinaryPrimitives.ReadUInt64LittleEndian(field) + intSteps[i]);
            }

            for (var i = 0; i < doubleOffsets.Length; i++)
            {
                var field = span.Slice(doubleOffsets[i], 8);
                BinaryPrimitives.WriteDoubleLittleEndian(field, BinaryPrimitives.ReadDoubleLittleEndian(field) + doubleSteps[i]);
            }
        }
    }

    /// <summary>Sums what it is given, allocating nothing; exemplified updates go into an exemplar index, as in the pipeline.</summary>
    private sealed class SumSink : IPointSink
    {
        private readonly ExemplarIndex _index = new();

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public long Exemplified { get; private set; }

        public void Add(int seriesId, long timestampMs, double value)
        {
            Sum += value;
            Count++;
        }

        public void AddExemplar(int seriesId, long timestampMs, UInt128 traceId, ulong spanId)
        {
            _index.Add(seriesId, timestampMs, traceId, spanId);
            Exemplified++;
        }
    }

    /// <summary>A clock far enough ahead that no advanced timestamp counts as in the future.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
