using Avro;
using Avro.Generic;
using Avro.IO;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// What every mapper that writes its records' bytes itself must do: write the library's generic writer's bytes exactly,
/// for every kind of value the record can hold; be used by a serde over the shipped schema; and stand aside for the
/// earlier versions of its schema. Each such mapper's tests inherit these.
/// </summary>
/// <typeparam name="T">The contract record.</typeparam>
public abstract class AvroBodyWriterContract<T>
    where T : class
{
    /// <summary>The shipped schema of the record.</summary>
    protected abstract RecordSchema Schema { get; }

    /// <summary>Earlier versions of the schema, which the generic writer must keep writing.</summary>
    protected abstract IReadOnlyList<RecordSchema> EarlierVersions { get; }

    /// <summary>Random records to compare, and how many.</summary>
    protected abstract (int Count, Func<Random, T> Next) Generated { get; }

    /// <summary>A record with its optional parts set, for the serde comparison.</summary>
    protected abstract T Sample { get; }

    /// <summary>A new mapper over <see cref="Schema"/>.</summary>
    protected abstract IAvroMapper<T> Mapper();

    /// <summary>The serde the pipeline uses for the record.</summary>
    protected abstract AvroSerde<T> PipelineSerde(AvroSerdes serdes);

    [Fact]
    public void Write_RandomRecords_AreTheGenericWritersBytes()
    {
        var random = new Random(20261129);
        var writer = BodyWriter();
        var output = new AvroBinaryWriter(16); // small, so growing the buffer is exercised too
        var (count, next) = Generated;
        for (var i = 0; i < count; i++)
        {
            var record = next(random);
            output.Clear();

            writer.Write(record, output);

            var expected = GenericBody(record);
            if (!output.Written.SequenceEqual(expected))
                Assert.Fail($"record {i}: {Convert.ToHexString(output.Written)} != {Convert.ToHexString(expected)}");
        }
    }

    [Fact]
    public void Serde_ForTheShippedSchema_WritesDirectly_TheSameFramedBytesAsTheGenericWriter()
    {
        var direct = PipelineSerde(new AvroSerdes());
        var generic = new AvroSerde<T>(Schema, new GenericOnlyMapper<T>(Mapper()), EarlierVersions);

        var bytes = direct.Serialize(Sample);

        Assert.True(direct.WritesDirectly);
        Assert.False(generic.WritesDirectly);
        Assert.Equal(generic.Serialize(Sample), bytes);
        Assert.Equal(bytes, generic.Serialize(generic.Deserialize(bytes)));
    }

    [Fact]
    public void Writes_EarlierVersions_AreRefused_SoTheGenericWriterWritesThem()
    {
        var writer = BodyWriter();

        Assert.True(writer.Writes(Schema));
        Assert.All(EarlierVersions, earlier => Assert.False(writer.Writes(earlier)));
    }

    /// <summary>The bytes the library's generic writer writes for <paramref name="record"/>'s body.</summary>
    protected byte[] GenericBody(T record)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(Schema).Write(Mapper().ToAvro(record), new BinaryEncoder(stream));
        return stream.ToArray();
    }

    /// <summary>The mapper as the body writer it must be.</summary>
    protected IAvroBodyWriter<T> BodyWriter() => Assert.IsAssignableFrom<IAvroBodyWriter<T>>(Mapper());
}
