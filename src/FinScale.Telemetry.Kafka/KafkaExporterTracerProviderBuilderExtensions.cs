using OpenTelemetry;
using OpenTelemetry.Trace;

namespace FinScale.Telemetry.Kafka;

/// <summary>Registers the Kafka OTLP trace exporter on a <see cref="TracerProviderBuilder"/>.</summary>
public static class KafkaExporterTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="BatchActivityExportProcessor"/> that exports finished spans to Kafka, one OTLP
    /// <c>ExportTraceServiceRequest</c> per trace id and record on <see cref="KafkaExporterOptions.TracesTopic"/>.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <param name="configure">Sets the options; keep <see cref="KafkaExporterOptions.Statistics"/> from here to watch deliveries and drops.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names it. Thrown here, at registration.</exception>
    public static TracerProviderBuilder AddKafkaExporter(this TracerProviderBuilder builder, Action<KafkaExporterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new KafkaExporterOptions();
        configure?.Invoke(options);

        // Fail at registration, naming the option; the producer itself is only created when the provider is built.
        options.Validate();
        var batch = options.BatchExportProcessorOptions;
        return builder.AddProcessor(_ => new BatchActivityExportProcessor(
            new KafkaTraceExporter(options),
            batch.MaxQueueSize,
            batch.ScheduledDelayMilliseconds,
            batch.ExporterTimeoutMilliseconds,
            batch.MaxExportBatchSize));
    }
}
