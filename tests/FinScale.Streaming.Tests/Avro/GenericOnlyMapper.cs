using Avro.Generic;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>A mapper without its body writer, so a serde over it writes through the library's generic writer.</summary>
internal sealed class GenericOnlyMapper<T>(IAvroMapper<T> inner) : IAvroMapper<T>
{
    public GenericRecord ToAvro(T value) => inner.ToAvro(value);

    public T FromAvro(GenericRecord record) => inner.FromAvro(record);
}
