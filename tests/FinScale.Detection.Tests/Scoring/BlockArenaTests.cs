using FinScale.Detection.Scoring;

namespace FinScale.Detection.Tests.Scoring;

public class BlockArenaTests
{
    [Fact]
    public void Allocate_GivesClearedBlocksThatDoNotOverlap()
    {
        var arena = new BlockArena<int>(50);
        var a = arena.Allocate(10);
        var b = arena.Allocate(50);
        arena.Get(a, 10).Fill(1);
        arena.Get(b, 50).Fill(2);

        Assert.NotEqual(0, a);
        Assert.NotEqual(0, b);
        Assert.All(arena.Get(a, 10).ToArray(), v => Assert.Equal(1, v));
        Assert.All(arena.Get(b, 50).ToArray(), v => Assert.Equal(2, v));
    }

    [Fact]
    public void FreedNeighbours_Merge_IntoRoomForALongerBlock()
    {
        // The first slab holds 1,024 floats: 256 blocks of one 16-byte granule fill it.
        var arena = new BlockArena<float>(64);
        var blocks = Enumerable.Range(0, 256).Select(_ => arena.Allocate(4)).ToArray();
        Assert.Equal(1024, arena.ReservedElements);
        Assert.Equal(0, arena.FreeElements);
        arena.Get(blocks[0], 4).Fill(9);
        foreach (var b in blocks[..16])
            arena.Free(b, 4);

        var longer = arena.Allocate(64);

        Assert.Equal(blocks[0], longer);
        Assert.Equal(1024, arena.ReservedElements);
        Assert.Equal(0, arena.FreeElements);
        Assert.All(arena.Get(longer, 64).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Allocate_WithNoRunLongEnough_TakesANewSlab()
    {
        var arena = new BlockArena<float>(64);
        var blocks = Enumerable.Range(0, 256).Select(_ => arena.Allocate(4)).ToArray();
        for (var i = 0; i < blocks.Length; i += 2)
            arena.Free(blocks[i], 4); // 128 free granules, none adjacent

        var longer = arena.Allocate(8);

        Assert.Equal(1024 + 2048, arena.ReservedElements);
        Assert.Equal((128 * 4) + 2048 - 8, arena.FreeElements);
        Assert.DoesNotContain(longer, blocks);
    }

    [Fact]
    public void Resize_GrowsInPlaceWhenTheRoomAfterIsFree_ElseMoves_AndKeepsTheHead()
    {
        var arena = new BlockArena<ushort>(64);
        var a = arena.Allocate(8);
        new ushort[] { 1, 2, 3, 4, 5, 6, 7, 8 }.CopyTo(arena.Get(a, 8));

        var grown = arena.Resize(a, 8, 24);
        Assert.Equal(a, grown);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], arena.Get(grown, 24).ToArray());

        var blocker = arena.Allocate(8);
        var moved = arena.Resize(grown, 24, 40);
        Assert.NotEqual(grown, moved);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], arena.Get(moved, 8).ToArray());
        Assert.All(arena.Get(moved, 40)[8..].ToArray(), v => Assert.Equal(0, v));
        Assert.NotEqual(blocker, moved);

        var shrunk = arena.Resize(moved, 40, 2);
        Assert.Equal(moved, shrunk);
        Assert.Equal([1, 2], arena.Get(shrunk, 2).ToArray());

        var fresh = arena.Resize(0, 0, 3);
        Assert.NotEqual(0, fresh);
        Assert.Equal([0, 0, 0], arena.Get(fresh, 3).ToArray());
    }

    [Fact]
    public void Free_OfNoBlock_IsIgnored_AndBadLengthsAreRefused()
    {
        var arena = new BlockArena<int>(8);
        arena.Free(0, 0);
        Assert.Equal(0, arena.ReservedElements);
        Assert.Equal(0, arena.FreeElements);
        Assert.Throws<ArgumentOutOfRangeException>(() => arena.Allocate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => arena.Allocate(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlockArena<int>(0));
    }

    /// <summary>Random allocations, resizes and frees against a model: every live block keeps exactly what was written
    /// to it (so no two live blocks ever share an element), and steady churn reuses room instead of growing.</summary>
    [Theory]
    [InlineData(1, 24)]
    [InlineData(2, 384)]
    [InlineData(3, 2016)]
    public void RandomChurn_LiveBlocksNeverOverlap_AndFreedRoomIsReused(int seed, int maxLength)
    {
        var random = new Random(seed);
        var arena = new BlockArena<int>(maxLength);
        var live = new Dictionary<int, (int Handle, int Length)>();
        var next = 1;
        long peakReserved = 0;
        for (var step = 0; step < 20_000; step++)
        {
            var op = random.Next(3);
            if (op == 0 || live.Count < 50)
            {
                var length = random.Next(1, maxLength + 1);
                var handle = arena.Allocate(length);
                Assert.All(arena.Get(handle, length).ToArray(), v => Assert.Equal(0, v));
                arena.Get(handle, length).Fill(next);
                live[next++] = (handle, length);
            }
            else
            {
                var key = live.Keys.ElementAt(random.Next(live.Count));
                var (handle, length) = live[key];
                live.Remove(key);
                if (op == 1)
                {
                    arena.Free(handle, length);
                }
                else
                {
                    var newLength = random.Next(1, maxLength + 1);
                    var moved = arena.Resize(handle, length, newLength);
                    var block = arena.Get(moved, newLength);
                    Assert.All(block[..Math.Min(length, newLength)].ToArray(), v => Assert.Equal(key, v));
                    block.Fill(next);
                    live[next++] = (moved, newLength);
                }
            }

            if (step % 1_000 == 999)
            {
                foreach (var (key, (handle, length)) in live)
                    Assert.All(arena.Get(handle, length).ToArray(), v => Assert.Equal(key, v));
            }

            if (step == 10_000)
                peakReserved = arena.ReservedElements;
        }

        // Live blocks number about 50-100 at any time, so the second half's churn fits mostly in the first half's room.
        Assert.True(arena.ReservedElements <= 2 * peakReserved, $"reserved {arena.ReservedElements} after churn, {peakReserved} half-way");
    }
}
