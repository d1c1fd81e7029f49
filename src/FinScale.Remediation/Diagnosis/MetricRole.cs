namespace FinScale.Remediation.Diagnosis;

/// <summary>What a metric measures, as diagnosis reads it (RED plus saturation).</summary>
public enum MetricRole
{
    /// <summary>None of the configured globs matched; the anomaly still counts as a symptom.</summary>
    Other,

    /// <summary>Requests or calls per unit of time; a rise (positive z) across a service is a surge, not a fault.</summary>
    Throughput,

    /// <summary>Durations and latencies.</summary>
    Latency,

    /// <summary>Errors and failures (including calls whose status is an error).</summary>
    Errors,

    /// <summary>CPU, memory, queues: how full a resource is.</summary>
    Saturation,
}
