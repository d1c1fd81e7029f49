using Avro;

namespace FinScale.Streaming.Avro;

/// <summary>
/// Writes a contract record's Avro body straight from the record, for records written often enough that the library's
/// generic writer (a <c>GenericRecord</c>, a boxed value per field, a dictionary per map) shows up in a profile. An
/// <see cref="IAvroMapper{T}"/> may implement it; <see cref="AvroSerde{T}"/> then uses it whenever
/// <see cref="Writes"/> accepts the serde's schema, and the generic writer otherwise. Its output must be byte for byte the
/// generic writer's (a test per implementation holds that).
/// </summary>
/// <typeparam name="T">The contract record.</typeparam>
public interface IAvroBodyWriter<T>
{
    /// <summary>True when this writer's field order and types are exactly <paramref name="schema"/>'s.</summary>
    bool Writes(RecordSchema schema);

    /// <summary>Appends the Avro binary body of <paramref name="value"/> (no framing) to <paramref name="output"/>.</summary>
    void Write(T value, AvroBinaryWriter output);
}
