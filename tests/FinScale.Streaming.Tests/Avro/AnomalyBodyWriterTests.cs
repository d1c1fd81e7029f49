using Avro;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// The anomaly mapper writes its records' bytes itself (the decision stage writes ~18,600 within a second in a storm at
/// a million series); the contract's tests plus the corners of the anomaly record.
/// </summary>
public sealed class AnomalyBodyWriterTests : AvroBodyWriterContract<Anomaly>
{
    protected override RecordSchema Schema => AvroSchemas.Anomaly;

    protected override IReadOnlyList<RecordSchema> EarlierVersions => AvroSchemas.AnomalyHistory;

    protected override (int Count, Func<Random, Anomaly> Next) Generated => (3_000, RandomRecords.Anomaly);

    protected override Anomaly Sample =>
        TestRecords.Anomaly() with { TraceId = "4bf92f3577b34da6a3ce929d0e0e4736", SpanId = "00f067aa0ba902b7", State = AnomalyState.Resolved };

    protected override IAvroMapper<Anomaly> Mapper() => new AnomalyMapper();

    protected override AvroSerde<Anomaly> PipelineSerde(AvroSerdes serdes) => serdes.Anomaly;

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
    public void Writes_AChangedLogicalType_IsRefused()
    {
        var micros = (RecordSchema)global::Avro.Schema.Parse(AvroSchemas.Text(AvroSchemas.AnomalyFile).Replace("\"timestamp-millis\"", "\"timestamp-micros\"", StringComparison.Ordinal));

        Assert.False(new AnomalyMapper().Writes(micros));
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
}
