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
            var anomaly = RandomAnomaly(random);
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
        var generic = new AvroSerde<Anomaly>(Schema, new GenericOnly(new AnomalyMapper()), AvroSchemas.AnomalyHistory);
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
        var generic = new AvroSerde<Anomaly>(Schema, new GenericOnly(new AnomalyMapper()), registry: registry, subject: "finscale.anomalies-value");
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

    private static Anomaly RandomAnomaly(Random random)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = random.Next(4) == 0 ? 0 : random.Next(1, 80); // 64 entries need a two-byte block count
        for (var a = 0; a < count; a++)
            attributes[RandomText(random, 1, 20) + a] = RandomText(random, 0, 40);
        return new Anomaly(
            RandomText(random, 0, 200),
            RandomText(random, 0, 300),
            RandomText(random, 1, 70),
            attributes,
            new DateTimeOffset(random.NextInt64(DateTime.UnixEpoch.Ticks - (100L * TimeSpan.TicksPerDay * 365), DateTime.UnixEpoch.Ticks + (200L * TimeSpan.TicksPerDay * 365)), TimeSpan.Zero),
            RandomDouble(random),
            RandomDouble(random),
            RandomDouble(random),
            RandomDouble(random),
            RandomText(random, 0, 30))
        {
            TraceId = random.Next(3) == 0 ? null : RandomText(random, 0, 40),
            SpanId = random.Next(3) == 0 ? null : RandomText(random, 0, 20),
            State = (AnomalyState)random.Next(3),
        };
    }

    private static string RandomText(Random random, int min, int max)
    {
        // ASCII mostly, with two- and three-byte UTF-8, surrogate pairs and now and then a lone surrogate.
        var length = random.Next(min, max + 1);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.Next(10) switch
            {
                0 => (char)random.Next(0x80, 0x800),
                1 => (char)random.Next(0x800, 0xD800),
                2 when i + 1 < length => (char)random.Next(0xD800, 0xDC00),
                3 => (char)random.Next(0xDC00, 0xE000),
                _ => (char)random.Next(0x20, 0x7F),
            };
            if (chars[i] is >= (char)0xD800 and < (char)0xDC00 && random.Next(4) != 0)
                chars[++i] = (char)random.Next(0xDC00, 0xE000);
        }

        return new string(chars);
    }

    private static double RandomDouble(Random random) => random.Next(12) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => double.Epsilon,
        5 => double.MaxValue,
        6 => BitConverter.Int64BitsToDouble(random.NextInt64()),
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 12)),
    };

    private static string Describe(Anomaly a) => $"{a.Attributes.Count} attributes, state {a.State}, trace {(a.TraceId is null ? "none" : "set")}";

    /// <summary>The anomaly mapper without its body writer: the serde falls back to the library's generic writer.</summary>
    private sealed class GenericOnly(AnomalyMapper inner) : IAvroMapper<Anomaly>
    {
        public GenericRecord ToAvro(Anomaly value) => inner.ToAvro(value);

        public Anomaly FromAvro(GenericRecord record) => inner.FromAvro(record);
    }
}
