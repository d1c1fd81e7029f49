using Avro;

namespace FinScale.Streaming.Avro;

/// <summary>
/// Each value of a contract enum with its symbol's position in an Avro enum schema (the symbol as
/// <see cref="AvroValues.Symbol{TEnum}"/> names it), for a body writer: what the generic writer looks up per record.
/// </summary>
/// <typeparam name="TEnum">The contract enum.</typeparam>
public sealed class AvroEnumOrdinals<TEnum>
    where TEnum : struct, Enum
{
    private readonly Dictionary<TEnum, int> _ordinals;
    private readonly string _field;

    /// <summary>The ordinals of <typeparamref name="TEnum"/>'s values that <paramref name="schema"/> has a symbol for; <paramref name="field"/> names the field in errors.</summary>
    public AvroEnumOrdinals(EnumSchema schema, string field)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _field = field;
        _ordinals = Enum.GetValues<TEnum>()
            .Where(v => schema.Contains(AvroValues.Symbol(v)))
            .ToDictionary(v => v, v => schema.Ordinal(AvroValues.Symbol(v)));
    }

    /// <summary>The ordinal of <paramref name="value"/>; an <see cref="ArgumentException"/> when the schema has no symbol for it.</summary>
    public int Of(TEnum value) =>
        _ordinals.TryGetValue(value, out var ordinal) ? ordinal : throw new ArgumentException($"field '{_field}': {value} has no symbol in the schema", nameof(value));
}
