using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;

namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>
/// The record key of a metrics record: the Collector's <c>pdatautil.MapHash</c> of the resource attributes, so a
/// service's metrics keep the key (and partition) a Collector with <c>partition_metrics_by_resource_attributes</c> gives them.
/// </summary>
/// <remarks>
/// MapHash writes the attributes sorted by key (byte-wise, as Go sorts strings) into a buffer, each key after the marker
/// 0xF4 and each value after a marker of its kind, then takes XXH64 of the buffer and of the buffer plus 0xF3, both
/// little-endian, as 16 bytes. An empty map hashes to 16 zero bytes.
/// </remarks>
internal static class ResourceAttributeHash
{
    private const byte ExtraByte = 0xF3;
    private const byte KeyPrefix = 0xF4;
    private const byte ValEmpty = 0xF5;
    private const byte ValBytesPrefix = 0xF6;
    private const byte ValStrPrefix = 0xF7;
    private const byte ValBoolTrue = 0xF8;
    private const byte ValBoolFalse = 0xF9;
    private const byte ValIntPrefix = 0xFA;
    private const byte ValDoublePrefix = 0xFB;
    private const byte ValMapPrefix = 0xFC;
    private const byte ValMapSuffix = 0xFD;
    private const byte ValSlicePrefix = 0xFE;
    private const byte ValSliceSuffix = 0xFF;

    /// <summary>Returns the 16-byte key for <paramref name="attributes"/>.</summary>
    internal static byte[] Compute(RepeatedField<KeyValue> attributes)
    {
        var key = new byte[16];
        if (attributes.Count == 0)
        {
            return key;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        WriteMap(buffer, attributes);
        BinaryPrimitives.WriteUInt64LittleEndian(key, XxHash64.Hash(buffer.WrittenSpan));
        Append(buffer, ExtraByte);
        BinaryPrimitives.WriteUInt64LittleEndian(key.AsSpan(8), XxHash64.Hash(buffer.WrittenSpan));
        return key;
    }

    private static void WriteMap(ArrayBufferWriter<byte> buffer, RepeatedField<KeyValue> map)
    {
        // pcommon.Map.Get returns the first entry of a key, so a repeated key contributes its first value only.
        var entries = new List<(byte[] Key, AnyValue? Value)>(map.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kv in map)
        {
            if (seen.Add(kv.Key))
            {
                entries.Add((Encoding.UTF8.GetBytes(kv.Key), kv.Value));
            }
        }

        entries.Sort(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        foreach (var (key, value) in entries)
        {
            Append(buffer, KeyPrefix);
            buffer.Write(key);
            WriteValue(buffer, value);
        }
    }

    private static void WriteValue(ArrayBufferWriter<byte> buffer, AnyValue? value)
    {
        switch (value?.ValueCase ?? AnyValue.ValueOneofCase.None)
        {
            case AnyValue.ValueOneofCase.StringValue:
                Append(buffer, ValStrPrefix);
                buffer.Write(Encoding.UTF8.GetBytes(value!.StringValue));
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                Append(buffer, value!.BoolValue ? ValBoolTrue : ValBoolFalse);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                Append(buffer, ValIntPrefix);
                BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value!.IntValue);
                buffer.Advance(8);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                Append(buffer, ValDoublePrefix);
                BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(8), BitConverter.DoubleToUInt64Bits(value!.DoubleValue));
                buffer.Advance(8);
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                Append(buffer, ValMapPrefix);
                WriteMap(buffer, value!.KvlistValue.Values);
                Append(buffer, ValMapSuffix);
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                Append(buffer, ValSlicePrefix);
                foreach (var element in value!.ArrayValue.Values)
                {
                    WriteValue(buffer, element);
                }

                Append(buffer, ValSliceSuffix);
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                Append(buffer, ValBytesPrefix);
                buffer.Write(value!.BytesValue.Span);
                break;
            default:
                Append(buffer, ValEmpty);
                break;
        }
    }

    private static void Append(ArrayBufferWriter<byte> buffer, byte b)
    {
        buffer.GetSpan(1)[0] = b;
        buffer.Advance(1);
    }
}
