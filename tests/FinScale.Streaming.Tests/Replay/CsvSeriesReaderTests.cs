using FinScale.Streaming.Replay;

namespace FinScale.Streaming.Tests.Replay;

public sealed class CsvSeriesReaderTests : IDisposable
{
    private readonly TempCsvDirectory _dir = new();
    private readonly List<CsvRowError> _errors = [];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_NabFile_SeriesNamedFromFile()
    {
        var path = _dir.Write("ec2_cpu_utilization_5f5533.csv",
            "timestamp,value",
            "2014-04-10 00:00:00,12.5",
            "2014-04-10 00:05:00,13.25",
            "2014-04-10 00:10:00,-1e3");

        var samples = CsvSeriesReader.Read(path, _errors.Add).ToList();

        Assert.Empty(_errors);
        Assert.Equal(3, samples.Count);
        Assert.All(samples, s => Assert.Equal("ec2_cpu_utilization_5f5533", s.Name));
        Assert.All(samples, s => Assert.Empty(s.Attributes));
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, TimeSpan.Zero), samples[0].Timestamp);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 10, 0, TimeSpan.Zero), samples[2].Timestamp);
        Assert.Equal([12.5, 13.25, -1000.0], samples.Select(s => s.Value));
    }

    [Fact]
    public void Read_AttributeComments_AddAttributesAndRenameMetric()
    {
        var path = _dir.Write("file_name.csv",
            "# metric=http.server.duration.p99",
            "# service.name = checkout",
            "#k8s.pod.name=checkout-abc",
            "# just a comment without equals",
            "timestamp,value",
            "2014-04-10 00:00:00,1");

        var sample = Assert.Single(CsvSeriesReader.Read(path, _errors.Add));

        Assert.Empty(_errors);
        Assert.Equal("http.server.duration.p99", sample.Name);
        Assert.Equal(2, sample.Attributes.Count);
        Assert.Equal("checkout", sample.Attributes["service.name"]);
        Assert.Equal("checkout-abc", sample.Attributes["k8s.pod.name"]);
        Assert.False(sample.Attributes.ContainsKey(CsvSeriesReader.MetricKey));
    }

    [Fact]
    public void Read_CommentAfterData_DoesNotChangeAttributes()
    {
        var path = _dir.Write("s.csv",
            "# a=1",
            "2014-04-10 00:00:00,1",
            "# a=2",
            "# metric=other",
            "2014-04-10 00:01:00,2");

        var samples = CsvSeriesReader.Read(path, _errors.Add).ToList();

        Assert.Equal(2, samples.Count);
        Assert.All(samples, s => Assert.Equal("1", s.Attributes["a"]));
        Assert.All(samples, s => Assert.Equal("s", s.Name));
    }

    [Fact]
    public void Read_EpochSecondsAndMillis_BothParsed()
    {
        var path = _dir.Write("epochs.csv",
            "timestamp,value",
            "1397088000,1",
            "1397088000500,2",
            "0,3");

        var samples = CsvSeriesReader.Read(path, _errors.Add).ToList();

        Assert.Empty(_errors);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, TimeSpan.Zero), samples[0].Timestamp);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, 500, TimeSpan.Zero), samples[1].Timestamp);
        Assert.Equal(DateTimeOffset.UnixEpoch, samples[2].Timestamp);
    }

    [Fact]
    public void Read_Iso8601WithOffset_ConvertedToUtc()
    {
        var path = _dir.Write("iso.csv",
            "timestamp,value",
            "2014-04-10T02:00:00+02:00,1",
            "2014-04-09T19:30:00.250-04:30,2",
            "2014-04-10T00:00:00Z,3",
            "2014-04-10T00:00:00,4");

        var samples = CsvSeriesReader.Read(path, _errors.Add).ToList();

        Assert.Empty(_errors);
        Assert.Equal(4, samples.Count);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, TimeSpan.Zero), samples[0].Timestamp);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, 250, TimeSpan.Zero), samples[1].Timestamp);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, TimeSpan.Zero), samples[2].Timestamp);
        Assert.Equal(new DateTimeOffset(2014, 4, 10, 0, 0, 0, TimeSpan.Zero), samples[3].Timestamp);
        Assert.All(samples, s => Assert.Equal(TimeSpan.Zero, s.Timestamp.Offset));
    }

    [Fact]
    public void Read_QuotedFieldsAndBlankLines_Parsed()
    {
        var path = _dir.Write("q.csv",
            "\"timestamp\",\"value\"",
            "",
            "\"2014-04-10 00:00:00\",\"7.5\"",
            "   ");

        var sample = Assert.Single(CsvSeriesReader.Read(path, _errors.Add));

        Assert.Empty(_errors);
        Assert.Equal(7.5, sample.Value);
    }

    [Fact]
    public void Read_BadRows_ReportedWithFileAndLineAndSkipped()
    {
        var path = _dir.Write("bad.csv",
            "timestamp,value",                 // 1
            "2014-04-10 00:00:00,1",           // 2
            "2014-04-10 00:05:00 2",           // 3 missing comma
            "2014-13-45 00:00:00,3",           // 4 bad date
            "2014-04-10 00:15:00,abc",         // 5 bad number
            "2014-04-10 00:20:00,NaN",         // 6 NaN
            "2014-04-10 00:25:00,Infinity",    // 7 not finite
            "2014-04-10 00:30:00,",            // 8 empty value
            "yesterday,9",                     // 9 bad date
            "2014-04-10 00:40:00,10");         // 10

        var samples = CsvSeriesReader.Read(path, _errors.Add).ToList();

        Assert.Equal([1.0, 10.0], samples.Select(s => s.Value));
        Assert.Equal([3, 4, 5, 6, 7, 8, 9], _errors.Select(e => e.Line));
        Assert.All(_errors, e => Assert.Equal(path, e.File));
        Assert.Contains("timestamp,value", _errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("2014-13-45", _errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("'abc'", _errors[2].Reason, StringComparison.Ordinal);
        Assert.Contains("NaN", _errors[3].Reason, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:4: ", _errors[1].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LongBadRow_ReasonShortened()
    {
        var path = _dir.Write("long.csv", new string('x', 500));

        Assert.Empty(CsvSeriesReader.Read(path, _errors.Add));

        var error = Assert.Single(_errors);
        Assert.Equal(1, error.Line);
        Assert.True(error.Reason.Length < 100, error.Reason);
    }

    [Fact]
    public void Read_NullOnError_Throws()
    {
        var path = _dir.Write("x.csv", "timestamp,value");

        Assert.Throws<ArgumentNullException>(() => CsvSeriesReader.Read(path, null!).ToList());
    }

    [Theory]
    [InlineData("2014-04-10 00:00:00", 2014, 4, 10, 0, 0, 0)]
    [InlineData("2014-04-10 12:34", 2014, 4, 10, 12, 34, 0)]
    [InlineData("2014-04-10", 2014, 4, 10, 0, 0, 0)]
    [InlineData("2014-04-10T12:34:56", 2014, 4, 10, 12, 34, 56)]
    [InlineData("2014-04-10T14:34:56+02:00", 2014, 4, 10, 12, 34, 56)]
    [InlineData("1397133296", 2014, 4, 10, 12, 34, 56)]
    [InlineData("1397133296000", 2014, 4, 10, 12, 34, 56)]
    public void TryParseTimestamp_SupportedForms_ParsedAsUtc(string text, int y, int mo, int d, int h, int mi, int s)
    {
        Assert.True(CsvSeriesReader.TryParseTimestamp(text, out var ts));

        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero), ts);
        Assert.Equal(TimeSpan.Zero, ts.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("2014-02-30 00:00:00")]
    [InlineData("10/04/2014")]
    [InlineData("9223372036854775807")]
    public void TryParseTimestamp_Invalid_ReturnsFalse(string text)
    {
        Assert.False(CsvSeriesReader.TryParseTimestamp(text, out _));
    }
}
