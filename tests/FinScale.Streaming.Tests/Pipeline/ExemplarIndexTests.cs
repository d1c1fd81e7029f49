using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public class ExemplarIndexTests
{
    [Fact]
    public void Add_ThenTryGet_ReturnsTheTraceId_OtherKeysMiss()
    {
        var index = new ExemplarIndex(1024);
        var trace = new UInt128(0x0af7651916cd43dd, 0x8448eb211c80319c);

        index.Add(7, 1_000, trace, 0x00f067aa0ba902b7);

        Assert.True(index.TryGet(7, 1_000, out var found));
        Assert.Equal(trace, found);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", index.Find(7, 1_000));
        Assert.Equal(("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7"), index.FindExample(7, 1_000));
        Assert.False(index.TryGet(7, 1_001, out _));
        Assert.False(index.TryGet(8, 1_000, out _));
        Assert.Null(index.Find(8, 1_000));
        Assert.Equal(3, index.Misses);
    }

    [Fact]
    public void Add_WithoutSpanId_FindsTheTraceWithNoSpan()
    {
        var index = new ExemplarIndex(1024);
        index.Add(7, 1_000, 5, 0);

        Assert.True(index.TryGet(7, 1_000, out var trace, out var span));
        Assert.Equal((UInt128)5, trace);
        Assert.Equal(0UL, span);
        Assert.Equal(("00000000000000000000000000000005", (string?)null), index.FindExample(7, 1_000));
    }

    [Fact]
    public void FormatSpan_IsSixteenLowercaseHexDigitsInWireOrder()
    {
        Assert.Equal("0000000000000001", ExemplarIndex.FormatSpan(1));
        Assert.Equal("ffffffffffffffff", ExemplarIndex.FormatSpan(ulong.MaxValue));
    }

    [Fact]
    public void Format_IsThirtyTwoLowercaseHexDigitsInWireOrder()
    {
        Assert.Equal("00000000000000000000000000000001", ExemplarIndex.Format(UInt128.One));
        Assert.Equal("ffffffffffffffffffffffffffffffff", ExemplarIndex.Format(UInt128.MaxValue));
    }

    [Fact]
    public void ZeroTraceId_IsNotRecorded()
    {
        var index = new ExemplarIndex(16);
        index.Add(1, 1, UInt128.Zero, 9);
        Assert.False(index.TryGet(1, 1, out _));
    }

    [Fact]
    public void SameKeyAgain_OverwritesInPlace()
    {
        var index = new ExemplarIndex(16);
        index.Add(1, 5, 10, 100);
        index.Add(1, 5, 11, 0);
        Assert.True(index.TryGet(1, 5, out var found, out var span));
        Assert.Equal((UInt128)11, found);
        Assert.Equal(0UL, span); // the newer write's span, not a mix of both
        Assert.Equal(2, index.Written);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1000, 1024)]
    [InlineData(1024, 1024)]
    public void Capacity_IsRoundedUpToAPowerOfTwo(int requested, int capacity) => Assert.Equal(capacity, new ExemplarIndex(requested).Capacity);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ExemplarIndex.MaxCapacity + 1)]
    public void Capacity_OutOfRange_Throws(int capacity) => Assert.Throws<ArgumentOutOfRangeException>(() => new ExemplarIndex(capacity));

    [Fact]
    public void ManyMoreKeysThanCapacity_HoldsAtMostCapacity_CountsOverwrites_NeverAnswersWrongly()
    {
        var index = new ExemplarIndex(256);
        const int Keys = 100_000;
        for (var i = 0; i < Keys; i++)
            index.Add(i % 997, i, (UInt128)(i + 1), (ulong)(i + 7));

        var held = 0;
        for (var i = 0; i < Keys; i++)
        {
            if (index.TryGet(i % 997, i, out var trace, out var span))
            {
                Assert.Equal((UInt128)(i + 1), trace); // a hit is always the key's own ids
                Assert.Equal((ulong)(i + 7), span);
                held++;
            }
        }

        Assert.InRange(held, 1, index.Capacity);
        Assert.Equal(Keys, index.Written);

        // The newest keys are the ones held: most of the last few written are still there.
        var recent = Enumerable.Range(Keys - 32, 32).Count(i => index.TryGet(i % 997, i, out _));
        Assert.True(recent >= 24, $"only {recent} of the last 32 keys held");
    }

    [Fact]
    public async Task OneWriterManyReaders_ReadersSeeOnlyWholeEntriesOfTheirOwnKey()
    {
        // 100,000 keys over 1,024 entries: the writer overwrites entries all the time and readers race them.
        var index = new ExemplarIndex(1024);
        using var stop = new CancellationTokenSource();
        var torn = 0L;
        var hits = 0L;

        // The trace id is derived from the key, both halves: a torn read or a key/value mix-up shows as a mismatch.
        static UInt128 TraceOf(int series, long ts) => new(((ulong)ts * 131) + (ulong)series, ~(((ulong)ts * 131) + (ulong)series));
        static ulong SpanOf(int series, long ts) => ((ulong)series << 32) | (ulong)ts;

        var writers = Enumerable.Range(0, 1).Select(w => Task.Factory.StartNew(
            () =>
            {
                var rng = new Random(w);
                while (!stop.IsCancellationRequested)
                {
                    var (series, ts) = (rng.Next(100), rng.Next(1_000));
                    index.Add(series, ts, TraceOf(series, ts), SpanOf(series, ts));
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var readers = Enumerable.Range(0, 3).Select(r => Task.Factory.StartNew(
            () =>
            {
                var rng = new Random(100 + r);
                while (!stop.IsCancellationRequested)
                {
                    var (series, ts) = (rng.Next(100), rng.Next(1_000));
                    if (!index.TryGet(series, ts, out var trace, out var span))
                        continue;
                    Interlocked.Increment(ref hits);
                    if (trace != TraceOf(series, ts) || span != SpanOf(series, ts))
                        Interlocked.Increment(ref torn);
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();

        // At least a second of racing, and on to a thousand hits with the entries overwritten (threads started late on
        // a busy machine may need longer), within 30 s.
        var racing = System.Diagnostics.Stopwatch.StartNew();
        while ((racing.Elapsed < TimeSpan.FromSeconds(1) || Interlocked.Read(ref hits) < 1000 || index.Written <= index.Capacity) && racing.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(10);
        await stop.CancelAsync();
        await Task.WhenAll(writers.Concat(readers));

        Assert.Equal(0, Interlocked.Read(ref torn));
        Assert.True(Interlocked.Read(ref hits) > 0, "readers never found a key: the race was not exercised");
        Assert.True(index.Written > index.Capacity);
    }
}
