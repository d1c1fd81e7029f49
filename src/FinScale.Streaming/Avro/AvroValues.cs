using System.Text;
using Avro.Generic;

namespace FinScale.Streaming.Avro;

/// <summary>Conversions between contract values and the Avro generic representation.</summary>
internal static class AvroValues
{
    public static Dictionary<string, object> ToMap(IReadOnlyDictionary<string, string> attributes)
    {
        var map = new Dictionary<string, object>(attributes.Count, StringComparer.Ordinal);
        foreach (var (k, v) in attributes)
            map[k] = v;
        return map;
    }

    public static IReadOnlyDictionary<string, string> FromMap(GenericRecord record, string field)
    {
        if (record[field] is not IDictionary<string, object> map)
            return new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new Dictionary<string, string>(map.Count, StringComparer.Ordinal);
        foreach (var (k, v) in map)
            result[k] = (string)v;
        return result;
    }

    public static string String(GenericRecord record, string field) => (string)record[field];

    public static DateTimeOffset Timestamp(GenericRecord record, string field) => record[field] switch
    {
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
        long ms => DateTimeOffset.FromUnixTimeMilliseconds(ms),
        var other => throw new InvalidCastException($"field '{field}' is {other?.GetType().Name ?? "null"}, not a timestamp"),
    };

    /// <summary>Enum member name in PascalCase to its Avro symbol in snake_case (<c>DryRun</c> → <c>dry_run</c>).</summary>
    public static string Symbol<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var name = value.ToString();
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>An Avro snake_case symbol to the enum member; unknown symbols throw.</summary>
    public static TEnum ParseSymbol<TEnum>(string symbol)
        where TEnum : struct, Enum
    {
        var pascal = string.Concat(symbol.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
        return Enum.TryParse<TEnum>(pascal, ignoreCase: false, out var value)
            ? value
            : throw new FormatException($"'{symbol}' is not a {typeof(TEnum).Name}");
    }
}
