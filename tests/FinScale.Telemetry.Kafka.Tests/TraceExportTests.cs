using System.Diagnostics;
using FinScale.Telemetry.Kafka.Tests.Support;
using Google.Protobuf;
using OpenTelemetry;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;
using OpenTelemetry.Trace;
using Status = OpenTelemetry.Proto.Trace.V1.Status;

namespace FinScale.Telemetry.Kafka.Tests;

/// <summary>Spans recorded through a TracerProvider with the Kafka exporter, read back from the embedded broker and decoded with the OTLP parser.</summary>
public sealed class TraceExportTests(KafkaClusterFixture kafka) : IClassFixture<KafkaClusterFixture>
{
    private static readonly DateTime Start = new DateTime(2025, 3, 14, 15, 9, 26, DateTimeKind.Utc).AddTicks(5_358_979);

    [Fact]
    public void Export_ServerSpanWithRemoteParent_EveryFieldDecodesToTheRecordedValue()
    {
        var remoteParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "vendor=a", isRemote: true);
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, "other=b", isRemote: false);
        var eventTime = new DateTimeOffset(Start.AddMilliseconds(3));
        ActivityTraceId traceId = default;
        ActivitySpanId spanId = default;

        var (records, _) = Export(source =>
        {
            using var activity = source.StartActivity(
                "POST /pay",
                ActivityKind.Server,
                remoteParent,
                tags: [new("http.route", "/pay"), new("http.status_code", 500L), new("retry", true), new("weight", 0.5), new("ids", new[] { 1L, 2L })],
                links: [new ActivityLink(linked, new ActivityTagsCollection { ["link.reason"] = "fan-in" })],
                startTime: Start)!;
            activity.AddEvent(new ActivityEvent("exception", eventTime, new ActivityTagsCollection { ["exception.type"] = "TimeoutException", ["attempt"] = 3 }));
            activity.SetStatus(ActivityStatusCode.Error, "gateway timeout");
            activity.SetEndTime(Start.AddMilliseconds(12.5));
            traceId = activity.TraceId;
            spanId = activity.SpanId;
        });

        var record = Assert.Single(records);
        var request = ExportTraceServiceRequest.Parser.ParseFrom(record.Message.Value);
        var span = Assert.Single(Assert.Single(Assert.Single(request.ResourceSpans).ScopeSpans).Spans);

        Assert.Equal(Bytes(traceId), span.TraceId.ToByteArray());
        Assert.Equal(remoteParent.TraceId.ToHexString(), traceId.ToHexString());
        Assert.Equal(Bytes(spanId), span.SpanId.ToByteArray());
        Assert.Equal(Bytes(remoteParent.SpanId), span.ParentSpanId.ToByteArray());
        Assert.Equal(16, span.TraceId.Length);
        Assert.Equal(8, span.SpanId.Length);
        Assert.Equal("vendor=a", span.TraceState);
        Assert.Equal(0x301u, span.Flags); // sampled, parent-is-remote known, parent is remote
        Assert.Equal("POST /pay", span.Name);
        Assert.Equal(Span.Types.SpanKind.Server, span.Kind);
        Assert.Equal(OtlpAssert.UnixNanos(Start), span.StartTimeUnixNano);
        Assert.Equal(OtlpAssert.UnixNanos(Start) + 12_500_000UL, span.EndTimeUnixNano);

        var attributes = OtlpAssert.ToDictionary(span.Attributes);
        Assert.Equal(5, attributes.Count);
        Assert.Equal("/pay", attributes["http.route"].StringValue);
        Assert.Equal(500, attributes["http.status_code"].IntValue);
        Assert.True(attributes["retry"].BoolValue);
        Assert.Equal(0.5, attributes["weight"].DoubleValue);
        Assert.Equal([1L, 2L], attributes["ids"].ArrayValue.Values.Select(v => v.IntValue));

        Assert.Equal(Status.Types.StatusCode.Error, span.Status.Code);
        Assert.Equal("gateway timeout", span.Status.Message);

        var evt = Assert.Single(span.Events);
        Assert.Equal("exception", evt.Name);
        Assert.Equal(OtlpAssert.UnixNanos(eventTime), evt.TimeUnixNano);
        Assert.Equal("TimeoutException", OtlpAssert.Attribute(evt.Attributes, "exception.type").StringValue);
        Assert.Equal(3, OtlpAssert.Attribute(evt.Attributes, "attempt").IntValue);

        var link = Assert.Single(span.Links);
        Assert.Equal(Bytes(linked.TraceId), link.TraceId.ToByteArray());
        Assert.Equal(Bytes(linked.SpanId), link.SpanId.ToByteArray());
        Assert.Equal("other=b", link.TraceState);
        Assert.Equal(0x100u, link.Flags); // not sampled, is-remote known, local
        Assert.Equal("fan-in", OtlpAssert.Attribute(link.Attributes, "link.reason").StringValue);
    }

    [Theory]
    [InlineData(ActivityKind.Internal, Span.Types.SpanKind.Internal)]
    [InlineData(ActivityKind.Server, Span.Types.SpanKind.Server)]
    [InlineData(ActivityKind.Client, Span.Types.SpanKind.Client)]
    [InlineData(ActivityKind.Producer, Span.Types.SpanKind.Producer)]
    [InlineData(ActivityKind.Consumer, Span.Types.SpanKind.Consumer)]
    public void Export_ActivityKind_MapsToOtlpSpanKind(ActivityKind kind, Span.Types.SpanKind expected)
    {
        var (records, _) = Export(source => source.StartActivity("op", kind)!.Dispose());

        var span = SingleSpan(Assert.Single(records).Message.Value);
        Assert.Equal(expected, span.Kind);
        Assert.Empty(span.ParentSpanId);
        Assert.Equal(0x101u, span.Flags); // sampled, parent-is-remote known, no remote parent
    }

    [Fact]
    public void Export_Statuses_OkUnsetAndLegacyOtelStatusTags()
    {
        var (records, _) = Export(source =>
        {
            using (var ok = source.StartActivity("ok")!)
            {
                ok.SetStatus(ActivityStatusCode.Ok);
            }

            source.StartActivity("unset")!.Dispose();
            using var legacy = source.StartActivity("legacy")!;
            legacy.SetTag("otel.status_code", "ERROR");
            legacy.SetTag("otel.status_description", "card declined");
            legacy.SetTag("kept", "yes");
        });

        var spans = records.Select(r => SingleSpan(r.Message.Value)).ToDictionary(s => s.Name, StringComparer.Ordinal);
        Assert.Equal(Status.Types.StatusCode.Ok, spans["ok"].Status.Code);
        Assert.Equal(string.Empty, spans["ok"].Status.Message);
        Assert.Equal(Status.Types.StatusCode.Unset, spans["unset"].Status.Code);
        Assert.Equal(Status.Types.StatusCode.Error, spans["legacy"].Status.Code);
        Assert.Equal("card declined", spans["legacy"].Status.Message);
        Assert.Equal(["kept"], spans["legacy"].Attributes.Select(a => a.Key));
    }

    [Fact]
    public void Export_InterleavedTraces_OneRecordPerTraceKeyedByHexTraceId()
    {
        const int Traces = 3;
        const int ChildrenPerTrace = 2;
        var expected = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var (records, statistics) = Export(source =>
        {
            var roots = Enumerable.Range(0, Traces).Select(i =>
            {
                // A new root each time: no ambient parent, so every root starts a trace of its own.
                Activity.Current = null;
                return source.StartActivity("root-" + i)!;
            }).ToList();
            Activity.Current = null;

            // Children of all traces end interleaved, so one SDK batch mixes the traces.
            for (var c = 0; c < ChildrenPerTrace; c++)
            {
                foreach (var root in roots)
                {
                    using var child = source.StartActivity("child-" + c, ActivityKind.Client, root.Context)!;
                    Track(expected, child);
                }
            }

            foreach (var root in roots)
            {
                Track(expected, root);
                root.Dispose();
            }
        });

        Assert.Equal(Traces, records.Count);
        foreach (var record in records)
        {
            var key = OtlpAssert.Ascii(record.Message.Key);
            var spans = Assert.Single(ExportTraceServiceRequest.Parser.ParseFrom(record.Message.Value).ResourceSpans)
                .ScopeSpans.SelectMany(s => s.Spans).ToList();
            Assert.All(spans, s => Assert.Equal(key, Convert.ToHexStringLower(s.TraceId.ToByteArray())));
            Assert.Equal(expected[key], spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).ToHashSet(StringComparer.Ordinal));
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), records.Select(r => OtlpAssert.Ascii(r.Message.Key)).Order(StringComparer.Ordinal));
        Assert.Equal(Traces, statistics.RecordsSent);
        Assert.Equal(Traces * (1 + ChildrenPerTrace), statistics.SpansSent);
    }

    [Fact]
    public void Export_TwoSourcesInOneTrace_ResourceAndOneScopePerSource()
    {
        var otherName = "test.other." + Guid.NewGuid().ToString("N");
        using var other = new ActivitySource(otherName, "4.5.6", [new KeyValuePair<string, object?>("library", "orders")]);
        var (records, _) = Export(
            source =>
            {
                using var root = source.StartActivity("root")!;
                other.StartActivity("inner")!.Dispose();
            },
            builder => builder.AddSource(otherName));

        var resourceSpans = Assert.Single(ExportTraceServiceRequest.Parser.ParseFrom(Assert.Single(records).Message.Value).ResourceSpans);
        var attributes = OtlpAssert.ToDictionary(resourceSpans.Resource.Attributes);
        Assert.Equal(TestResource.Attributes.Count, attributes.Count);
        Assert.Equal("checkout", attributes["service.name"].StringValue);
        Assert.Equal(4, attributes["host.cpu.count"].IntValue);

        Assert.Equal(2, resourceSpans.ScopeSpans.Count);
        var inner = resourceSpans.ScopeSpans.Single(s => s.Scope.Name == otherName);
        Assert.Equal("4.5.6", inner.Scope.Version);
        Assert.Equal("orders", OtlpAssert.Attribute(inner.Scope.Attributes, "library").StringValue);
        Assert.Equal("inner", Assert.Single(inner.Spans).Name);
        var outer = resourceSpans.ScopeSpans.Single(s => s.Scope.Name != otherName);
        Assert.Equal("7.8.9", outer.Scope.Version);
        Assert.Equal("root", Assert.Single(outer.Spans).Name);
        Assert.Equal(Assert.Single(outer.Spans).SpanId, Assert.Single(inner.Spans).ParentSpanId);
    }

    [Fact]
    public void Export_TraceOverMaxRecordBytes_SplitIntoRecordsOfThatTraceOnOnePartition()
    {
        const int Spans = 60;
        var (records, statistics) = Export(
            source =>
            {
                using var root = source.StartActivity("root")!;
                for (var i = 0; i < Spans - 1; i++)
                {
                    using var child = source.StartActivity("child-" + i)!;
                    child.SetTag("payload", new string('x', 200));
                }
            },
            configureOptions: o => o.MaxRecordBytes = 4096,
            expectedRecords: 2);

        Assert.True(records.Count > 1, $"expected a split, got {records.Count} record(s)");
        Assert.Single(records.Select(r => OtlpAssert.Ascii(r.Message.Key)).Distinct());
        Assert.Single(records.Select(r => r.Partition.Value).Distinct());
        var spans = records.SelectMany(r => Assert.Single(ExportTraceServiceRequest.Parser.ParseFrom(r.Message.Value).ResourceSpans).ScopeSpans.SelectMany(s => s.Spans)).ToList();
        Assert.Equal(Spans, spans.Count);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
        Assert.All(records, r => Assert.True(r.Message.Value.Length <= 4096, $"record of {r.Message.Value.Length} bytes"));
        Assert.Equal(Spans, statistics.SpansSent);
    }

    private static void Track(Dictionary<string, HashSet<string>> expected, Activity activity)
    {
        var key = activity.TraceId.ToHexString();
        if (!expected.TryGetValue(key, out var spans))
        {
            spans = new HashSet<string>(StringComparer.Ordinal);
            expected.Add(key, spans);
        }

        spans.Add(activity.SpanId.ToHexString());
    }

    private static byte[] Bytes(ActivityTraceId id)
    {
        var bytes = new byte[16];
        id.CopyTo(bytes);
        return bytes;
    }

    private static byte[] Bytes(ActivitySpanId id)
    {
        var bytes = new byte[8];
        id.CopyTo(bytes);
        return bytes;
    }

    private static Span SingleSpan(byte[] value) =>
        Assert.Single(Assert.Single(Assert.Single(ExportTraceServiceRequest.Parser.ParseFrom(value).ResourceSpans).ScopeSpans).Spans);

    /// <summary>Records spans on a fresh source, disposes the provider (flushing the batch processor and the producer), and reads the topic back.</summary>
    private (List<Confluent.Kafka.ConsumeResult<byte[], byte[]>> Records, KafkaExporterStatistics Statistics) Export(
        Action<ActivitySource> record,
        Action<TracerProviderBuilder>? configureBuilder = null,
        Action<KafkaExporterOptions>? configureOptions = null,
        int expectedRecords = 1)
    {
        var topic = kafka.NewTopic("otlp-spans");
        var sourceName = "test.source." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName, "7.8.9");
        KafkaExporterStatistics? statistics = null;
        var builder = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(TestResource.Builder())
            .SetSampler(new AlwaysOnSampler())
            .AddSource(sourceName);
        configureBuilder?.Invoke(builder);
        builder.AddKafkaExporter(o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.TracesTopic = topic;
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);

            // One export at shutdown holds every span of the test, so the SDK's batching does not split traces arbitrarily.
            o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 3_600_000;
            configureOptions?.Invoke(o);
            statistics = o.Statistics;
        });

        var previous = Activity.Current;
        try
        {
            using (builder.Build())
            {
                Activity.Current = null;
                record(source);
            }
        }
        finally
        {
            Activity.Current = previous;
        }

        var records = TopicReader.ReadAll(kafka.BootstrapServers, topic, expectedRecords);
        return (records, statistics!);
    }
}
