using OpenTelemetry.Proto.Resource.V1;
using SdkResource = OpenTelemetry.Resources.Resource;

namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>A provider's resource in OTLP form with its record key, computed once per exporter (a provider's resource never changes).</summary>
internal sealed class OtlpResource
{
    private OtlpResource(Resource resource, byte[] attributeHash)
    {
        Resource = resource;
        AttributeHash = attributeHash;
    }

    /// <summary>Gets the OTLP resource; shared by every request, so it must not be mutated.</summary>
    internal Resource Resource { get; }

    /// <summary>Gets the Collector's MapHash of the resource attributes (16 bytes).</summary>
    internal byte[] AttributeHash { get; }

    /// <summary>Converts an SDK resource; null reads as empty.</summary>
    internal static OtlpResource From(SdkResource? resource)
    {
        var otlp = new Resource();
        OtlpAttributes.AddTo(otlp.Attributes, resource?.Attributes);
        return new OtlpResource(otlp, ResourceAttributeHash.Compute(otlp.Attributes));
    }
}
