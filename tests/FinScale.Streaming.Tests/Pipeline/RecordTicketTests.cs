using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public sealed class RecordTicketTests
{
    [Fact]
    public void Complete_Once_IsDone()
    {
        var ticket = new PartitionProgress().Track(5);

        Assert.False(ticket.IsDone);
        ticket.Complete();

        Assert.True(ticket.IsDone);
        Assert.Equal(5, ticket.Offset);
    }

    [Fact]
    public void Complete_WithPendingWork_NotDoneUntilLastCompletes()
    {
        var ticket = new PartitionProgress().Track(0);
        ticket.AddPending();
        ticket.AddPending();

        ticket.Complete();
        ticket.Complete();
        Assert.False(ticket.IsDone);
        ticket.Complete();

        Assert.True(ticket.IsDone);
    }

    [Fact]
    public void AddPending_AfterCompletion_Throws()
    {
        var ticket = new PartitionProgress().Track(9);
        ticket.Complete();

        var ex = Assert.Throws<InvalidOperationException>(ticket.AddPending);

        Assert.Contains("offset 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_MoreOftenThanAnnounced_Throws()
    {
        var ticket = new PartitionProgress().Track(3);
        ticket.AddPending();
        ticket.Complete();
        ticket.Complete();

        var ex = Assert.Throws<InvalidOperationException>(ticket.Complete);

        Assert.Contains("offset 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_ConcurrentPieces_DoneExactlyAfterAll()
    {
        const int Pieces = 10_000;
        var ticket = new PartitionProgress().Track(0);
        for (var i = 1; i < Pieces; i++)
            ticket.AddPending();

        Parallel.For(0, Pieces - 1, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, _ => ticket.Complete());

        Assert.False(ticket.IsDone);
        ticket.Complete();
        Assert.True(ticket.IsDone);
    }
}
