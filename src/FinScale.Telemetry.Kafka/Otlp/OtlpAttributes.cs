using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;

namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>Maps .NET attribute values onto OTLP <see cref="AnyValue"/>, the way the OpenTelemetry .NET OTLP exporter does.</summary>
/// <remarks>
/// Strings, booleans, integers (any width that fits in int64), floating point (as double) and arrays of those map
/// onto their OTLP kinds; <c>byte[]</c> onto bytes; anything else onto its invariant-culture string. A null value
/// is left out, as an OTLP attribute without a value carries nothing.
/// </remarks>
internal static class OtlpAttributes
{
    /// <summary>Appends each non-null attribute to <paramref name="target"/>.</summary>
    internal static void AddTo<TValue>(RepeatedField<KeyValue> target, IEnumerable<KeyValuePair<string, TValue>>? attributes)
    {
        if (attributes is null)
        {
            return;
        }

        foreach (var (key, value) in attributes)
        {
            if (ToAnyValue(value) is { } any)
            {
                target.Add(new KeyValue { Key = key, Value = any });
            }
        }
    }

    /// <summary>Converts one value; null for a null value.</summary>
    internal static AnyValue? ToAnyValue(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case string s:
                return new AnyValue { StringValue = s };
            case bool b:
                return new AnyValue { BoolValue = b };
            case long l:
                return new AnyValue { IntValue = l };
            case int i:
                return new AnyValue { IntValue = i };
            case short sh:
                return new AnyValue { IntValue = sh };
            case sbyte sb:
                return new AnyValue { IntValue = sb };
            case byte by:
                return new AnyValue { IntValue = by };
            case ushort us:
                return new AnyValue { IntValue = us };
            case uint ui:
                return new AnyValue { IntValue = ui };
            case ulong ul:
                return ul <= long.MaxValue
                    ? new AnyValue { IntValue = (long)ul }
                    : new AnyValue { StringValue = ul.ToString(CultureInfo.InvariantCulture) };
            case double d:
                return new AnyValue { DoubleValue = d };
            case float f:
                return new AnyValue { DoubleValue = f };
            case decimal m:
                return new AnyValue { DoubleValue = (double)m };
            case char c:
                return new AnyValue { StringValue = c.ToString() };
            case byte[] bytes:
                return new AnyValue { BytesValue = ByteString.CopyFrom(bytes) };
            case Array array:
                return new AnyValue { ArrayValue = ToArrayValue(array) };
            case IFormattable formattable:
                return new AnyValue { StringValue = formattable.ToString(null, CultureInfo.InvariantCulture) };
            default:
                return new AnyValue { StringValue = value.ToString() ?? string.Empty };
        }
    }

    private static ArrayValue ToArrayValue(Array array)
    {
        var result = new ArrayValue();
        foreach (var element in array)
        {
            // An array keeps its positions: a null element becomes an empty AnyValue rather than vanishing.
            result.Values.Add(ToAnyValue(element) ?? new AnyValue());
        }

        return result;
    }
}
