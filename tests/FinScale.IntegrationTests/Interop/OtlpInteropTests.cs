using System.Text;
using FinScale.Contracts;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Streaming.Otlp;
using FinScale.Telemetry.Kafka;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Trace;

namespace FinScale.IntegrationTests.Interop;

/// <summary>
/// What the official OpenTelemetry .NET SDK and OTLP exporter send, FinScale's decoders read as recorded: exact series
/// keys and values for every instrument kind, spans with their ids, kinds, statuses, parents and times. The same
/// requests rendered as OTLP/JSON decode to the same points and spans as their protobuf bytes, and FinScale's own
/// Kafka exporter, fed the same measurements, writes records that decode to the same series, values and spans.
/// </summary>
public class OtlpInteropTests(EmbeddedClusterFixture kafka) : IClassFixture<EmbeddedClusterFixture>
{
    private const string MetricsPath = "/v1/metrics";
    private const string TracesPath = "/v1/traces";
    private const int FlushTimeoutMs = 30_000;
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(OtlpExportCompression.None)]
    [InlineData(OtlpExportCompression.GZip)]
    public async Task OtlpExporter_CumulativeMetrics_DecodeToTheRecordedSeriesAndValues(OtlpExportCompression compression)
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new MetricScenario();

        var sent = await ExportMetricsAsync(capture, scenario, MetricReaderTemporalityPreference.Cumulative, compression);

        AssertTransport(sent, "application/x-protobuf", compression);
        var bodies = sent.Select(r => r.Payload()).ToList();
        MetricScenario.AssertDecoded(bodies, OtlpDecoding.Metrics(bodies), delta: false);
    }

    [Fact]
    public async Task OtlpExporter_DeltaMetrics_DecodeToTheRecordedSeriesAndValues()
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new MetricScenario();

        var sent = await ExportMetricsAsync(capture, scenario, MetricReaderTemporalityPreference.Delta, OtlpExportCompression.None);

        var bodies = sent.Select(r => r.Payload()).ToList();
        MetricScenario.AssertDecoded(bodies, OtlpDecoding.Metrics(bodies), delta: true);
    }

    [Theory]
    [InlineData(OtlpExportCompression.None)]
    [InlineData(OtlpExportCompression.GZip)]
    public async Task OtlpExporter_Spans_DecodeToTheRecordedSpans(OtlpExportCompression compression)
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new TraceScenario();

        var sent = ExportSpans(capture, scenario, compression);

        AssertTransport(sent, "application/x-protobuf", compression);
        var (spans, counters) = OtlpDecoding.Spans(sent.Select(r => r.Payload()));
        Assert.Equal(scenario.Expected.OrderBy(s => s.SpanId), spans.OrderBy(s => s.SpanId));
        Assert.Equal(scenario.Expected.Count, counters.Spans);
        OtlpDecoding.AssertNothingSkipped(counters);
    }

    [Fact]
    public async Task OtlpJson_OfTheExportersMetrics_DecodesToTheSamePointsAsTheProtobuf()
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new MetricScenario();
        var bodies = (await ExportMetricsAsync(capture, scenario, MetricReaderTemporalityPreference.Cumulative, OtlpExportCompression.None))
            .Select(r => r.Payload()).ToList();

        var json = bodies.Select(OtlpJsonRendering.Metrics).ToList();
        var transcoded = json.Select(j => OtlpJsonTranscoder.MetricsRequestToProtobuf(j)).ToList();

        // Field for field the same message, then the same points through a fresh decoder and catalog.
        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.Equal(
                OtlpJsonRendering.Canonical(ExportMetricsServiceRequest.Parser.ParseFrom(bodies[i])),
                OtlpJsonRendering.Canonical(ExportMetricsServiceRequest.Parser.ParseFrom(transcoded[i])));
        }

        var fromProtobuf = OtlpDecoding.Metrics(bodies);
        var fromJson = OtlpDecoding.Metrics(transcoded);
        Assert.Equal(fromProtobuf.PerRequest.Count, fromJson.PerRequest.Count);
        for (var i = 0; i < bodies.Count; i++)
            Assert.Equal(fromProtobuf.PerRequest[i], fromJson.PerRequest[i]);
        Assert.NotEmpty(fromJson.PerRequest[^1]);
        MetricScenario.AssertDecoded(transcoded, fromJson, delta: false);
    }

    [Fact]
    public async Task OtlpJson_OfTheExportersSpans_DecodesToTheSameSpansAsTheProtobuf()
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new TraceScenario();
        var bodies = ExportSpans(capture, scenario, OtlpExportCompression.None).Select(r => r.Payload()).ToList();

        var json = bodies.Select(OtlpJsonRendering.Traces).ToList();
        var root = scenario.Expected.Single(s => s.ParentSpanId == 0);
        Assert.Contains($"\"traceId\":\"{root.TraceId:x32}\"", Encoding.UTF8.GetString(json[0]), StringComparison.Ordinal);
        var transcoded = json.Select(j => OtlpJsonTranscoder.TraceRequestToProtobuf(j)).ToList();

        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.Equal(
                OtlpJsonRendering.Canonical(ExportTraceServiceRequest.Parser.ParseFrom(bodies[i])),
                OtlpJsonRendering.Canonical(ExportTraceServiceRequest.Parser.ParseFrom(transcoded[i])));
        }

        var (fromProtobuf, _) = OtlpDecoding.Spans(bodies);
        var (fromJson, counters) = OtlpDecoding.Spans(transcoded);
        Assert.Equal(fromProtobuf, fromJson);
        Assert.Equal(scenario.Expected.OrderBy(s => s.SpanId), fromJson.OrderBy(s => s.SpanId));
        OtlpDecoding.AssertNothingSkipped(counters);
    }

    [Theory]
    [InlineData(MetricReaderTemporalityPreference.Cumulative)]
    [InlineData(MetricReaderTemporalityPreference.Delta)]
    public async Task KafkaExporter_Metrics_DecodeToTheSameSeriesAndValuesAsTheOtlpExporters(MetricReaderTemporalityPreference temporality)
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new MetricScenario();
        var topic = await NewTopicAsync("otlp-metrics");

        // One provider, two readers: both exporters see the same measurements, each collecting at its own instant.
        var sent = await ExportMetricsAsync(capture, scenario, temporality, OtlpExportCompression.None, b => b.AddKafkaExporter(o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.MetricsTopic = topic;
            o.MetricTemporality = temporality;
            o.MetricExportInterval = TimeSpan.FromHours(1);
        }));
        var records = await TopicRecords.ReadAsync(kafka.BootstrapServers, topic, MetricScenario.Intervals, DeliveryTimeout);

        var otlpBodies = sent.Select(r => r.Payload()).ToList();
        var fromOtlp = OtlpDecoding.Metrics(otlpBodies);
        var fromKafka = OtlpDecoding.Metrics(records);
        var delta = temporality == MetricReaderTemporalityPreference.Delta;
        MetricScenario.AssertDecoded(otlpBodies, fromOtlp, delta);
        MetricScenario.AssertDecoded(records, fromKafka, delta);

        // Side by side: the same series in every export, with the same values, except rates, whose denominator is
        // each reader's own collection interval.
        for (var i = 0; i < MetricScenario.Intervals; i++)
        {
            var otlp = fromOtlp.PerRequest[i].ToDictionary(p => p.Series, p => p.Value, StringComparer.Ordinal);
            var ours = fromKafka.PerRequest[i].ToDictionary(p => p.Series, p => p.Value, StringComparer.Ordinal);
            Assert.Equal(otlp.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
            foreach (var (series, value) in otlp)
            {
                if (!SeriesKey.Parse(series).Metric.EndsWith(".rate", StringComparison.Ordinal))
                    Assert.True(value == ours[series], $"export {i}, {series}: OTLP exporter {value:R}, Kafka exporter {ours[series]:R}");
            }
        }
    }

    [Fact]
    public async Task KafkaExporter_Spans_DecodeToTheSameSpansAsTheOtlpExporters()
    {
        await using var capture = OtlpHttpCapture.Start();
        using var scenario = new TraceScenario();
        var topic = await NewTopicAsync("otlp-spans");

        var sent = ExportSpans(capture, scenario, OtlpExportCompression.None, b => b.AddKafkaExporter(o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.TracesTopic = topic;
        }));

        // The scenario is one trace, and the Kafka exporter writes one record per trace.
        var records = await TopicRecords.ReadAsync(kafka.BootstrapServers, topic, 1, DeliveryTimeout);
        var (fromKafka, counters) = OtlpDecoding.Spans(records);
        var (fromOtlp, _) = OtlpDecoding.Spans(sent.Select(r => r.Payload()));
        Assert.Equal(scenario.Expected.OrderBy(s => s.SpanId), fromKafka.OrderBy(s => s.SpanId));
        Assert.Equal(fromOtlp.OrderBy(s => s.SpanId), fromKafka.OrderBy(s => s.SpanId));
        OtlpDecoding.AssertNothingSkipped(counters);
    }

    /// <summary>Records the scenario's intervals with the official exporter, one forced export after each; returns the request of each export.</summary>
    private static async Task<List<CapturedOtlpRequest>> ExportMetricsAsync(
        OtlpHttpCapture capture,
        MetricScenario scenario,
        MetricReaderTemporalityPreference temporality,
        OtlpExportCompression compression,
        Func<MeterProviderBuilder, MeterProviderBuilder>? alsoExport = null)
    {
        var builder = scenario.Configure(Sdk.CreateMeterProviderBuilder())
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = capture.MetricsEndpoint; // set in code: used as given, no signal path appended
                exporter.Compression = compression;
                exporter.TimeoutMilliseconds = FlushTimeoutMs;
                reader.TemporalityPreference = temporality;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)TimeSpan.FromHours(1).TotalMilliseconds; // only ForceFlush exports
            });
        using var provider = (alsoExport?.Invoke(builder) ?? builder).Build();

        var exports = new List<CapturedOtlpRequest>();
        for (var i = 0; i < MetricScenario.Intervals; i++)
        {
            if (i > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(50)); // let the clock move between the exports' timestamps

            scenario.RecordInterval();
            var before = capture.Received(MetricsPath).Count;
            Assert.True(provider.ForceFlush(FlushTimeoutMs), "the meter provider did not finish exporting");
            exports.Add(Assert.Single(capture.Received(MetricsPath).Skip(before)));
        }

        // Disposing the provider exports once more; that request is not part of the scenario.
        return exports;
    }

    private static List<CapturedOtlpRequest> ExportSpans(
        OtlpHttpCapture capture,
        TraceScenario scenario,
        OtlpExportCompression compression,
        Func<TracerProviderBuilder, TracerProviderBuilder>? alsoExport = null)
    {
        var builder = scenario.Configure(Sdk.CreateTracerProviderBuilder())
            .AddOtlpExporter(exporter =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = capture.TracesEndpoint;
                exporter.Compression = compression;
                exporter.ExportProcessorType = ExportProcessorType.Batch;
                // The exporter gives up on a request after its timeout (10 s by default) and ForceFlush still reports
                // success; on a loaded 2-core CI machine the capture can answer later than that.
                exporter.TimeoutMilliseconds = FlushTimeoutMs;
            });
        using var provider = (alsoExport?.Invoke(builder) ?? builder).Build();

        using var errors = new OtelErrorListener();
        scenario.Record(TimeProvider.System.GetUtcNow());
        Assert.True(provider.ForceFlush(FlushTimeoutMs), "the tracer provider did not finish exporting");
        // CI once saw nothing captured after a successful flush: give a request still on its way a moment, and say
        // what the SDK reported if there is none.
        var sent = capture.Received(TracesPath).ToList();
        for (var wait = 0; sent.Count == 0 && wait < 50; wait++)
        {
            Thread.Sleep(100);
            sent = capture.Received(TracesPath).ToList();
        }

        Assert.True(sent.Count > 0, "no OTLP request reached the capture; the SDK reported: " + errors.Text);
        return sent;
    }

    private async Task<string> NewTopicAsync(string prefix)
    {
        var topic = prefix + "-" + Guid.NewGuid().ToString("N");
        await kafka.CreateTopicAsync(topic, 1);
        return topic;
    }

    private static void AssertTransport(IReadOnlyList<CapturedOtlpRequest> sent, string contentType, OtlpExportCompression compression)
    {
        Assert.All(sent, r =>
        {
            Assert.Equal(contentType, r.ContentType);
            if (compression == OtlpExportCompression.GZip)
                Assert.Equal("gzip", r.ContentEncoding);
            else
                Assert.True(string.IsNullOrEmpty(r.ContentEncoding), $"unexpected Content-Encoding {r.ContentEncoding}");
        });
    }
}

/// <summary>Collects the OpenTelemetry SDK's own warnings and errors (its EventSources), for a failure message.</summary>
internal sealed class OtelErrorListener : System.Diagnostics.Tracing.EventListener
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _events = new();

    public string Text => _events.IsEmpty ? "(nothing)" : string.Join(" | ", _events);

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        if (eventSource.Name.StartsWith("OpenTelemetry", StringComparison.Ordinal))
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Warning);
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        if (_events.Count < 20)
            _events.Enqueue($"{eventData.EventSource.Name}/{eventData.EventName}: {string.Join(", ", eventData.Payload ?? [])}");
    }
}
