using FinScale.Streaming.Otlp;

namespace FinScale.Streaming.Tests.Otlp;

public class HashedSeriesIdsTests
{
    private static UInt128 RandomHash(Random rng) => new((ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40), (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40));

    [Fact]
    public void TryAdd_ManyHashes_EveryOneFoundWithItsId_AndOthersNot()
    {
        var rng = new Random(11);
        var table = new HashedSeriesIds(1_000_000);
        var reference = new Dictionary<UInt128, int>();
        for (var i = 0; i < 190_000; i++)
        {
            var h = RandomHash(rng);
            Assert.Equal(!reference.ContainsKey(h), table.TryAdd(h, i));
            reference.TryAdd(h, i);
        }

        Assert.Equal(reference.Count, table.Count);
        foreach (var (h, id) in reference)
        {
            Assert.True(table.TryGetValue(h, out var found));
            Assert.Equal(id, found);
        }

        for (var i = 0; i < 10_000; i++)
            Assert.False(table.TryGetValue(RandomHash(rng), out _));

        // At most three quarters full: 190,000 entries fit 2^18 slots (196,608 would), 16 bytes each.
        Assert.Equal(1 << 18, table.Slots);
    }

    [Fact]
    public void TryAdd_SameLowBitsOrSameSlot_KeptApart()
    {
        // Hashes alike in the bits that pick the slot, or in all 64 low bits, differ in the next 32 and stay apart.
        var table = new HashedSeriesIds(100);
        var a = new UInt128(1, 0x10);
        var b = new UInt128(2, 0x10);
        var c = new UInt128(1, 0x10 + (1UL << 32)); // same slot bits, differs in the high part only
        Assert.True(table.TryAdd(a, 0));
        Assert.True(table.TryAdd(b, 1));
        Assert.True(table.TryAdd(c, 2));
        Assert.False(table.TryAdd(a, 9)); // already there: the first id stays
        Assert.True(table.TryGetValue(a, out var ia));
        Assert.True(table.TryGetValue(b, out var ib));
        Assert.True(table.TryGetValue(c, out var ic));
        Assert.Equal((0, 1, 2), (ia, ib, ic));
    }

    [Fact]
    public void TryAdd_AtTheLimit_RefusesNewHashes_KnownOnesStillFound()
    {
        var table = new HashedSeriesIds(3);
        for (var i = 0; i < 3; i++)
            Assert.True(table.TryAdd(new UInt128(0, (ulong)i * 7919), i));
        Assert.False(table.TryAdd(new UInt128(0, 99), 3));
        Assert.Equal(3, table.Count);
        Assert.False(table.TryGetValue(new UInt128(0, 99), out _));
        Assert.True(table.TryGetValue(new UInt128(0, 2 * 7919), out var id));
        Assert.Equal(2, id);
    }
}
