namespace FinScale.Telemetry.Kafka.Delivery;

/// <summary>Which OTLP signal an exporter carries; decides which item counters a record's spans or data points go to.</summary>
internal enum TelemetrySignal
{
    Metrics,
    Traces,
}
