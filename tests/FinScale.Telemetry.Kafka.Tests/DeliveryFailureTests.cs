using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using FinScale.Streaming.Embedded;
using FinScale.Telemetry.Kafka.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FinScale.Telemetry.Kafka.Tests;

/// <summary>Kafka unreachable or down: exports return at once, nothing throws, memory stays bounded, and every lost record is counted.</summary>
public sealed class DeliveryFailureTests
{
    // Generous: Export only serializes and enqueues; this bound only catches a blocking call.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public void Export_NothingListening_ReturnsPromptlyAndCountsDropsOnceMessageTimeoutPasses()
    {
        var options = Options(UnusedLocalEndpoint(), o => o.MessageTimeout = TimeSpan.FromSeconds(1));
        using var exporter = new KafkaTraceExporter(options);
        var activities = NewTraces(5);

        var clock = Stopwatch.StartNew();
        var result = exporter.Export(new Batch<Activity>(activities, activities.Length));
        Assert.True(clock.Elapsed < Prompt, $"Export took {clock.Elapsed}");
        Assert.Equal(ExportResult.Success, result);
        var statistics = exporter.Statistics;
        Assert.Same(options.Statistics, statistics);

        Eventually.True(() => statistics.RecordsDropped == 5, () => $"dropped {statistics.RecordsDropped}/5");
        Assert.Equal(5, statistics.SpansDropped);
        Assert.Equal(0, statistics.RecordsSent);
        Assert.Equal(0, statistics.RecordsInFlight);
        Assert.Equal(0, statistics.RecordsDroppedQueueFull);

        // The last error is whichever came last: the timeout of a record or the client's own "brokers down" report.
        Assert.False(string.IsNullOrEmpty(statistics.LastError));

        clock.Restart();
        Assert.True(exporter.Shutdown(), "nothing was left to flush");
        Assert.True(clock.Elapsed < Prompt, $"Shutdown took {clock.Elapsed}");
    }

    [Fact]
    public void Export_QueueCapReached_RefusesTheRestAtOnceAndCountsThem()
    {
        var options = Options(UnusedLocalEndpoint(), o =>
        {
            o.MaxQueuedRecords = 3;
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
        });
        using var exporter = new KafkaTraceExporter(options);
        var activities = NewTraces(10);

        var result = exporter.Export(new Batch<Activity>(activities, activities.Length));

        // Dropped at once, not after a timeout: the memory bound at work.
        var statistics = exporter.Statistics;
        Assert.Equal(ExportResult.Failure, result);
        Assert.Equal(7, statistics.RecordsDroppedQueueFull);
        Assert.Equal(7, statistics.RecordsDropped);
        Assert.Equal(7, statistics.SpansDropped);
        Assert.Equal(3, statistics.RecordsInFlight);
        Assert.False(string.IsNullOrEmpty(statistics.LastError));

        // Shutdown waits its bounded time, then counts what is still queued.
        var clock = Stopwatch.StartNew();
        Assert.False(exporter.Shutdown(), "records were still queued");
        Assert.True(clock.Elapsed < Prompt, $"Shutdown took {clock.Elapsed}");
        Assert.Equal(10, statistics.RecordsDropped);
        Assert.Equal(10, statistics.SpansDropped);
        Assert.Equal(0, statistics.RecordsInFlight);
    }

    [Fact]
    public void Export_QueueKBytesCapReached_RefusesRecordsBeyondTheByteBound()
    {
        var options = Options(UnusedLocalEndpoint(), o =>
        {
            o.MaxQueuedKBytes = 4;
            o.ShutdownTimeout = TimeSpan.Zero;
        });
        using var exporter = new KafkaTraceExporter(options);
        var activities = NewTraces(20, payloadBytes: 1000);

        exporter.Export(new Batch<Activity>(activities, activities.Length));

        var statistics = exporter.Statistics;
        Assert.InRange(statistics.RecordsInFlight, 1, 4);
        Assert.Equal(20 - statistics.RecordsInFlight, statistics.RecordsDroppedQueueFull);
        Assert.Equal(statistics.RecordsDroppedQueueFull, statistics.SpansDropped);
    }

    [Fact]
    public void MeterProvider_BrokerDown_DropsCountedAfterMessageTimeoutAndDisposeDoesNotThrow()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("otlp_metrics_down", 1);
        cluster.SetBrokerDown(1);
        var meterName = "test.meter." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        KafkaExporterStatistics? statistics = null;
        var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddKafkaExporter(o =>
            {
                o.BootstrapServers = cluster.BootstrapServers;
                o.MetricsTopic = "otlp_metrics_down";
                o.MessageTimeout = TimeSpan.FromSeconds(1);
                o.MetricExportInterval = TimeSpan.FromHours(1);
                statistics = o.Statistics;
            })
            .Build();
        var counter = meter.CreateCounter<long>("hits");
        counter.Add(1, new KeyValuePair<string, object?>("route", "a"));
        counter.Add(1, new KeyValuePair<string, object?>("route", "b"));

        var clock = Stopwatch.StartNew();
        Assert.True(provider.ForceFlush(), "the reader collected and exported");
        Assert.True(clock.Elapsed < Prompt, $"ForceFlush took {clock.Elapsed}");

        Eventually.True(() => statistics!.RecordsDropped == 1, () => $"dropped {statistics!.RecordsDropped}/1");
        Assert.Equal(2, statistics!.DataPointsDropped);
        Assert.Equal(0, statistics.RecordsSent);

        var dispose = Record.Exception(provider.Dispose);
        Assert.Null(dispose);
    }

    [Fact]
    public void ShutdownAndDispose_RecordsStuck_BoundedNeverThrowAndLaterExportsAreCounted()
    {
        var options = Options(UnusedLocalEndpoint(), o =>
        {
            o.MessageTimeout = TimeSpan.FromMinutes(5);
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
        });
        var exporter = new KafkaTraceExporter(options);
        var activities = NewTraces(4);
        exporter.Export(new Batch<Activity>(activities, activities.Length));

        var clock = Stopwatch.StartNew();
        var shutdown = Record.Exception(() => exporter.Shutdown());
        Assert.Null(shutdown);
        Assert.True(clock.Elapsed < Prompt, $"Shutdown took {clock.Elapsed}");
        Assert.Equal(4, exporter.Statistics.RecordsDropped);
        Assert.Equal(0, exporter.Statistics.RecordsInFlight);

        Assert.Null(Record.Exception(exporter.Dispose));
        Assert.Null(Record.Exception(exporter.Dispose));

        var late = NewTraces(1);
        ExportResult result = default;
        Assert.Null(Record.Exception(() => result = exporter.Export(new Batch<Activity>(late, 1))));
        Assert.Equal(ExportResult.Failure, result);
        Assert.Equal(5, exporter.Statistics.RecordsDropped);
        Assert.Null(Record.Exception(() => exporter.ForceFlush(100)));
    }

    [Fact]
    public void Dispose_WithoutShutdown_FlushesBoundedAndCountsTheRest()
    {
        var options = Options(UnusedLocalEndpoint(), o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        var exporter = new KafkaMetricExporter(options);
        var activities = NewTraces(1);
        using var trace = new KafkaTraceExporter(options);
        trace.Export(new Batch<Activity>(activities, 1));

        var clock = Stopwatch.StartNew();
        Assert.Null(Record.Exception(trace.Dispose));
        Assert.Null(Record.Exception(exporter.Dispose));
        Assert.True(clock.Elapsed < Prompt, $"Dispose took {clock.Elapsed}");
        Assert.Equal(1, options.Statistics.RecordsDropped);
        Assert.Equal(1, options.Statistics.SpansDropped);
    }

    private static KafkaExporterOptions Options(string bootstrapServers, Action<KafkaExporterOptions> configure)
    {
        var options = new KafkaExporterOptions { BootstrapServers = bootstrapServers, TracesTopic = "otlp_spans_unreachable" };

        // Fail fast on the refused connection rather than backing off for long between attempts.
        options.ProducerSettings["reconnect.backoff.max.ms"] = "200";
        configure(options);
        return options;
    }

    // Sockets bound to the ports UnusedLocalEndpoint hands out, kept for the test run so no other test's broker or
    // server can take one (a bound socket that does not listen refuses every connection).
    private static readonly System.Collections.Concurrent.ConcurrentBag<Socket> HeldPorts = [];

    /// <summary>A localhost port that refuses connections for the rest of the run: bound, never listening.</summary>
    private static string UnusedLocalEndpoint()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        HeldPorts.Add(socket);
        return "127.0.0.1:" + ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Stopped activities, each the root of a trace of its own, so each becomes one record.</summary>
    private static Activity[] NewTraces(int count, int payloadBytes = 0)
    {
        var previous = Activity.Current;
        try
        {
            return Enumerable.Range(0, count).Select(i =>
            {
                Activity.Current = null;
                var activity = new Activity("op-" + i).SetIdFormat(ActivityIdFormat.W3C);
                activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
                activity.Start();
                if (payloadBytes > 0)
                {
                    activity.SetTag("payload", new string('p', payloadBytes));
                }

                activity.Stop();
                return activity;
            }).ToArray();
        }
        finally
        {
            Activity.Current = previous;
        }
    }
}
