namespace FinScale.Contracts;

/// <summary>Default names of the topics FinScale reads and writes; every one can be overridden in configuration.</summary>
public static class TopicNames
{
    /// <summary>OTLP metrics as the OpenTelemetry Collector's Kafka exporter writes them.</summary>
    public const string OtlpMetrics = "otlp_metrics";

    /// <summary>OTLP traces as the OpenTelemetry Collector's Kafka exporter writes them.</summary>
    public const string OtlpSpans = "otlp_spans";

    /// <summary>Avro metric samples from business producers and <c>finscale replay</c>.</summary>
    public const string Metrics = "finscale.metrics";

    /// <summary>Avro anomalies emitted by <c>finscale run</c>.</summary>
    public const string Anomalies = "finscale.anomalies";

    /// <summary>Avro remediation decisions, taken or held back: the audit trail.</summary>
    public const string RemediationAudit = "finscale.remediation.audit";

    /// <summary>Records that could not be decoded, with the reason and their origin in headers.</summary>
    public const string DeadLetter = "finscale.dlq";

    /// <summary>Compacted write-ahead log of enforced actions: a decision's intent (keyed by decision id) written before
    /// its request goes out, a tombstone once its outcome is on the audit topic.</summary>
    public const string RemediationIntents = "finscale.remediation.intents";

    /// <summary>Compacted baseline checkpoints.</summary>
    public const string State = "finscale.state";
}
