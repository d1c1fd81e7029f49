using FinScale.Detection;
using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public sealed class ShardBatchPoolTests
{
    [Fact]
    public void Rent_AfterReturn_GivesTheSameBatchEmptied()
    {
        var pool = new ShardBatchPool(initialCapacity: 4, maxRetained: 2);
        var batch = pool.Rent();
        var ticket = new PartitionProgress().Track(7);
        for (var i = 0; i < 10; i++)
            batch.Add(new SeriesPoint(i, 1000 + i, i), ticket);

        pool.Return(batch);
        var again = pool.Rent();

        Assert.Same(batch, again);
        Assert.Equal(0, again.Count);
        Assert.True(again.Points.IsEmpty);
        Assert.Equal(0, again.StartedAt);
    }

    [Fact]
    public void Rent_Empty_CreatesANewBatch()
    {
        var pool = new ShardBatchPool(initialCapacity: 4, maxRetained: 2);

        Assert.NotSame(pool.Rent(), pool.Rent());
    }

    [Fact]
    public void Return_PastMaxRetained_DropsTheRest()
    {
        var pool = new ShardBatchPool(initialCapacity: 4, maxRetained: 2);
        var batches = new[] { new ShardBatch(4), new ShardBatch(4), new ShardBatch(4) };
        foreach (var b in batches)
            pool.Return(b);

        var rented = new[] { pool.Rent(), pool.Rent(), pool.Rent() };

        Assert.Same(batches[0], rented[0]);
        Assert.Same(batches[1], rented[1]);
        Assert.DoesNotContain(rented[2], batches);
    }

    [Fact]
    public void Add_AfterReuse_KeepsOnlyNewPoints()
    {
        var pool = new ShardBatchPool(initialCapacity: 2, maxRetained: 1);
        var ticket = new PartitionProgress().Track(1);
        var batch = pool.Rent();
        batch.Add(new SeriesPoint(1, 10, 1.5), ticket);
        batch.Add(new SeriesPoint(2, 20, 2.5), ticket);
        batch.Add(new SeriesPoint(3, 30, 3.5), ticket);
        pool.Return(batch);

        var reused = pool.Rent();
        reused.Add(new SeriesPoint(9, 90, 9.5), ticket);

        Assert.Equal(1, reused.Count);
        Assert.Equal(9, reused.Points[0].SeriesId);
        Assert.Same(ticket, reused.TicketAt(0));
    }
}
