using FinScale.Host.Loadgen;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.IntegrationTests.Interop;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace FinScale.IntegrationTests;

/// <summary>
/// <c>finscale loadgen</c> pointed at an in-process OTLP/HTTP receiver: what it sends decodes, with the generated OTLP
/// classes, to one resource per simulated pod with its service and k8s attributes, the HTTP server metrics, the CPU
/// gauge, server spans from every pod and client → server spans across services in one trace; the incident's pod is slower.
/// </summary>
public class LoadgenCliTests
{
    private static readonly string[] ResourceKeys = ["service.name", "service.version", "k8s.namespace.name", "k8s.deployment.name", "k8s.pod.name", "k8s.node.name"];

    [Fact]
    public async Task Loadgen_ToAnOtlpHttpReceiver_SendsPodResourcesMetricsAndConnectedSpans()
    {
        await using var capture = OtlpHttpCapture.Start();

        var run = await FinscaleProcess.RunAsync(
            [
                "loadgen", "--otlp-endpoint", capture.BaseAddress.ToString(), "--services", "2", "--pods", "2", "--rate", "50",
                "--duration", "4s", "--export-interval", "500ms", "--incident", "pod-latency", "--warm-up", "1s", "--incident-for", "1m",
            ],
            TimeSpan.FromMinutes(1));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.StartsWith("loadgen pods=4 requests=", run.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Contains("incident pod-latency: shop/checkout-", run.Stderr, StringComparison.Ordinal);

        var metricBodies = capture.Received("/v1/metrics");
        Assert.NotEmpty(metricBodies);
        Assert.All(metricBodies, r => Assert.Equal("application/x-protobuf", r.ContentType));
        var resourceMetrics = metricBodies.SelectMany(r => ExportMetricsServiceRequest.Parser.ParseFrom(r.Payload()).ResourceMetrics).ToList();
        var pods = resourceMetrics.GroupBy(rm => Attr(rm.Resource.Attributes, "k8s.pod.name")).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(4, pods.Count);
        foreach (var rm in resourceMetrics)
        {
            foreach (var key in ResourceKeys)
                Assert.False(string.IsNullOrEmpty(Attr(rm.Resource.Attributes, key)), key + " missing");
            Assert.Equal("shop", Attr(rm.Resource.Attributes, "k8s.namespace.name"));
            Assert.Equal(Attr(rm.Resource.Attributes, "service.name"), Attr(rm.Resource.Attributes, "k8s.deployment.name"));
            Assert.StartsWith(Attr(rm.Resource.Attributes, "service.name") + "-", Attr(rm.Resource.Attributes, "k8s.pod.name"), StringComparison.Ordinal);
        }

        Assert.Equal(["checkout", "frontend"], pods.Values.Select(v => Attr(v[0].Resource.Attributes, "service.name")).Distinct().Order(StringComparer.Ordinal));
        foreach (var (pod, exports) in pods)
        {
            var metrics = exports.SelectMany(rm => rm.ScopeMetrics).SelectMany(sm => sm.Metrics).ToList();
            var duration = metrics.Where(m => m.Name == "http.server.request.duration").ToList();
            Assert.NotEmpty(duration);
            Assert.All(duration, m =>
            {
                Assert.Equal("s", m.Unit);
                Assert.Equal(Metric.DataOneofCase.Histogram, m.DataCase);
                Assert.All(m.Histogram.DataPoints, p => Assert.Equal(SimulatedPod.DurationBuckets, p.ExplicitBounds));
            });
            Assert.Contains(metrics, m => m.Name == "http.server.requests" && m.DataCase == Metric.DataOneofCase.Sum && m.Sum.IsMonotonic);
            Assert.Contains(metrics, m => m.Name == "k8s.pod.cpu.utilization" && m.DataCase == Metric.DataOneofCase.Gauge);
            Assert.True(MeanLatency(exports) > 0, pod);
        }

        // The incident's pod (first pod of the second service) is several times slower than its sibling.
        var checkout = pods.Keys.Where(p => p.StartsWith("checkout-", StringComparison.Ordinal)).ToList();
        var means = checkout.ToDictionary(p => p, p => MeanLatency(pods[p]));
        var slow = means.MaxBy(kv => kv.Value);
        var normal = means.MinBy(kv => kv.Value);
        Assert.True(slow.Value > 3 * normal.Value, $"incident pod {slow.Key} mean {slow.Value:F4}s vs {normal.Key} {normal.Value:F4}s");
        Assert.Contains($"shop/{slow.Key} is 8x slower", run.Stderr, StringComparison.Ordinal);

        var spanBodies = capture.Received("/v1/traces");
        Assert.NotEmpty(spanBodies);
        var spans = spanBodies
            .SelectMany(r => ExportTraceServiceRequest.Parser.ParseFrom(r.Payload()).ResourceSpans)
            .SelectMany(rs => rs.ScopeSpans.SelectMany(ss => ss.Spans).Select(s => (Service: Attr(rs.Resource.Attributes, "service.name"), Pod: Attr(rs.Resource.Attributes, "k8s.pod.name"), Span: s)))
            .ToList();
        Assert.Equal(pods.Keys.Order(StringComparer.Ordinal), spans.Where(s => s.Span.Kind == Span.Types.SpanKind.Server).Select(s => s.Pod).Distinct().Order(StringComparer.Ordinal));
        var clients = spans.Where(s => s.Span.Kind == Span.Types.SpanKind.Client).ToList();
        Assert.NotEmpty(clients);
        Assert.All(clients, c => Assert.Equal("frontend", c.Service));
        var byParent = spans.Where(s => !s.Span.ParentSpanId.IsEmpty).ToLookup(s => s.Span.ParentSpanId);
        var edges = clients.Where(c => byParent[c.Span.SpanId].Any(s => s.Span.Kind == Span.Types.SpanKind.Server && s.Service == "checkout" && s.Span.TraceId == c.Span.TraceId)).ToList();
        Assert.NotEmpty(edges);
        // Each client span is the child of its own pod's server span, in the same trace.
        var ids = spans.ToDictionary(s => s.Span.SpanId, s => s);
        Assert.All(edges, c =>
        {
            var parent = ids[c.Span.ParentSpanId];
            Assert.Equal(Span.Types.SpanKind.Server, parent.Span.Kind);
            Assert.Equal(c.Pod, parent.Pod);
            Assert.Equal(c.Span.TraceId, parent.Span.TraceId);
        });
    }

    /// <summary>Mean request duration of a pod: its last cumulative histogram's sum over count, over every route and status.</summary>
    private static double MeanLatency(IEnumerable<ResourceMetrics> exports)
    {
        var points = exports.SelectMany(rm => rm.ScopeMetrics).SelectMany(sm => sm.Metrics)
            .Where(m => m.Name == "http.server.request.duration")
            .SelectMany(m => m.Histogram.DataPoints)
            .GroupBy(p => string.Join(',', p.Attributes.Select(a => a.Key + "=" + a.Value)))
            .Select(g => g.MaxBy(p => p.TimeUnixNano)!)
            .ToList();
        var count = points.Sum(p => (double)p.Count);
        return count == 0 ? 0 : points.Sum(p => p.Sum) / count;
    }

    private static string Attr(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue ?? string.Empty;
}
