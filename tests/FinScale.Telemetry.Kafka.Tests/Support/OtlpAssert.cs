using System.Text;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;

namespace FinScale.Telemetry.Kafka.Tests.Support;

/// <summary>Helpers to read decoded OTLP values in assertions.</summary>
public static class OtlpAssert
{
    public static AnyValue Attribute(RepeatedField<KeyValue> attributes, string key)
    {
        var matches = attributes.Where(a => a.Key == key).ToList();
        Assert.True(matches.Count == 1, $"expected one attribute '{key}', found {matches.Count} in [{string.Join(", ", attributes.Select(a => a.Key))}]");
        return matches[0].Value;
    }

    public static Dictionary<string, AnyValue> ToDictionary(RepeatedField<KeyValue> attributes) =>
        attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    public static ulong UnixNanos(DateTime utc) => (ulong)(utc.Ticks - DateTime.UnixEpoch.Ticks) * 100UL;

    public static ulong UnixNanos(DateTimeOffset time) => (ulong)(time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100UL;

    public static string Ascii(byte[] key) => Encoding.ASCII.GetString(key);
}
