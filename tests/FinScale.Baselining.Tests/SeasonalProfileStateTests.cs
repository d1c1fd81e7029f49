namespace FinScale.Baselining.Tests;

public class SeasonalProfileStateTests
{
    [Fact]
    public void FlatIndex_SeriesAndBucket_IsSeriesMajor()
    {
        Assert.Equal(0, SeasonalProfileState.FlatIndex(0, 0, 168));
        Assert.Equal(167, SeasonalProfileState.FlatIndex(0, 167, 168));
        Assert.Equal(168, SeasonalProfileState.FlatIndex(1, 0, 168));
        Assert.Equal(5 * 168 + 17, SeasonalProfileState.FlatIndex(5, 17, 168));
    }

    [Theory]
    [InlineData(-1, 0, 168, "series")]
    [InlineData(0, -1, 168, "bucket")]
    [InlineData(0, 168, 168, "bucket")]
    [InlineData(0, 0, 0, "bucketCount")]
    [InlineData(20_000_000, 0, 168, "series")]                                 // past the largest array
    public void FlatIndex_OutOfRange_ThrowsNamingParameter(int series, int bucket, int bucketCount, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SeasonalProfileState.FlatIndex(series, bucket, bucketCount));

        Assert.Equal(parameter, ex.ParamName);
    }

    [Fact]
    public void EnsureCapacity_Grows_KeepsEveryProfileAtItsIndex()
    {
        var state = new SeasonalProfileState(24, 2, 100);
        state.Mean[state.IndexOf(1, 23)] = 7f;
        state.Scale[state.IndexOf(1, 23)] = 2f;
        state.Count[state.IndexOf(1, 23)] = 3f;

        state.EnsureCapacity(3);

        Assert.Equal(4, state.Capacity);                                       // doubled
        Assert.Equal(4 * 24, state.Mean.Length);
        Assert.Equal((7f, 2f, 3f), (state.Mean[state.IndexOf(1, 23)], state.Scale[state.IndexOf(1, 23)], state.Count[state.IndexOf(1, 23)]));
        Assert.Equal(0f, state.Count[state.IndexOf(3, 0)]);                    // new series start cold
    }

    [Fact]
    public void EnsureCapacity_PastMaximum_Throws()
    {
        var state = new SeasonalProfileState(24, 0, 10);

        Assert.Throws<InvalidOperationException>(() => state.EnsureCapacity(11));
    }

    [Fact]
    public void Constructor_MaximumPastLargestArray_ThrowsArgumentOutOfRange()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SeasonalProfileState(168, 0, int.MaxValue));

        Assert.Equal("maxCapacity", ex.ParamName);
    }

    [Fact]
    public void Reset_OneSeries_ClearsOnlyItsBuckets()
    {
        var state = new SeasonalProfileState(4, 3, 3);
        Array.Fill(state.Mean, 1f);
        Array.Fill(state.Scale, 2f);
        Array.Fill(state.Count, 3f);

        state.Reset(1);

        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f], state.Mean);
        Assert.Equal([2f, 2f, 2f, 2f, 0f, 0f, 0f, 0f, 2f, 2f, 2f, 2f], state.Scale);
        Assert.Equal([3f, 3f, 3f, 3f, 0f, 0f, 0f, 0f, 3f, 3f, 3f, 3f], state.Count);
    }

    [Fact]
    public void IndicesOf_SeriesAndBuckets_GathersEachSeriesBucket()
    {
        var state = new SeasonalProfileState(10, 4, 4);
        for (int i = 0; i < state.Mean.Length; i++)
        {
            state.Mean[i] = i;
        }

        int[] index = new int[3];
        float[] gathered = new float[3];
        state.IndicesOf([3, 0, 2], [9, 4, 0], index);
        GatherScatter.Gather(state.Mean, index, gathered);

        Assert.Equal([39, 4, 20], index);
        Assert.Equal([39f, 4f, 20f], gathered);

        state.IndicesOf([3, 0, 2], 5, index);
        Assert.Equal([35, 5, 25], index);
    }

    [Fact]
    public void IndicesOf_SeriesPastCapacity_ThrowsArgumentOutOfRange()
    {
        var state = new SeasonalProfileState(10, 4, 8);

        Assert.Throws<ArgumentOutOfRangeException>(() => state.IndicesOf([4], [0], new int[1]));
    }

    [Theory]
    [InlineData(2, 3, "buckets")]
    [InlineData(3, 2, "destination")]
    public void IndicesOf_LengthMismatch_ThrowsArgumentExceptionNamingParameter(int buckets, int destination, string parameter)
    {
        var state = new SeasonalProfileState(10, 4, 4);

        var ex = Assert.Throws<ArgumentException>(() => state.IndicesOf([0, 1, 2], new int[buckets], new int[destination]));

        Assert.Equal(parameter, ex.ParamName);
    }
}
