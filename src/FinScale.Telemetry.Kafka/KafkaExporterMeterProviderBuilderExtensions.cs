using OpenTelemetry.Metrics;

namespace FinScale.Telemetry.Kafka;

/// <summary>Registers the Kafka OTLP metric exporter on a <see cref="MeterProviderBuilder"/>.</summary>
public static class KafkaExporterMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="PeriodicExportingMetricReader"/> that exports to Kafka every
    /// <see cref="KafkaExporterOptions.MetricExportInterval"/>, one OTLP <c>ExportMetricsServiceRequest</c> per record on
    /// <see cref="KafkaExporterOptions.MetricsTopic"/>.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <param name="configure">Sets the options; keep <see cref="KafkaExporterOptions.Statistics"/> from here to watch deliveries and drops.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names it. Thrown here, at registration.</exception>
    public static MeterProviderBuilder AddKafkaExporter(this MeterProviderBuilder builder, Action<KafkaExporterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new KafkaExporterOptions();
        configure?.Invoke(options);

        // Fail at registration, naming the option; the producer itself is only created when the provider is built.
        options.Validate();
        return builder.AddReader(_ => new PeriodicExportingMetricReader(
            new KafkaMetricExporter(options),
            (int)options.MetricExportInterval.TotalMilliseconds,
            (int)options.MetricExportTimeout.TotalMilliseconds)
        {
            TemporalityPreference = options.MetricTemporality,
        });
    }
}
