using System.ComponentModel.DataAnnotations;

namespace FinScale.Host.Telemetry;

/// <summary>The engine's own telemetry endpoints (section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Telemetry";

    /// <summary>Port of <c>/healthz</c>, <c>/readyz</c> and the Prometheus scrape endpoint <c>/metrics</c> while <c>finscale run</c> runs; 0 serves none.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9464;

    /// <summary>
    /// OTLP endpoint metrics and remediation spans are exported to (e.g. <c>http://otel-collector:4317</c>); empty: the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable when set, else no OTLP export.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Kafka statistics older than this make <c>/readyz</c> answer 503 (the consumer reports every 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReadyFreshness { get; set; } = TimeSpan.FromSeconds(30);
}
