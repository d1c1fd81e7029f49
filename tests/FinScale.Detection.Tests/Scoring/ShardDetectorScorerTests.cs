using FinScale.Detection.Scoring;

namespace FinScale.Detection.Tests.Scoring;

public class ShardDetectorScorerTests
{
    private const long Minute = 60_000;

    private static double[] ScoreAll(IPointScorer scorer, long[] ts, double[] values) =>
        [.. ts.Select((t, i) => scorer.Score(t, values[i]))];

    private static double[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => 100 + (5 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())))];
    }

    [Fact]
    public void Score_SameSeriesThroughShardDetector_GivesItsPerPointScores()
    {
        var values = Noise(300, 1);
        values[200] = 400;
        var ts = Enumerable.Range(0, values.Length).Select(i => i * Minute).ToArray();
        var catalog = new SeriesCatalog(1);
        var id = catalog.GetOrAdd(Contracts.SeriesKey.Create("series", null));
        var expected = new double[values.Length];
        new ShardDetector(new DetectorOptions(), catalog).Process(
            [.. ts.Select((t, i) => new SeriesPoint(id, t, values[i]))], [], expected);

        var scores = ScoreAll(ShardDetectorScorer.Factory().Create(), ts, values);

        Assert.Equal(expected, scores);
        Assert.True(scores[200] > new DetectorOptions().ScoreThreshold);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
    }

    [Fact]
    public void Score_TimestampSteppingBack_IsStillScored()
    {
        var values = Noise(300, 2);
        values[150] = 400;
        var ts = Enumerable.Range(0, values.Length).Select(i => i * Minute).ToArray();
        for (var i = 145; i < 160; i++)
            ts[i] -= 55 * Minute; // the machine_temperature clock step

        var scores = ScoreAll(ShardDetectorScorer.Factory().Create(), ts, values);
        var inOrder = ScoreAll(ShardDetectorScorer.Factory().Create(), [.. Enumerable.Range(0, values.Length).Select(i => i * Minute)], values);

        // Every row is scored, as if it came in order (the series is too short for the time-of-day profiles to matter).
        Assert.True(scores[150] > new DetectorOptions().ScoreThreshold);
        Assert.Equal(inOrder, scores);
    }

    [Fact]
    public void Create_EachScorer_StartsFresh()
    {
        var factory = ShardDetectorScorer.Factory();
        var values = Noise(100, 3);
        var ts = Enumerable.Range(0, values.Length).Select(i => i * Minute).ToArray();
        Assert.Equal(ShardDetector.Name, factory.Name);
        Assert.DoesNotContain('_', factory.Name);
        Assert.Equal(ScoreAll(factory.Create(), ts, values), ScoreAll(factory.Create(), ts, values));
    }
}
