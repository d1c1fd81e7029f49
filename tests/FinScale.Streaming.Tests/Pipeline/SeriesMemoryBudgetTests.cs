using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public class SeriesMemoryBudgetTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void Cap_WithMemoryToSpare_IsMaxSeries()
    {
        // 24 GiB (a host without a container limit) holds far more than a million series.
        Assert.Equal(1_000_000, SeriesMemoryBudget.Cap(1_000_000, 24L << 30));
        Assert.Equal(1_000_000, SeriesMemoryBudget.Cap(1_000_000, 0)); // unknown: nothing to size against
    }

    [Fact]
    public void Cap_InA512MiBContainer_IsWhatItsHeapHolds()
    {
        // The GC holds its heap to 75 % of a container's limit: 384 MiB of a 512 MiB pod. 85 % of that, less 96 MiB for
        // the rest of the pipeline, over 1,024 B a series: (326.4 - 96) MiB / 1 KiB = 235,929 series.
        var cap = SeriesMemoryBudget.Cap(1_000_000, 384 * MiB);

        Assert.Equal(235_929, cap);
        Assert.True(((long)cap * SeriesMemoryBudget.BytesPerSeries) + SeriesMemoryBudget.FixedBytes <= 384 * MiB * 0.85);
    }

    [Fact]
    public void Cap_NeverExceedsMaxSeries_NorFallsBelowTheFloor()
    {
        Assert.Equal(5_000, SeriesMemoryBudget.Cap(5_000, 384 * MiB));
        Assert.Equal(SeriesMemoryBudget.Floor, SeriesMemoryBudget.Cap(1_000_000, 64 * MiB));
        Assert.Equal(10, SeriesMemoryBudget.Cap(10, 64 * MiB));
    }

    [Fact]
    public void Cap_GrowsWithMemory()
    {
        var previous = 0;
        for (var mib = 64L; mib <= 4096; mib += 64)
        {
            var cap = SeriesMemoryBudget.Cap(100_000_000, mib * MiB);
            Assert.True(cap >= previous, $"{mib} MiB: {cap} < {previous}");
            previous = cap;
        }

        Assert.True(previous > 3_000_000, previous.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
