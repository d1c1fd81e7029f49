namespace FinScale.Baselining.Tests;

public class SeriesStateArraysTests
{
    [Fact]
    public void EnsureCapacity_PastCapacity_DoublesAndKeepsValues()
    {
        var state = new SeriesStateArrays(4, 1_000);
        state.Mean[3] = 1.5f;
        state.Scale[3] = 2.5f;
        state.Count[3] = 7;

        state.EnsureCapacity(5);

        Assert.Equal(8, state.Capacity);
        Assert.Equal(8, state.Scale.Length);
        Assert.Equal(8, state.Count.Length);
        Assert.Equal(1.5f, state.Mean[3]);
        Assert.Equal(2.5f, state.Scale[3]);
        Assert.Equal(7, state.Count[3]);
    }

    [Fact]
    public void EnsureCapacity_WithinCapacity_KeepsArrays()
    {
        var state = new SeriesStateArrays(4, 8);
        var mean = state.Mean;

        state.EnsureCapacity(4);

        Assert.Same(mean, state.Mean);
    }

    [Fact]
    public void EnsureCapacity_FromZero_GrowsToRequestedOrMinimum()
    {
        var small = new SeriesStateArrays(0, 1_000);
        var large = new SeriesStateArrays(0, 1_000);

        small.EnsureCapacity(1);
        large.EnsureCapacity(100);

        Assert.Equal(16, small.Capacity);
        Assert.Equal(100, large.Capacity);
    }

    [Fact]
    public void EnsureCapacity_DoublingPastMax_StopsAtMax()
    {
        var state = new SeriesStateArrays(4, 6);

        state.EnsureCapacity(5);

        Assert.Equal(6, state.Capacity);
    }

    [Fact]
    public void EnsureCapacity_PastMax_ThrowsInvalidOperation()
    {
        var state = new SeriesStateArrays(4, 6);

        Assert.Throws<InvalidOperationException>(() => state.EnsureCapacity(7));
        Assert.Equal(4, state.Capacity);
    }

    [Fact]
    public void Constructor_MaxBelowInitial_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeriesStateArrays(8, 4));
    }

    [Fact]
    public void Reset_UsedId_ZeroesThatSeriesOnly()
    {
        var state = new SeriesStateArrays(4, 4);
        state.Mean[1] = 3f;
        state.Scale[1] = 4f;
        state.Count[1] = 5;
        state.Mean[2] = 6f;

        state.Reset(1);

        Assert.Equal(0f, state.Mean[1]);
        Assert.Equal(0f, state.Scale[1]);
        Assert.Equal(0, state.Count[1]);
        Assert.Equal(6f, state.Mean[2]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void Reset_IdOutOfRange_ThrowsArgumentOutOfRange(int id)
    {
        var state = new SeriesStateArrays(4, 8);

        Assert.Throws<ArgumentOutOfRangeException>(() => state.Reset(id));
    }
}
