using Avro.Generic;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

public sealed class MetricSampleMapperTests
{
    private readonly MetricSampleMapper _mapper = new();

    [Fact]
    public void ToAvro_Sample_FillsEveryField()
    {
        var sample = TestRecords.Sample();

        var record = _mapper.ToAvro(sample);

        Assert.Equal(sample.Name, record["name"]);
        Assert.Equal(sample.Timestamp.UtcDateTime, record["timestamp"]);
        Assert.Equal(sample.Value, record["value"]);
        var map = Assert.IsAssignableFrom<IDictionary<string, object>>(record["attributes"]);
        Assert.Equal(sample.Attributes.Count, map.Count);
    }

    [Fact]
    public void ToAvro_NonUtcTimestamp_StoredAsUtcInstant()
    {
        var sample = TestRecords.Sample() with { Timestamp = new DateTimeOffset(2024, 3, 14, 17, 9, 26, 535, TimeSpan.FromHours(2)) };

        var back = _mapper.FromAvro(_mapper.ToAvro(sample));

        Assert.Equal(TestRecords.EventTime, back.Timestamp);
        Assert.Equal(TimeSpan.Zero, back.Timestamp.Offset);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void FromAvro_NonFiniteValue_ThrowsArgumentException(double value)
    {
        var record = _mapper.ToAvro(TestRecords.Sample(value: value));

        Assert.Throws<ArgumentException>(() => _mapper.FromAvro(record));
    }

    [Fact]
    public void FromAvro_EmptyName_ThrowsArgumentException()
    {
        var record = _mapper.ToAvro(TestRecords.Sample(name: string.Empty));

        var ex = Assert.Throws<ArgumentException>(() => _mapper.FromAvro(record));

        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromAvro_MissingAttributes_GivesEmptyAttributes()
    {
        var record = new GenericRecord(AvroSchemas.MetricSample);
        record.Add("name", "m");
        record.Add("timestamp", TestRecords.EventTime.UtcDateTime);
        record.Add("value", 1.0);

        var sample = _mapper.FromAvro(record);

        Assert.Empty(sample.Attributes);
        Assert.Equal(SeriesKey.Create("m", null), sample.Key);
    }
}
