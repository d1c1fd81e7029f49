using System.ComponentModel.DataAnnotations;
using FinScale.Contracts;

namespace FinScale.Streaming.Configuration;

/// <summary>How OTLP records on the <c>otlp_metrics</c> and <c>otlp_spans</c> topics are read.</summary>
public sealed class OtlpOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Otlp";

    /// <summary>Binary protobuf, the Collector kafkaexporter's default.</summary>
    public const string ProtoEncoding = "otlp_proto";

    /// <summary>OTLP/JSON.</summary>
    public const string JsonEncoding = "otlp_json";

    /// <summary>Encoding of the OTLP metrics topic: <c>otlp_proto</c> or <c>otlp_json</c>.</summary>
    [AllowedValues(ProtoEncoding, JsonEncoding)]
    public string MetricsEncoding { get; set; } = ProtoEncoding;

    /// <summary>Encoding of the OTLP spans topic: <c>otlp_proto</c> or <c>otlp_json</c>.</summary>
    [AllowedValues(ProtoEncoding, JsonEncoding)]
    public string SpansEncoding { get; set; } = ProtoEncoding;

    /// <summary>Resource attributes that identify a series (comma-separated); other resource attributes are ignored. Data point attributes always identify.</summary>
    [Required(AllowEmptyStrings = false)]
    public string IdentifyingResourceAttributes { get; set; } = string.Join(
        ',',
        WellKnownAttributes.ServiceName,
        WellKnownAttributes.ServiceVersion,
        WellKnownAttributes.Namespace,
        WellKnownAttributes.Deployment,
        WellKnownAttributes.PodName,
        WellKnownAttributes.NodeName);

    /// <summary>Points and spans timed further ahead of this machine's clock are skipped and counted (a broken clock must not poison baselines).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The identifying resource attributes as a list.</summary>
    public IReadOnlyList<string> IdentifyingResourceAttributeList =>
        IdentifyingResourceAttributes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
