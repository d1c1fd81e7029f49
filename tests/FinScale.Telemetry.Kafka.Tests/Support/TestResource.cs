using OpenTelemetry.Resources;

namespace FinScale.Telemetry.Kafka.Tests.Support;

/// <summary>A resource with one attribute of each kind, and the record key the Collector computes for it.</summary>
public static class TestResource
{
    /// <summary>
    /// pdatautil.MapHash of <see cref="Attributes"/>, computed outside .NET: the MapHash byte layout assembled by hand
    /// and hashed with <c>xxhsum -H64</c> (XXH64 of the buffer, then of the buffer plus 0xF3, each little-endian).
    /// </summary>
    public const string CollectorMapHashHex = "70cc34bfff6e04c64bff9da2b7b1bba7";

    public static readonly IReadOnlyDictionary<string, object> Attributes = new Dictionary<string, object>
    {
        ["service.name"] = "checkout",
        ["service.instance.id"] = "pod-7",
        ["host.cpu.count"] = 4L,
        ["sampling.ratio"] = 0.25,
        ["canary"] = true,
        ["zones"] = new[] { "a", "b" },
    };

    public static ResourceBuilder Builder() => ResourceBuilder.CreateEmpty().AddAttributes(Attributes);
}
