using Avro;
using Avro.Generic;
using Avro.IO;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// The anomaly mapper writes its records' bytes itself (the decision stage's hot path in a storm); the bytes must be the
/// library's generic writer's exactly, for every kind of value the record can hold.
/// </summary>
public sealed class AnomalyBodyWriterTests
{
    private static readonly RecordSchema Schema = AvroSchemas.Anomaly;

    [Fact]
    public void Write_RandomAnomalies_AreTheGenericWritersBytes()
    {
        var random = new Random(20261129);
        var mapper = new AnomalyMapper();
        var output = new AvroBinaryWriter(16); // small, so growing the buffer is exercised too
        for (var i = 0; i < 3_000; i++)
        {
            var anomaly = RandomRecords.Anomaly(random);
            output.Clear();

            mapper.Write(anomaly, output);

            var expected = GenericBody(anomaly);
            if (!output.Written.SequenceEqual(expected))
                Assert.Fail($"anomaly {i} ({Describe(anomaly)}): {Convert.ToHexString(output.Written)} != {Convert.ToHexString(expected)}");
        }
    }

    [Theory]
    [InlineData(-1L)] // a tick before the epoch: truncated towards zero, as the library does
    [InlineData(-9_999L)]
    [InlineData(-10_001L)]
    [InlineData(0L)]
    [InlineData(9_999L)]
    [InlineData(1_732_870_000_123_4567L)]
    public void Write_EventTimesAroundWholeMilliseconds_AreTheGenericWritersBytes(long ticksFromEpoch)
    {
        var anomaly = TestRecords.Anomaly() with { EventTime = new DateTimeOffset(DateTime.UnixEpoch.Ticks + ticksFromEpoch, TimeSpan.Zero) };
        var output = new AvroBinaryWriter();

        new AnomalyMapper().Write(anomaly, output);

        Assert.Equal(GenericBody(anomaly), output.Written.ToArray());
    }

    [Fact]
    public void Serde_ForTheShippedSchema_WritesDirectly_TheSameFramedBytesAsTheGenericWriter()
    {
        var direct = new AvroSerdes().Anomaly;
        var generic = new AvroSerde<Anomaly>(Schema, new GenericOnlyMapper<Anomaly>(new AnomalyMapper()), AvroSchemas.AnomalyHistory);
        var anomaly = TestRecords.Anomaly() with { TraceId = "4bf92f3577b34da6a3ce929d0e0e4736", SpanId = "00f067aa0ba902b7", State = AnomalyState.Resolved };

        Assert.True(direct.WritesDirectly);
        Assert.False(generic.WritesDirectly);
        var bytes = direct.Serialize(anomaly);
        Assert.Equal(generic.Serialize(anomaly), bytes);
        TestRecords.AssertSameContent(anomaly, generic.Deserialize(bytes));
    }

    [Fact]
    public async Task Serde_WithARegistry_WritesDirectly_TheSameRegistryFramedBytes()
    {
        var registry = FakeSchemaRegistry.Create();
        var direct = new AvroSerde<Anomaly>(Schema, new AnomalyMapper(), registry: registry, subject: "finscale.anomalies-value");
        var generic = new AvroSerde<Anomaly>(Schema, new GenericOnlyMapper<Anomaly>(new AnomalyMapper()), registry: registry, subject: "finscale.anomalies-value");
        await direct.InitializeAsync(CancellationToken.None);
        await generic.InitializeAsync(CancellationToken.None);

        var bytes = direct.Serialize(TestRecords.Anomaly());

        Assert.True(direct.WritesDirectly);
        Assert.Equal(0, bytes[0]);
        Assert.Equal(generic.Serialize(TestRecords.Anomaly()), bytes);
    }

    [Fact]
    public void Writes_EarlierVersionsAndAChangedLogicalType_AreRefused_SoTheGenericWriterWritesThem()
    {
        var mapper = new AnomalyMapper();
        var micros = (RecordSchema)global::Avro.Schema.Parse(AvroSchemas.Text(AvroSchemas.AnomalyFile).Replace("\"timestamp-millis\"", "\"timestamp-micros\"", StringComparison.Ordinal));

        Assert.True(mapper.Writes(Schema));
        Assert.All(AvroSchemas.AnomalyHistory, earlier => Assert.False(mapper.Writes(earlier)));
        Assert.False(mapper.Writes(micros));
        Assert.False(new AvroSerde<Anomaly>(micros, new AnomalyMapper(micros)).WritesDirectly);
    }

    [Fact]
    public void Write_NullField_ThrowsNamingIt()
    {
        var anomaly = TestRecords.Anomaly() with { Detector = null! };

        var ex = Assert.Throws<ArgumentException>(() => new AnomalyMapper().Write(anomaly, new AvroBinaryWriter()));

        Assert.Contains("'detector'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NullAttributeValue_ThrowsNamingTheKey()
    {
        var anomaly = TestRecords.Anomaly() with { Attributes = new Dictionary<string, string> { ["pod"] = null! } };

        var ex = Assert.Throws<ArgumentException>(() => new AnomalyMapper().Write(anomaly, new AvroBinaryWriter()));

        Assert.Contains("'pod'", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] GenericBody(Anomaly anomaly)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(Schema).Write(new AnomalyMapper().ToAvro(anomaly), new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static string Describe(Anomaly a) => $"{a.Attributes.Count} attributes, state {a.State}, trace {(a.TraceId is null ? "none" : "set")}";
}
