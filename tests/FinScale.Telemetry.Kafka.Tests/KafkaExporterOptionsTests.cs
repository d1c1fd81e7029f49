using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FinScale.Telemetry.Kafka.Tests;

public sealed class KafkaExporterOptionsTests
{
    [Fact]
    public void New_Defaults_MatchTheCollectorsTopicsAndBoundTheQueue()
    {
        var options = new KafkaExporterOptions();

        Assert.Equal("otlp_metrics", options.MetricsTopic);
        Assert.Equal("otlp_spans", options.TracesTopic);
        Assert.True(options.MaxQueuedRecords > 0);
        Assert.True(options.MaxQueuedKBytes > 0);
        Assert.True(options.MessageTimeout > TimeSpan.Zero);
        Assert.Equal(MetricReaderTemporalityPreference.Cumulative, options.MetricTemporality);
        Assert.Empty(options.ProducerSettings);
        Assert.Equal(0, options.Statistics.RecordsSent);
        Assert.Null(options.Statistics.LastError);
    }

    public static TheoryData<string, Action<KafkaExporterOptions>> InvalidOptions => new()
    {
        { "BootstrapServers", o => o.BootstrapServers = " " },
        { "MetricsTopic", o => o.MetricsTopic = string.Empty },
        { "TracesTopic", o => o.TracesTopic = "spans with spaces" },
        { "TracesTopic", o => o.TracesTopic = new string('t', 250) },
        { "MaxQueuedRecords", o => o.MaxQueuedRecords = 0 },
        { "MaxQueuedKBytes", o => o.MaxQueuedKBytes = -1 },
        { "MaxRecordBytes", o => o.MaxRecordBytes = 10 },
        { "MessageTimeout", o => o.MessageTimeout = TimeSpan.Zero },
        { "ShutdownTimeout", o => o.ShutdownTimeout = TimeSpan.FromSeconds(-1) },
        { "MetricExportInterval", o => o.MetricExportInterval = TimeSpan.FromDays(30) },
        { "MetricExportTimeout", o => o.MetricExportTimeout = TimeSpan.Zero },
        { "MetricTemporality", o => o.MetricTemporality = (MetricReaderTemporalityPreference)42 },
        { "ProducerSettings", o => o.ProducerSettings["bootstrap.servers"] = "elsewhere:9092" },
        { "ProducerSettings", o => o.ProducerSettings["message.timeout.ms"] = "1000" },
        { "ProducerSettings", o => o.ProducerSettings["dotnet.producer.enable.delivery.reports"] = "false" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingTheOption(string option, Action<KafkaExporterOptions> breakIt)
    {
        var options = new KafkaExporterOptions { BootstrapServers = "localhost:9092" };
        breakIt(options);

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("KafkaExporterOptions." + option, ex.Message, StringComparison.Ordinal);
        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void Validate_ValidOptions_DoesNotThrow()
    {
        var options = new KafkaExporterOptions { BootstrapServers = "localhost:9092", TracesTopic = "team.otlp_spans-v2" };
        options.ProducerSettings["compression.type"] = "lz4";

        Assert.Null(Record.Exception(options.Validate));
    }

    [Fact]
    public void AddKafkaExporter_MeterProviderWithoutBootstrapServers_ThrowsAtRegistration()
    {
        var builder = Sdk.CreateMeterProviderBuilder();

        var ex = Assert.Throws<ArgumentException>(() => builder.AddKafkaExporter(o => o.MetricsTopic = "m"));

        Assert.Contains("KafkaExporterOptions.BootstrapServers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddKafkaExporter_TracerProviderWithBadTopic_ThrowsAtRegistration()
    {
        var builder = Sdk.CreateTracerProviderBuilder();

        var ex = Assert.Throws<ArgumentException>(() => builder.AddKafkaExporter(o =>
        {
            o.BootstrapServers = "localhost:9092";
            o.TracesTopic = "a/b";
        }));

        Assert.Contains("KafkaExporterOptions.TracesTopic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void New_ExporterWithPropertyLibrdkafkaRejects_ThrowsNamingProducerSettings()
    {
        var options = new KafkaExporterOptions { BootstrapServers = "localhost:9092" };
        options.ProducerSettings["no.such.property"] = "1";

        var ex = Assert.Throws<ArgumentException>(() => new KafkaMetricExporter(options));

        Assert.Contains("KafkaExporterOptions.ProducerSettings", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no.such.property", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MeterProviderWithKafkaExporter_StatisticsFromOptionsAndDisposeDoesNotThrow()
    {
        KafkaExporterStatistics? fromOptions = null;
        var meterName = "test.meter." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddKafkaExporter(o =>
            {
                o.BootstrapServers = "127.0.0.1:9";
                o.ShutdownTimeout = TimeSpan.Zero;
                fromOptions = o.Statistics;
            })
            .Build();
        meter.CreateCounter<long>("hits").Add(1);

        Assert.Null(Record.Exception(provider.Dispose));

        // Nothing listens on the discard port: the final export's record is still queued at shutdown and counted.
        Assert.NotNull(fromOptions);
        Assert.Equal(1, fromOptions.RecordsDropped);
        Assert.Equal(1, fromOptions.DataPointsDropped);
    }
}
