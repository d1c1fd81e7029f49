using FinScale.Contracts;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>OTLP records as the Collector's kafkaexporter writes them, generated from a seed.</summary>
internal static class OtlpWorkloads
{
    private static readonly double[] Bounds = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000];

    internal static Resource PodResource(string service, string pod, string node = "node-a", string version = "1.0.0")
    {
        var r = new Resource();
        r.Attributes.Add(Attr(WellKnownAttributes.ServiceName, service));
        r.Attributes.Add(Attr(WellKnownAttributes.Namespace, "payments"));
        r.Attributes.Add(Attr(WellKnownAttributes.PodName, pod));
        r.Attributes.Add(Attr(WellKnownAttributes.NodeName, node));
        r.Attributes.Add(Attr(WellKnownAttributes.ServiceVersion, version));
        r.Attributes.Add(Attr("host.arch", "amd64"));
        return r;
    }

    /// <summary>
    /// One cumulative latency histogram per pod per minute: ~60 requests a minute around <paramref name="levelMs"/>,
    /// and at minute <paramref name="spikeAt"/> the first pod's requests take <paramref name="spikeMs"/>.
    /// Returns (key, ExportMetricsServiceRequest bytes) records in time order. With <paramref name="exemplars"/>, every
    /// point carries two exemplars, as an SDK's bucket-aligned reservoir would: the minute's fastest request first, then
    /// its slowest, with the trace ids <see cref="ExemplarTraceId"/>(pod, minute, 0) and (pod, minute, 1).
    /// </summary>
    public static List<(byte[] Key, ExportMetricsServiceRequest Request)> LatencyHistograms(string[] pods, int minutes, double levelMs, int seed, int? spikeAt = null, double spikeMs = 0, bool exemplars = false)
    {
        var rng = new Random(seed);
        var cumulative = pods.Select(_ => new ulong[Bounds.Length + 1]).ToArray();
        var sums = new double[pods.Length];
        var records = new List<(byte[], ExportMetricsServiceRequest)>();
        var start = Nanos(Workloads.Start.AddMinutes(-1));
        for (var m = 0; m < minutes; m++)
        {
            for (var p = 0; p < pods.Length; p++)
            {
                double fastest = double.MaxValue, slowest = 0;
                for (var i = 0; i < 60; i++)
                {
                    // With exemplars the spike's requests spread a little below spikeMs, so its fastest and slowest differ.
                    var v = m == spikeAt && p == 0 ? spikeMs - (exemplars ? i * 0.5 : 0) : Math.Max(1, levelMs + (levelMs * 0.1 * Gaussian(rng)));
                    fastest = Math.Min(fastest, v);
                    slowest = Math.Max(slowest, v);
                    var b = 0;
                    while (b < Bounds.Length && v > Bounds[b])
                        b++;
                    cumulative[p][b]++;
                    sums[p] += v;
                }

                var point = new HistogramDataPoint
                {
                    StartTimeUnixNano = start,
                    TimeUnixNano = Nanos(Workloads.Start.AddMinutes(m)),
                    Count = (ulong)cumulative[p].Sum(c => (long)c),
                    Sum = sums[p],
                };
                point.ExplicitBounds.Add(Bounds);
                point.BucketCounts.Add(cumulative[p]);
                point.Attributes.Add(Attr("http.route", "/charge"));
                if (exemplars)
                {
                    var time = point.TimeUnixNano - 1_000_000_000;
                    point.Exemplars.Add(new Exemplar { TimeUnixNano = time, AsDouble = fastest, TraceId = ByteString.CopyFrom(ExemplarTraceId(p, m, 0)), SpanId = ByteString.CopyFrom(ExemplarSpanId(p, 0)) });
                    point.Exemplars.Add(new Exemplar { TimeUnixNano = time, AsDouble = slowest, TraceId = ByteString.CopyFrom(ExemplarTraceId(p, m, 1)), SpanId = ByteString.CopyFrom(ExemplarSpanId(p, 1)) });
                }

                var histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative };
                histogram.DataPoints.Add(point);
                records.Add((System.Text.Encoding.UTF8.GetBytes(pods[p]), Request(PodResource("checkout", pods[p]), new Metric { Name = "http.server.request.duration", Unit = "ms", Histogram = histogram })));
            }
        }

        return records;
    }

    /// <summary>The 16-byte trace id of exemplar <paramref name="rank"/> (0 fastest, 1 slowest) of pod <paramref name="pod"/>'s point at <paramref name="minute"/>.</summary>
    public static byte[] ExemplarTraceId(int pod, int minute, int rank)
    {
        var id = new byte[16];
        id[0] = 0x5e;
        id[1] = (byte)pod;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(id.AsSpan(2), minute);
        id[15] = (byte)(rank + 1);
        return id;
    }

    /// <summary>The 8-byte span id of exemplar <paramref name="rank"/> (0 fastest, 1 slowest) of pod <paramref name="pod"/>'s points.</summary>
    public static byte[] ExemplarSpanId(int pod, int rank) => rank == 0 ? [1, 2, 3, 4, 5, 6, 7, (byte)pod] : [8, 7, 6, 5, 4, 3, 2, (byte)pod];

    /// <summary>
    /// Server spans of checkout's pods, 30 per pod per minute, in the first seconds of each minute; at minute
    /// <paramref name="spikeAt"/> the first pod's spans take <paramref name="spikeMs"/>. Each trace's record also holds
    /// a frontend client span calling checkout. One record per (minute, pod), keyed by its first trace id. With
    /// <paramref name="spikeStepMs"/>, the spike's spans take spikeMs, spikeMs + step, ... so exactly one is the slowest.
    /// </summary>
    public static List<(byte[] Key, ExportTraceServiceRequest Request)> CheckoutSpans(string[] pods, int minutes, double levelMs, int seed, int? spikeAt = null, double spikeMs = 0, double spikeStepMs = 0)
    {
        var rng = new Random(seed);
        var records = new List<(byte[], ExportTraceServiceRequest)>();
        var frontend = PodResource("frontend", "frontend-1");
        for (var m = 0; m < minutes; m++)
        {
            for (var p = 0; p < pods.Length; p++)
            {
                var server = new ScopeSpans();
                var client = new ScopeSpans();
                byte[]? firstTrace = null;
                for (var i = 0; i < 30; i++)
                {
                    var trace = new byte[16];
                    var clientId = new byte[8];
                    var serverId = new byte[8];
                    rng.NextBytes(trace);
                    rng.NextBytes(clientId);
                    rng.NextBytes(serverId);
                    firstTrace ??= trace;
                    var ms = m == spikeAt && p == 0 ? spikeMs + (i * spikeStepMs) : Math.Max(1, levelMs + (levelMs * 0.1 * Gaussian(rng)));
                    var begin = Nanos(Workloads.Start.AddMinutes(m).AddMilliseconds(i * 100));
                    var end = begin + (ulong)(ms * 1e6);
                    server.Spans.Add(new Span
                    {
                        TraceId = ByteString.CopyFrom(trace),
                        SpanId = ByteString.CopyFrom(serverId),
                        ParentSpanId = ByteString.CopyFrom(clientId),
                        Name = "POST /charge",
                        Kind = Span.Types.SpanKind.Server,
                        StartTimeUnixNano = begin,
                        EndTimeUnixNano = end,
                        Status = new Status { Code = Status.Types.StatusCode.Unset },
                    });
                    client.Spans.Add(new Span
                    {
                        TraceId = ByteString.CopyFrom(trace),
                        SpanId = ByteString.CopyFrom(clientId),
                        Name = "POST",
                        Kind = Span.Types.SpanKind.Client,
                        StartTimeUnixNano = begin - 1_000_000,
                        EndTimeUnixNano = end + 1_000_000,
                    });
                }

                var request = new ExportTraceServiceRequest();
                var rs = new ResourceSpans { Resource = PodResource("checkout", pods[p]) };
                rs.ScopeSpans.Add(server);
                request.ResourceSpans.Add(rs);
                var rc = new ResourceSpans { Resource = frontend };
                rc.ScopeSpans.Add(client);
                request.ResourceSpans.Add(rc);
                records.Add((firstTrace!, request));
            }
        }

        return records;
    }

    /// <summary>OTLP/JSON of a message: proto3 JSON with ids in hex, as OTLP/JSON requires.</summary>
    public static byte[] ToOtlpJson(IMessage message)
    {
        var json = new JsonFormatter(new JsonFormatter.Settings(formatDefaultValues: false)).Format(message);
        var doc = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        HexIds(doc);
        return System.Text.Encoding.UTF8.GetBytes(doc.ToJsonString());
    }

    private static void HexIds(System.Text.Json.Nodes.JsonNode node)
    {
        if (node is System.Text.Json.Nodes.JsonObject o)
        {
            foreach (var name in new[] { "traceId", "spanId", "parentSpanId" })
            {
                if (o[name] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var b64))
                    o[name] = Convert.ToHexString(Convert.FromBase64String(b64)).ToLowerInvariant();
            }

            foreach (var (_, child) in o.ToList())
            {
                if (child is not null)
                    HexIds(child);
            }
        }
        else if (node is System.Text.Json.Nodes.JsonArray a)
        {
            foreach (var child in a)
            {
                if (child is not null)
                    HexIds(child);
            }
        }
    }

    private static ExportMetricsServiceRequest Request(Resource resource, Metric metric)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "checkout" } };
        scope.Metrics.Add(metric);
        var rm = new ResourceMetrics { Resource = resource };
        rm.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(rm);
        return request;
    }

    private static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static ulong Nanos(DateTimeOffset t) => (ulong)t.ToUnixTimeMilliseconds() * 1_000_000;

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
