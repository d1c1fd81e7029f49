using Avro.Generic;

namespace FinScale.Streaming.Avro;

/// <summary>Maps a contract record to and from its Avro generic form.</summary>
/// <typeparam name="T">The contract record.</typeparam>
public interface IAvroMapper<T>
{
    /// <summary>The Avro form of <paramref name="value"/> under the current schema.</summary>
    GenericRecord ToAvro(T value);

    /// <summary>The contract record from a record read under the current (reader) schema.</summary>
    T FromAvro(GenericRecord record);
}
