using FinScale.Telemetry.Kafka.Otlp;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace FinScale.Telemetry.Kafka.Delivery;

/// <summary>
/// What the metric and the trace exporter share: validated options, the record sender of their topic, the resource
/// read once from the provider, and the rules for a batch (queue every record; a serialization failure is counted,
/// reported and answered with <see cref="ExportResult.Failure"/>, never thrown).
/// </summary>
internal sealed class OtlpExportChannel : IDisposable
{
    private readonly KafkaRecordSender _sender;
    private readonly TelemetrySignal _signal;
    private OtlpResource? _resource;

    public OtlpExportChannel(KafkaExporterOptions options, TelemetrySignal signal)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _signal = signal;
        Statistics = options.Statistics;
        MaxRecordBytes = options.MaxRecordBytes;
        _sender = KafkaRecordSender.Create(options, signal == TelemetrySignal.Metrics ? options.MetricsTopic : options.TracesTopic, signal);
    }

    /// <summary>The delivery counters (the options' object).</summary>
    public KafkaExporterStatistics Statistics { get; }

    /// <summary>Largest record value before a request is split.</summary>
    public int MaxRecordBytes { get; }

    /// <summary>The provider's resource, read on the first export.</summary>
    public OtlpResource Resource(Resource? provider) => _resource ??= OtlpResource.From(provider);

    /// <summary>Queues every record; Success when all were queued.</summary>
    public ExportResult Send(List<OtlpRecord> records)
    {
        var allQueued = true;
        foreach (var record in records)
            allQueued &= _sender.TrySend(record.Key, record.Value, record.Items);
        return allQueued ? ExportResult.Success : ExportResult.Failure;
    }

    /// <summary>Counts and reports a batch that could not be serialized.</summary>
    public ExportResult Failed(Exception ex)
    {
        Statistics.OnSerializationFailure(_signal, 0, ex.Message);
        KafkaExporterEventSource.Log.ExportFailed(_signal == TelemetrySignal.Metrics ? "metrics" : "traces", ex.ToString());
        return ExportResult.Failure;
    }

    public bool Flush(int timeoutMilliseconds) => _sender.Flush(timeoutMilliseconds);

    public bool Close(int timeoutMilliseconds) => _sender.Close(timeoutMilliseconds);

    public void Dispose() => _sender.Dispose();
}
