using System.Collections.Concurrent;
using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public sealed class PartitionProgressTests
{
    [Fact]
    public void Advance_NothingTracked_ReturnsNull()
    {
        Assert.Null(new PartitionProgress().Advance());
    }

    [Fact]
    public void Advance_HeadNotDone_ReturnsNull()
    {
        var progress = new PartitionProgress();
        progress.Track(10);
        progress.Track(11).Complete();

        Assert.Null(progress.Advance());
        Assert.Equal(2, progress.InFlight);
    }

    [Fact]
    public void Advance_InOrderCompletion_ReturnsOnePastLastDone()
    {
        var progress = new PartitionProgress();
        var a = progress.Track(10);
        var b = progress.Track(11);
        progress.Track(12);

        a.Complete();
        b.Complete();

        Assert.Equal(12, progress.Advance());
        Assert.Equal(1, progress.InFlight);
        Assert.Null(progress.Advance());
    }

    [Fact]
    public void Advance_OutOfOrderCompletion_HeldBackThenReleased()
    {
        var progress = new PartitionProgress();
        var t0 = progress.Track(100);
        var t1 = progress.Track(101);
        var t2 = progress.Track(102);
        var t3 = progress.Track(103);

        t3.Complete();
        t1.Complete();
        Assert.Null(progress.Advance());

        t0.Complete();
        Assert.Equal(102, progress.Advance());
        Assert.Equal(2, progress.InFlight);

        t2.Complete();
        Assert.Equal(104, progress.Advance());
        Assert.Equal(0, progress.InFlight);
    }

    [Fact]
    public void Advance_TicketWithPendingWork_HoldsBackUntilAllPiecesComplete()
    {
        var progress = new PartitionProgress();
        var t0 = progress.Track(0);
        t0.AddPending();
        progress.Track(1).Complete();

        t0.Complete();
        Assert.Null(progress.Advance());

        t0.Complete();
        Assert.Equal(2, progress.Advance());
    }

    [Fact]
    public void Advance_OffsetGaps_ReturnsOnePastLastTrackedOffset()
    {
        // Compacted topics and transaction markers leave gaps; the stored offset is the next to read.
        var progress = new PartitionProgress();
        progress.Track(5).Complete();
        progress.Track(9).Complete();

        Assert.Equal(10, progress.Advance());
    }

    [Fact]
    public void Disown_Owned_BecomesFalse()
    {
        var progress = new PartitionProgress();
        Assert.True(progress.Owned);

        progress.Disown();

        Assert.False(progress.Owned);
    }

    [Fact]
    public void Advance_ManyThreadsCompleteTickets_FinalAdvanceReturnsLastPlusOne()
    {
        const int Records = 20_000;
        const long First = 1_000;
        var progress = new PartitionProgress();
        var tickets = new RecordTicket[Records];
        for (var i = 0; i < Records; i++)
        {
            tickets[i] = progress.Track(First + i);
            if (i % 3 == 0)
                tickets[i].AddPending(); // some records fan out to two pieces of work
        }

        // Complete in a shuffled order from many threads.
        var order = Enumerable.Range(0, Records).SelectMany(i => i % 3 == 0 ? new[] { i, i } : new[] { i }).ToArray();
        new Random(42).Shuffle(order);
        Parallel.ForEach(Partitioner.Create(0, order.Length, 64), range =>
        {
            for (var k = range.Item1; k < range.Item2; k++)
                tickets[order[k]].Complete();
        });

        var final = progress.Advance();

        Assert.All(tickets, t => Assert.True(t.IsDone));
        Assert.Equal(First + Records, final);
        Assert.Equal(0, progress.InFlight);
        Assert.Null(progress.Advance());
    }

    [Fact]
    public void Advance_ConcurrentAdvances_ReturnStrictlyIncreasingOffsetsPerCaller()
    {
        const int Records = 5_000;
        var progress = new PartitionProgress();
        var tickets = Enumerable.Range(0, Records).Select(i => progress.Track(i)).ToArray();
        var seen = new ConcurrentQueue<long>();

        Parallel.For(0, Records, i =>
        {
            tickets[i].Complete();
            if (progress.Advance() is { } next)
                seen.Enqueue(next);
        });
        var final = progress.Advance();

        Assert.Equal(0, progress.InFlight);
        Assert.Equal(Records, seen.Append(final ?? 0).Max());
        Assert.Equal(seen.Count, seen.Distinct().Count()); // no offset is handed out twice
    }
}
