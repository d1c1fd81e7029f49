namespace FinScale.Baselining.Tests;

public class GatherScatterTests
{
    [Fact]
    public void GatherThenScatter_DistinctIds_RoundTripsValues()
    {
        float[] state = [10f, 11f, 12f, 13f, 14f, 15f];
        int[] ids = [4, 0, 5, 2];
        var batch = new float[ids.Length];

        GatherScatter.Gather(state, ids, batch);
        Assert.Equal([14f, 10f, 15f, 12f], batch);

        for (int k = 0; k < batch.Length; k++)
        {
            batch[k] += 100f;
        }

        GatherScatter.Scatter(batch, ids, state);
        Assert.Equal([110f, 11f, 112f, 13f, 114f, 115f], state);
    }

    [Fact]
    public void Gather_EmptyIds_WritesNothing()
    {
        GatherScatter.Gather([1f, 2f], [], []);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Gather_IdOutOfRange_ThrowsArgumentOutOfRange(int id)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GatherScatter.Gather(new float[3], [0, id], new float[2]));

        Assert.Equal("ids", ex.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Scatter_IdOutOfRange_ThrowsAndLeavesDestinationUnchanged(int id)
    {
        float[] destination = [1f, 2f, 3f];

        Assert.Throws<ArgumentOutOfRangeException>(() => GatherScatter.Scatter([7f, 8f], [0, id], destination));

        Assert.Equal([1f, 2f, 3f], destination);
    }

    [Fact]
    public void Gather_DestinationLengthMismatch_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => GatherScatter.Gather(new float[3], [0, 1], new float[3]));

        Assert.Equal("destination", ex.ParamName);
    }

    [Fact]
    public void Scatter_SourceLengthMismatch_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => GatherScatter.Scatter(new float[1], [0, 1], new float[3]));

        Assert.Equal("source", ex.ParamName);
    }
}
