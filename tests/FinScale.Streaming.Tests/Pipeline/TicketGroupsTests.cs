using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public class TicketGroupsTests
{
    [Fact]
    public void Start_GroupDone_CompletesEachMemberOccurrence()
    {
        var progress = new PartitionProgress();
        var record = progress.Track(0);
        record.AddPending();
        record.AddPending(); // two spans of the record went into the window
        record.Complete();   // the source's own hold
        var groups = new TicketGroups();

        var group = groups.Start([record, record]);
        group.AddPending(); // one derived point
        group.Complete();
        Assert.False(record.IsDone);

        group.Complete(); // the point passed detection
        Assert.True(record.IsDone);
        Assert.Equal(1, progress.Advance());
        Assert.Equal(0, groups.Open);
    }

    [Fact]
    public void Start_LaterGroupDoneFirst_WaitsForTheEarlierOne()
    {
        // A record's spans fed an earlier window too: its offset must not move before that window's points are detected.
        var progress = new PartitionProgress();
        var record = progress.Track(7);
        record.AddPending();
        record.Complete();
        var groups = new TicketGroups();
        var earlier = groups.Start([]);
        earlier.AddPending();
        earlier.Complete();
        var later = groups.Start([record]);
        later.Complete();

        Assert.False(record.IsDone);
        Assert.Equal(2, groups.Open);
        earlier.Complete();
        Assert.True(record.IsDone);
        Assert.Equal(8, progress.Advance());
    }

    [Fact]
    public async Task Start_GroupsCompletedFromManyThreads_CompleteEveryMemberOnce()
    {
        var progress = new PartitionProgress();
        var groups = new TicketGroups();
        var records = Enumerable.Range(0, 200).Select(i => progress.Track(i)).ToArray();
        var pending = new List<RecordTicket>();
        foreach (var r in records)
        {
            r.AddPending();
            r.Complete();
            var g = groups.Start([r]);
            for (var p = 0; p < 5; p++)
                g.AddPending();
            g.Complete();
            pending.AddRange(Enumerable.Repeat(g, 5));
        }

        var rng = new Random(5);
        var shuffled = pending.OrderBy(_ => rng.Next()).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = t; i < shuffled.Length; i += 4)
                shuffled[i].Complete();
        })));

        Assert.All(records, r => Assert.True(r.IsDone));
        Assert.Equal(200, progress.Advance());
    }
}
