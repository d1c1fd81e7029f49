namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>One Kafka record to produce: key, serialized OTLP export request, and how many spans or data points it carries.</summary>
internal readonly record struct OtlpRecord(byte[] Key, byte[] Value, int Items);
