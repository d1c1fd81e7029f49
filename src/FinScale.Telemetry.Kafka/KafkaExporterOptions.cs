using System.Globalization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FinScale.Telemetry.Kafka;

/// <summary>Options of the Kafka OTLP exporters registered by <c>AddKafkaExporter</c> on a meter or tracer provider builder.</summary>
/// <remarks>
/// Each Kafka record value is one serialized OTLP export request (<c>ExportMetricsServiceRequest</c> or
/// <c>ExportTraceServiceRequest</c>), exactly as the OpenTelemetry Collector's kafkaexporter writes with
/// <c>encoding: otlp_proto</c>. Memory is bounded by <see cref="MaxQueuedRecords"/> and <see cref="MaxQueuedKBytes"/>;
/// a record that does not fit, or is not acknowledged within <see cref="MessageTimeout"/>, is dropped and counted
/// in <see cref="Statistics"/>.
/// </remarks>
public sealed class KafkaExporterOptions
{
    /// <summary>The topic the Collector's kafkaexporter writes metrics to by default.</summary>
    public const string DefaultMetricsTopic = "otlp_metrics";

    /// <summary>The topic the Collector's kafkaexporter writes spans to by default.</summary>
    public const string DefaultTracesTopic = "otlp_spans";

    private const int MinRecordBytes = 1024;

    // librdkafka properties that typed options own; setting them through ProducerSettings too would leave two sources of truth.
    private static readonly Dictionary<string, string> OwnedProperties = new(StringComparer.Ordinal)
    {
        ["bootstrap.servers"] = nameof(BootstrapServers),
        ["metadata.broker.list"] = nameof(BootstrapServers),
        ["queue.buffering.max.messages"] = nameof(MaxQueuedRecords),
        ["queue.buffering.max.kbytes"] = nameof(MaxQueuedKBytes),
        ["message.timeout.ms"] = nameof(MessageTimeout),
        ["delivery.timeout.ms"] = nameof(MessageTimeout),
    };

    /// <summary>Gets or sets the comma-separated <c>host:port</c> list of Kafka brokers (librdkafka <c>bootstrap.servers</c>). Required.</summary>
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>Gets or sets the topic that receives one <c>ExportMetricsServiceRequest</c> per record.</summary>
    public string MetricsTopic { get; set; } = DefaultMetricsTopic;

    /// <summary>Gets or sets the topic that receives one <c>ExportTraceServiceRequest</c> per record (the spans of one trace).</summary>
    public string TracesTopic { get; set; } = DefaultTracesTopic;

    /// <summary>Gets or sets the most records held in the local producer queue (librdkafka <c>queue.buffering.max.messages</c>); beyond it records are dropped.</summary>
    public int MaxQueuedRecords { get; set; } = 10_000;

    /// <summary>Gets or sets the most kilobytes held in the local producer queue (librdkafka <c>queue.buffering.max.kbytes</c>); beyond it records are dropped.</summary>
    public int MaxQueuedKBytes { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the size above which an export is cut into several records (each still a complete request); keep it under the broker's and producer's <c>message.max.bytes</c>.</summary>
    public int MaxRecordBytes { get; set; } = 900_000;

    /// <summary>Gets or sets how long a record may wait for a broker acknowledgement, retries included (librdkafka <c>message.timeout.ms</c>); then it is dropped.</summary>
    public TimeSpan MessageTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the longest a shutdown or dispose waits for queued records to be delivered; what is still queued then is dropped and counted.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the interval between metric collections and exports by the periodic metric reader.</summary>
    public TimeSpan MetricExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the longest one metric collection and export may take before the reader gives up on it.</summary>
    public TimeSpan MetricExportTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the aggregation temporality the metric reader asks for (cumulative, delta or low-memory).</summary>
    public MetricReaderTemporalityPreference MetricTemporality { get; set; } = MetricReaderTemporalityPreference.Cumulative;

    /// <summary>Gets or sets the options of the batch span processor that feeds the trace exporter (queue size, delay, batch size).</summary>
    public BatchExportActivityProcessorOptions BatchExportProcessorOptions { get; set; } = new();

    /// <summary>Gets extra librdkafka producer properties (e.g. <c>compression.type</c>, <c>security.protocol</c>, <c>acks</c>), applied over the defaults.</summary>
    /// <remarks>
    /// Defaults set by the exporter: <c>client.id=finscale-telemetry-kafka</c> and <c>partitioner=murmur2_random</c> (the
    /// Java client's and franz-go's key hash, so records land on the partition a Collector would pick). The properties
    /// owned by typed options (<c>bootstrap.servers</c>, <c>queue.buffering.max.*</c>, <c>message.timeout.ms</c>) and the
    /// .NET client's own <c>dotnet.*</c> properties are rejected here.
    /// </remarks>
    public IDictionary<string, string> ProducerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the delivery counters of the exporter built from these options: records sent and dropped, spans and data points dropped, last error.</summary>
    public KafkaExporterStatistics Statistics { get; } = new();

    /// <summary>Checks every option and throws with a message naming the first one that is invalid.</summary>
    /// <exception cref="ArgumentException">An option is out of range or malformed; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw Invalid(nameof(BootstrapServers), "must be set to a comma-separated host:port list of Kafka brokers");
        }

        ValidateTopic(nameof(MetricsTopic), MetricsTopic);
        ValidateTopic(nameof(TracesTopic), TracesTopic);

        if (MaxQueuedRecords < 1)
        {
            throw Invalid(nameof(MaxQueuedRecords), Fmt($"must be at least 1 (was {MaxQueuedRecords})"));
        }

        if (MaxQueuedKBytes < 1)
        {
            throw Invalid(nameof(MaxQueuedKBytes), Fmt($"must be at least 1 (was {MaxQueuedKBytes})"));
        }

        if (MaxRecordBytes < MinRecordBytes)
        {
            throw Invalid(nameof(MaxRecordBytes), Fmt($"must be at least {MinRecordBytes} (was {MaxRecordBytes})"));
        }

        ValidateDuration(nameof(MessageTimeout), MessageTimeout, allowZero: false);
        ValidateDuration(nameof(ShutdownTimeout), ShutdownTimeout, allowZero: true);
        ValidateDuration(nameof(MetricExportInterval), MetricExportInterval, allowZero: false);
        ValidateDuration(nameof(MetricExportTimeout), MetricExportTimeout, allowZero: false);

        if (!Enum.IsDefined(MetricTemporality))
        {
            throw Invalid(nameof(MetricTemporality), Fmt($"is not a defined value (was {(int)MetricTemporality})"));
        }

        if (BatchExportProcessorOptions is null)
        {
            throw Invalid(nameof(BatchExportProcessorOptions), "must not be null");
        }

        foreach (var (key, value) in ProducerSettings)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw Invalid(nameof(ProducerSettings), "has an empty property name");
            }

            if (OwnedProperties.TryGetValue(key, out var owner))
            {
                throw Invalid(nameof(ProducerSettings), $"sets '{key}', which the exporter takes from {nameof(KafkaExporterOptions)}.{owner}; set that option instead");
            }

            if (key.StartsWith("dotnet.", StringComparison.Ordinal))
            {
                throw Invalid(nameof(ProducerSettings), $"sets '{key}'; the exporter relies on the .NET client's delivery reports and background polling, so dotnet.* properties are not accepted");
            }

            if (value is null)
            {
                throw Invalid(nameof(ProducerSettings), $"has a null value for '{key}'");
            }
        }
    }

    private static void ValidateTopic(string option, string? topic)
    {
        // Kafka's own rule (kafka.common.Topic): 1..249 characters of [a-zA-Z0-9._-], and not "." or "..".
        if (string.IsNullOrEmpty(topic))
        {
            throw Invalid(option, "must be a non-empty Kafka topic name");
        }

        if (topic.Length > 249 || topic is "." or "..")
        {
            throw Invalid(option, $"'{topic}' is not a legal Kafka topic name (1 to 249 characters, not '.' or '..')");
        }

        foreach (var c in topic)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw Invalid(option, $"'{topic}' is not a legal Kafka topic name (only ASCII letters, digits, '.', '_' and '-')");
            }
        }
    }

    private static void ValidateDuration(string option, TimeSpan value, bool allowZero)
    {
        // librdkafka and the SDK take int milliseconds.
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value.TotalMilliseconds > int.MaxValue)
        {
            var lower = allowZero ? "zero or more" : "more than zero";
            throw Invalid(option, Fmt($"must be {lower} and at most {int.MaxValue} ms (was {value})"));
        }

        if (!allowZero && value.TotalMilliseconds < 1)
        {
            throw Invalid(option, Fmt($"must be at least 1 ms (was {value})"));
        }
    }

    private static ArgumentException Invalid(string option, string problem) =>
        new($"{nameof(KafkaExporterOptions)}.{option} {problem}.", option);

    private static string Fmt(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
