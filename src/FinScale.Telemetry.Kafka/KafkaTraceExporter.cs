using System.Diagnostics;
using FinScale.Telemetry.Kafka.Delivery;
using FinScale.Telemetry.Kafka.Otlp;
using OpenTelemetry;

namespace FinScale.Telemetry.Kafka;

/// <summary>Publishes spans to Kafka as OTLP <c>ExportTraceServiceRequest</c> records, one per trace id and keyed by it.</summary>
/// <remarks>
/// Usually registered with <see cref="KafkaExporterTracerProviderBuilderExtensions.AddKafkaExporter"/>. <see cref="Export"/>
/// serializes and hands the records to librdkafka without waiting for the broker; failures surface in
/// <see cref="Statistics"/>. No member throws once the exporter is constructed.
/// </remarks>
public sealed class KafkaTraceExporter : BaseExporter<Activity>
{
    private readonly OtlpExportChannel _channel;

    /// <summary>Initializes a new instance of the <see cref="KafkaTraceExporter"/> class and its Kafka producer.</summary>
    /// <param name="options">The exporter options; validated here.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public KafkaTraceExporter(KafkaExporterOptions options)
    {
        _channel = new OtlpExportChannel(options, TelemetrySignal.Traces);
    }

    /// <summary>Gets the delivery counters of this exporter (the same object as <see cref="KafkaExporterOptions.Statistics"/>).</summary>
    public KafkaExporterStatistics Statistics => _channel.Statistics;

    /// <summary>Serializes the batch into records and queues them; returns <see cref="ExportResult.Failure"/> when any was dropped at once.</summary>
    /// <param name="batch">The spans to export.</param>
    /// <returns>Success when every record was queued.</returns>
    public override ExportResult Export(in Batch<Activity> batch)
    {
        // The exporter's own Kafka client must not feed telemetry back into the pipeline it serves.
        using var scope = SuppressInstrumentationScope.Begin();
        List<OtlpRecord> records;
        int spans;
        try
        {
            records = OtlpTraceMapper.Map(in batch, _channel.Resource(ParentProvider?.GetResource()), _channel.MaxRecordBytes, out spans);
        }
        catch (Exception ex)
        {
            return _channel.Failed(ex);
        }

        return _channel.Send(records);
    }

    /// <inheritdoc/>
    protected override bool OnForceFlush(int timeoutMilliseconds) => _channel.Flush(timeoutMilliseconds);

    /// <inheritdoc/>
    protected override bool OnShutdown(int timeoutMilliseconds) => _channel.Close(timeoutMilliseconds);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _channel.Dispose();
        }

        base.Dispose(disposing);
    }
}
