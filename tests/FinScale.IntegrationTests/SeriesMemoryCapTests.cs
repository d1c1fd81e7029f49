using System.Globalization;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.IntegrationTests.Interop;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Metrics.V1;

namespace FinScale.IntegrationTests;

/// <summary>
/// A <c>finscale run</c> whose memory would not hold <c>Detection:MaxSeries</c> series tracks as many as it holds, says so
/// at start naming the key, and refuses and counts the rest instead of running out of memory. The GC's limit is set as a
/// container's would set it (<c>DOTNET_GCHeapHardLimit</c>; in a pod, 75 % of the memory limit).
/// </summary>
public sealed class SeriesMemoryCapTests(EmbeddedClusterFixture cluster) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task Run_WithAHeapTooSmallForMaxSeries_TracksWhatFits_AndRefusesTheRest()
    {
        const int series = 1_500, points = 3;
        using var h = await PipelineHarness.CreateAsync(cluster);
        await h.PublishAsync(Workloads.Merge(Enumerable.Range(0, series)
            .Select(i => Workloads.Series("queue.depth", Workloads.PodAttributes($"worker-{i:D4}"), points, 100, 5, seed: i))
            .ToArray()));

        // 112 MiB: 85 % of it is less than the 96 MiB the budget keeps for the rest of the pipeline, so the cap is its
        // floor of 1,000 series; the process itself needs far less than that heap for 1,500 series.
        const long heapLimit = 112L << 20;
        await using var capture = OtlpHttpCapture.Start();
        var run = await FinscaleProcess.RunAsync(
            ["run", "--bootstrap-servers", cluster.BootstrapServers, "--group", "series-cap", "--until-idle", "3s"],
            TimeSpan.FromMinutes(3),
            h.TopicEnvironment(new Dictionary<string, string>
            {
                ["DOTNET_GCHeapHardLimit"] = "0x" + heapLimit.ToString("x", CultureInfo.InvariantCulture),
                ["FINSCALE_Telemetry__Port"] = TelemetryCliTests.FreePort().ToString(CultureInfo.InvariantCulture),
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = capture.BaseAddress.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            }));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Detection:MaxSeries=1000000 does not fit this process's memory: the GC may use 112 MiB", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("tracking at most 1000", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Series cap reached: 1000 series tracked", run.Stderr, StringComparison.Ordinal);

        // The provider exports once more as the run stops: these are the run's final values.
        var exported = capture.Received("/v1/metrics")
            .SelectMany(r => ExportMetricsServiceRequest.Parser.ParseFrom(r.Payload()).ResourceMetrics)
            .SelectMany(rm => rm.ScopeMetrics).SelectMany(sm => sm.Metrics)
            .ToList();
        Metric Last(string name) => exported.Last(m => m.Name == name);
        Assert.Equal(1_000, Last("finscale.series.limit").Gauge.DataPoints.Single().AsInt);
        Assert.Equal(1_000, Last("finscale.series.active").Gauge.DataPoints.Single().AsInt);
        Assert.Equal(series * points, Last("finscale.records.consumed").Sum.DataPoints.Sum(p => p.AsInt));
        var dropped = Last("finscale.points.dropped").Sum.DataPoints
            .Single(p => p.Attributes.Any(a => a.Key == "reason" && a.Value.StringValue == "series_cap"));
        Assert.Equal((series - 1_000) * points, dropped.AsInt);
    }
}
