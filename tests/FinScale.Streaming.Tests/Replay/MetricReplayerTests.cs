using FinScale.Streaming.Replay;

namespace FinScale.Streaming.Tests.Replay;

public sealed class MetricReplayerTests : IDisposable
{
    private readonly TempCsvDirectory _dir = new();
    private readonly List<CsvRowError> _errors = [];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_SeveralFiles_MergedInEventTimeOrder()
    {
        var a = _dir.Write("a.csv",
            "timestamp,value",
            "2014-04-10 00:00:00,1",
            "2014-04-10 00:10:00,3",
            "2014-04-10 00:20:00,5");
        var b = _dir.Write("b.csv",
            "timestamp,value",
            "2014-04-10 00:05:00,2",
            "2014-04-10 00:15:00,4",
            "2014-04-10 00:25:00,6");

        var samples = MetricReplayer.Load([a, b], _errors.Add);

        Assert.Empty(_errors);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], samples.Select(s => s.Value));
        Assert.Equal(["a", "b", "a", "b", "a", "b"], samples.Select(s => s.Name));
    }

    [Fact]
    public void Load_EqualTimestamps_StableByFileThenRow()
    {
        var a = _dir.Write("a.csv",
            "2014-04-10 00:00:00,1",
            "2014-04-10 00:00:00,2",
            "2014-04-10 00:01:00,7");
        var b = _dir.Write("b.csv",
            "2014-04-10 00:00:00,3",
            "2014-04-10 00:00:00,4");
        var c = _dir.Write("c.csv",
            "2014-04-10 00:00:00,5",
            "2014-04-09 23:59:00,0");

        var samples = MetricReplayer.Load([a, b, c], _errors.Add);

        Assert.Equal([0.0, 1, 2, 3, 4, 5, 7], samples.Select(s => s.Value));
    }

    [Fact]
    public void Load_ManyEqualTimestamps_KeepFileAndRowOrder()
    {
        // Enough rows that an unstable sort would visibly reorder them.
        var rows = Enumerable.Range(0, 200).Select(i => $"2014-04-10 00:00:00,{i}").ToArray();
        var a = _dir.Write("a.csv", rows);
        var b = _dir.Write("b.csv", rows);

        var samples = MetricReplayer.Load([a, b], _errors.Add);

        Assert.Equal(
            Enumerable.Range(0, 200).Select(i => ("a", (double)i)).Concat(Enumerable.Range(0, 200).Select(i => ("b", (double)i))),
            samples.Select(s => (s.Name, s.Value)));
    }

    [Fact]
    public void Load_BadRowsInOneFile_ReportedAndOthersKept()
    {
        var a = _dir.Write("a.csv",
            "timestamp,value",
            "2014-04-10 00:00:00,1",
            "oops");
        var b = _dir.Write("b.csv",
            "timestamp,value",
            "2014-04-10 00:00:30,NaN",
            "2014-04-10 00:01:00,2");

        var samples = MetricReplayer.Load([a, b], _errors.Add);

        Assert.Equal([1.0, 2.0], samples.Select(s => s.Value));
        Assert.Equal([(a, 3), (b, 2)], _errors.Select(e => (e.File, e.Line)));
    }

    [Fact]
    public void Load_NoFiles_Empty()
    {
        Assert.Empty(MetricReplayer.Load([], _errors.Add));
    }
}
