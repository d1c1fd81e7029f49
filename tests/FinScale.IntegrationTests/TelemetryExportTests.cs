using System.Globalization;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.IntegrationTests.Interop;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Metrics.V1;

namespace FinScale.IntegrationTests;

/// <summary>
/// <c>finscale run</c>'s own telemetry over OTLP (HTTP/protobuf, configured with the standard OTEL_ variables) to an
/// in-process receiver: every instrument the run feeds, with the values of what it did, and a remediation span per
/// decision linked to the trace of the exemplar behind its anomaly.
/// </summary>
public sealed class TelemetryExportTests(EmbeddedClusterFixture cluster) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task Run_ExportsItsMetricsAndARemediationSpanLinkedToTheAnomalysTrace()
    {
        using var h = await PipelineHarness.CreateAsync(cluster);
        string[] pods = ["checkout-7c9d8-qx2vw", "checkout-7c9d8-4hkzp"];
        var records = OtlpWorkloads.LatencyHistograms(pods, 240, 120, seed: 11, spikeAt: 200, spikeMs: 950, exemplars: true);
        var junk = Enumerable.Range(0, 7).Select(i => ((byte[]?)null, new byte[] { 0x0a, 0xff, 0xff, (byte)i })).ToList(); // truncated protobuf
        h.PublishRaw(h.Topics.OtlpMetrics, records.Select(r => ((byte[]?)r.Key, r.Request.ToByteArray())).Concat(junk));

        // The shipped demo policy, but with the namespace not allowed: the restart is decided and held back by a guard.
        var policyText = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "samples", "demo-policy.yaml"));
        var allowed = new System.Text.RegularExpressions.Regex(@"allowed_namespaces: \[[^\]]*\]");
        Assert.Matches(allowed, policyText);
        var policy = Path.Combine(Path.GetTempPath(), $"finscale-telemetry-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(policy, allowed.Replace(policyText, "allowed_namespaces: [elsewhere]"));

        await using var capture = OtlpHttpCapture.Start();
        var t = h.Topics;
        var environment = h.TopicEnvironment(new Dictionary<string, string>
        {
            ["FINSCALE_Telemetry__Port"] = TelemetryCliTests.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = capture.BaseAddress.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["FINSCALE_Kafka__Properties__statistics.interval.ms"] = "500",
        });
        try
        {
            var run = await FinscaleProcess.RunAsync(
                ["run", "--bootstrap-servers", cluster.BootstrapServers, "--policy", policy, "--group", "telemetry-export", "--until-idle", "5s"],
                TimeSpan.FromMinutes(3),
                environment);
            Assert.True(run.ExitCode == 0, run.Stderr);
        }
        finally
        {
            File.Delete(policy);
        }

        // Metrics: the last export of each instrument (the provider exports once more as the run stops).
        var exported = capture.Received("/v1/metrics")
            .SelectMany(r => ExportMetricsServiceRequest.Parser.ParseFrom(r.Payload()).ResourceMetrics)
            .SelectMany(rm => rm.ScopeMetrics).SelectMany(sm => sm.Metrics)
            .ToList();
        Assert.NotEmpty(exported);
        Metric Last(string name) => exported.Last(m => m.Name == name);
        static long Sum(Metric m) => m.Sum.DataPoints.Sum(p => p.AsInt);
        static string? Attr(NumberDataPoint p, string key) => p.Attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue;

        Assert.Equal(records.Count + junk.Count, Sum(Last("finscale.records.consumed")));
        Assert.Equal(junk.Count, Sum(Last("finscale.records.dead_lettered")));
        Assert.True(Sum(Last("finscale.points.consumed")) >= records.Count, "points consumed");
        Assert.Contains(Last("finscale.decode.errors").Sum.DataPoints, p => Attr(p, "signal") == "metrics");
        Assert.True(Last("finscale.series.active").Gauge.DataPoints.Single().AsInt > 0, "active series");
        Assert.Equal(1_000_000, Last("finscale.series.limit").Gauge.DataPoints.Single().AsInt); // Detection:MaxSeries: this machine's memory holds it

        // Checkpoints (every 5 minutes by default, and at stop): the stop wrote every series, and no cycle is left.
        Assert.Equal(Last("finscale.series.active").Gauge.DataPoints.Single().AsInt, Sum(Last("finscale.checkpoints.written")));
        Assert.Equal(0, Last("finscale.checkpoints.pending").Gauge.DataPoints.Single().AsInt);
        Assert.Equal(0, Sum(Last("finscale.checkpoints.restored")));
        Assert.Equal(0, Sum(Last("finscale.checkpoints.expired")));
        Assert.Contains(exported.Where(m => m.Name == "finscale.consumer.lag").SelectMany(m => m.Gauge.DataPoints),
            p => Attr(p, "topic") == t.OtlpMetrics && p.Attributes.Any(a => a.Key == "partition"));
        Assert.True(Last("finscale.detection.latency").Histogram.DataPoints.Sum(p => (long)p.Count) > 0, "detection latency");
        Assert.Contains(Last("finscale.anomalies").Sum.DataPoints, p => Attr(p, "metric") == "http.server.request.duration.p99" && Attr(p, "kind") == "latency" && p.AsInt >= 1);
        Assert.Contains(Last("finscale.decisions").Sum.DataPoints, p => Attr(p, "action") == "restart_pod" && Attr(p, "outcome") == "held_back" && p.AsInt >= 1);
        Assert.Contains(Last("finscale.guard.held_back").Sum.DataPoints, p => Attr(p, "guard") == "namespace" && p.AsInt >= 1);

        // Traces: the restart's span, linked to the spike minute's slowest exemplar: its trace and its span.
        var expectedTrace = ByteString.CopyFrom(OtlpWorkloads.ExemplarTraceId(0, 200, 1));
        var expectedSpan = ByteString.CopyFrom(OtlpWorkloads.ExemplarSpanId(0, 1));
        var spans = capture.Received("/v1/traces")
            .SelectMany(r => ExportTraceServiceRequest.Parser.ParseFrom(r.Payload()).ResourceSpans)
            .SelectMany(rs => rs.ScopeSpans).SelectMany(ss => ss.Spans)
            .ToList();
        var restart = Assert.Single(spans, s => s.Name == "remediation restart_pod");
        Assert.Contains(restart.Links, l => l.TraceId == expectedTrace && l.SpanId == expectedSpan);
        Assert.Contains(restart.Attributes, a => a.Key == "finscale.outcome" && a.Value.StringValue == "held_back");
        Assert.Contains(restart.Attributes, a => a.Key == "finscale.guard" && a.Value.StringValue == "namespace");
    }
}
