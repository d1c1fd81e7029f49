namespace FinScale.Streaming.Avro;

/// <summary>The Avro symbol of a contract enum value, as the schemas and JSON output spell it (<c>restart_pod</c>).</summary>
public static class AvroNames
{
    /// <summary>The snake_case symbol of <paramref name="value"/>.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => AvroValues.Symbol(value);
}
