using FinScale.Contracts;
using FinScale.Detection;

namespace FinScale.Detection.Tests;

public class ShardDetectorTests
{
    private static readonly Dictionary<string, string> Pod = new() { ["k8s.pod.name"] = "api-1" };
    private const long Minute = 60_000;
    private readonly SeriesCatalog _catalog = new(1_000_000);

    private int Id(SeriesKey key) => _catalog.GetOrAdd(key);

    private ShardDetector New(DetectorOptions? options = null) => new(options ?? new DetectorOptions(), _catalog);

    private SeriesPoint[] Noisy(SeriesKey key, int n, double level, double sigma, int seed, long start = 0)
    {
        var rng = new Random(seed);
        var points = new SeriesPoint[n];
        for (var i = 0; i < n; i++)
        {
            // Box-Muller: a Gaussian from two uniforms.
            var g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            points[i] = new SeriesPoint(Id(key), start + (i * Minute), level + (sigma * g));
        }

        return points;
    }

    [Fact]
    public void Process_SpikeAfterNoise_OpensOneEpisodeAtTheSpike()
    {
        var key = SeriesKey.Create("latency", Pod);
        var points = Noisy(key, 300, 100, 5, seed: 1);
        for (var i = 200; i < 205; i++)
            points[i] = points[i] with { Value = 400 };
        var detector = New();
        var found = new List<DetectedAnomaly>();

        detector.Process(points, found);

        var a = Assert.Single(found);
        Assert.Equal(200, a.PointIndex);
        Assert.Equal(key.Text, a.Anomaly.Series);
        Assert.Equal(400, a.Anomaly.Observed);
        Assert.InRange(a.Anomaly.Expected, 95, 105);
        Assert.InRange(a.Anomaly.Score, new DetectorOptions().ScoreThreshold, 1.0);
        Assert.True(a.Anomaly.ZScore > 20);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(200 * Minute), a.Anomaly.EventTime);
    }

    [Fact]
    public void Process_SpikeThenBackToNormal_ResolvesTheEpisodeAfterEpisodeCloseAfterPointsBack()
    {
        var key = SeriesKey.Create("latency", Pod);
        var points = Noisy(key, 300, 100, 5, seed: 2);
        points[200] = points[200] with { Value = 900 };
        var detector = new ShardDetector(new DetectorOptions(), _catalog) { ReportResolutions = true };
        var found = new List<DetectedAnomaly>();

        detector.Process(points, found);

        Assert.Equal([AnomalyState.Open, AnomalyState.Resolved], found.Select(a => a.Anomaly.State));
        Assert.Equal(found[0].Anomaly.AnomalyId, found[1].Anomaly.AnomalyId);
        Assert.Equal(200 + new DetectorOptions().EpisodeCloseAfter, found[1].PointIndex);
    }

    [Fact]
    public void Process_PodThatStaysSlow_KeepsItsEpisodeOpenUntilEpisodeAcceptAfterThenTakesTheLevelAsNormal()
    {
        // The scores calm down within a few points of a lasting 8x shift as the baseline adapts; the pod has not recovered.
        var options = new DetectorOptions { EpisodeAcceptAfter = 40 };
        var key = SeriesKey.Create("latency", Pod);
        var points = Noisy(key, 400, 100, 5, seed: 3);
        for (var i = 200; i < 400; i++)
            points[i] = points[i] with { Value = 800 + (points[i].Value - 100) };
        var detector = new ShardDetector(options, _catalog) { ReportResolutions = true };
        var found = new List<DetectedAnomaly>();

        detector.Process(points.AsSpan(0, 230), found);
        var open = Assert.Single(found);
        Assert.Equal(AnomalyState.Open, open.Anomaly.State);

        detector.Process(points.AsSpan(230), found);
        var resolved = found[^1];
        Assert.Equal(AnomalyState.Resolved, resolved.Anomaly.State);
        Assert.Equal(open.Anomaly.AnomalyId, resolved.Anomaly.AnomalyId);
        Assert.InRange(resolved.PointIndex + 230, 200 + options.EpisodeAcceptAfter, 400);
    }

    [Fact]
    public void ImportState_OfAnExportedSeries_ScoresTheFollowingPointsExactlyAsTheOriginalDoes()
    {
        var key = SeriesKey.Create("latency", Pod);
        var points = Noisy(key, 600, 100, 5, seed: 4);
        points[450] = points[450] with { Value = 400 };
        var original = new ShardDetector(new DetectorOptions(), _catalog) { TrackChanges = true };
        original.Process(points.AsSpan(0, 400), []);
        var changed = new List<int>();
        original.DrainChanged(changed);
        Assert.Equal([points[0].SeriesId], changed);

        var state = original.ExportState(points[0].SeriesId)!;
        var restored = new ShardDetector(new DetectorOptions(), _catalog);
        restored.ImportState(points[0].SeriesId, state);

        var a = new double[200];
        var b = new double[200];
        var foundA = new List<DetectedAnomaly>();
        var foundB = new List<DetectedAnomaly>();
        original.Process(points.AsSpan(400), foundA, a);
        restored.Process(points.AsSpan(400), foundB, b);
        Assert.Equal(a, b);
        Assert.Equal(50, Assert.Single(foundB).PointIndex); // warm: the spike right after the takeover is found
        Assert.Equal(original.ExportState(points[0].SeriesId), restored.ExportState(points[0].SeriesId));

        // Without the restore, the instance taking over has no baseline: the spike falls in its warm-up and is missed.
        var cold = new ShardDetector(new DetectorOptions(), _catalog);
        var foundCold = new List<DetectedAnomaly>();
        cold.Process(points.AsSpan(400, 60), foundCold);
        Assert.Empty(foundCold);
        Assert.Empty(changed.Skip(1));
    }

    [Fact]
    public void ImportState_OfAVersion1Checkpoint_ResumesWarmAndScoresAsTheBuildThatWroteIt()
    {
        // Data/checkpoint-v1.txt: a state exported by the last build with float profile buckets (format 1, 4de042b)
        // after 14 days of CheckpointV1Fixture's series, then that build's scores of the next 2 days. An upgrade must
        // not throw the baselines away: the coded profiles are read from the floats and score the same points alike.
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "checkpoint-v1.txt"));
        var state = Convert.FromBase64String(lines[0]);
        var expected = lines.Skip(1).Select(l => double.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1, state[0]);
        var id = Id(SeriesKey.Create("latency", Pod));
        var points = CheckpointV1Fixture.Points(id)[CheckpointV1Fixture.ExportedAfter..];
        Assert.Equal(expected.Length, points.Length);

        var restored = New();
        restored.ImportState(id, state);
        var scores = new double[points.Length];
        var found = new List<DetectedAnomaly>();
        restored.Process(points, found, scores);

        Assert.Equal([200], found.Select(f => f.PointIndex)); // the spike, as the float build found it
        // Where it matters, alike: the incidents (the spike 0.83, the shift 0.73) within 0.01. Elsewhere the calibration's
        // bins are coarse: a residual a step of 2^-11 away can land in the next bin, which moves a calm point's score by a
        // few hundredths (measured: mean 0.002, largest 0.12, 39 of 576 over 0.01; over 0.5, at most 0.028).
        var diffs = scores.Zip(expected, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.All(Enumerable.Range(0, expected.Length).Where(i => expected[i] > 0.7), i => Assert.InRange(diffs[i], 0, 0.01));
        Assert.All(Enumerable.Range(0, expected.Length).Where(i => expected[i] > 0.5), i => Assert.InRange(diffs[i], 0, 0.05));
        Assert.InRange(diffs.Average(), 0, 0.01);
        Assert.InRange(diffs.Max(), 0, 0.2);
        Assert.Equal(ShardDetector.StateVersion, restored.ExportState(id)![0]);

        // Cold, the same two days find nothing: the spike falls in the warm-up.
        var cold = New();
        var foundCold = new List<DetectedAnomaly>();
        cold.Process(points, foundCold);
        Assert.DoesNotContain(foundCold, f => f.PointIndex == 200);
    }

    [Fact]
    public void ImportState_OfAnotherVersion_IsRefusedNamingTheVersions()
    {
        var (_, state) = Exported(50, seed: 8);
        var id = Id(SeriesKey.Create("latency", Pod));
        state[0] = ShardDetector.StateVersion + 1;
        var e = Assert.Throws<InvalidDataException>(() => New().ImportState(id, state));
        Assert.Contains($"version {ShardDetector.StateVersion + 1}", e.Message);
        state[0] = 0;
        Assert.Throws<InvalidDataException>(() => New().ImportState(id, state));
    }

    [Fact]
    public void Process_WhereARoundIsCut_ChangesNoScore()
    {
        // A batch of 20,000 series spans rounds capped at 8,192 points; fed one point at a time, every round is one point.
        // The kernel treats a round's series independently, so the scores and the anomalies must be the same.
        var rng = new Random(9);
        var ids = Enumerable.Range(0, 20_000).Select(i => Id(SeriesKey.Create("latency", new Dictionary<string, string> { ["pod"] = "r" + i }))).ToArray();
        var points = new SeriesPoint[ids.Length * 130];
        for (var t = 0; t < 130; t++)
        {
            for (var k = 0; k < ids.Length; k++)
            {
                var spike = t == 125 && k % 1_000 == 0 ? 500 : 0;
                points[(t * ids.Length) + k] = new SeriesPoint(ids[k], t * Minute, 100 + (k % 13) + (5 * rng.NextDouble()) + spike);
            }
        }

        var batched = New();
        var batchedScores = new double[points.Length];
        var batchedFound = new List<DetectedAnomaly>();
        batched.Process(points, batchedFound, batchedScores);

        var single = New();
        var singleScores = new double[points.Length];
        var singleFound = new List<DetectedAnomaly>();
        for (var i = 0; i < points.Length; i++)
        {
            var before = singleFound.Count;
            single.Process(points.AsSpan(i, 1), singleFound, singleScores.AsSpan(i, 1));
            for (var j = before; j < singleFound.Count; j++)
                singleFound[j] = singleFound[j] with { PointIndex = i };
        }

        Assert.Equal(singleScores, batchedScores);
        Assert.Equal(20, batchedFound.Count);
        Assert.Equal(singleFound.Select(f => (f.PointIndex, f.Anomaly.Series, f.Anomaly.Score)), batchedFound.Select(f => (f.PointIndex, f.Anomaly.Series, f.Anomaly.Score)));
    }

    /// <summary><paramref name="n"/> noisy points of one series and the state a detector exports after them.</summary>
    private (SeriesPoint[] Points, byte[] State) Exported(int n, int seed)
    {
        var points = Noisy(SeriesKey.Create("latency", Pod), n, 100, 5, seed);
        var d = New();
        d.Process(points, []);
        return (points, d.ExportState(points[0].SeriesId)!);
    }

    [Fact]
    public void ImportState_OverASeriesItHolds_GivesTheOldStatesRoomBack()
    {
        var (points, state) = Exported(400, seed: 6);
        var d = New();
        d.Process(points.AsSpan(0, 300), []);
        d.ImportState(points[0].SeriesId, state);
        var reserved = d.Arenas.ReservedBytes;
        var free = d.Arenas.FreeBytes;

        for (var i = 0; i < 1_000; i++)
            d.ImportState(points[0].SeriesId, state);
        Assert.Throws<InvalidDataException>(() => d.ImportState(points[0].SeriesId, state[..(state.Length - 4)]));

        Assert.Equal(reserved, d.Arenas.ReservedBytes);
        Assert.Equal(free, d.Arenas.FreeBytes);
        Assert.Equal(state, d.ExportState(points[0].SeriesId));
    }

    [Fact]
    public void SeriesGrowingTogether_ReuseTheRoomTheyFree()
    {
        // Series of one age grow their profiles and trees together, freeing blocks of lengths nobody asks for again:
        // freed neighbours must merge into room for the grown blocks instead of piling up.
        var random = new Random(7);
        var ids = Enumerable.Range(0, 2_000).Select(i => _catalog.GetOrAdd(SeriesKey.Create("latency", new Dictionary<string, string> { ["pod"] = "p" + i }))).ToArray();
        var d = New();
        var round = new SeriesPoint[ids.Length];
        long reservedOnceGrown = 0;
        for (var t = 0; t < 1_500; t++)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                var spike = random.NextDouble() < 0.01 ? 50 * random.NextDouble() : 0;
                round[i] = new SeriesPoint(ids[i], t * 10 * Minute, 100 + (20 * Math.Sin(t / 20.0)) + (5 * random.NextDouble()) + spike);
            }

            d.Process(round, []);
            if (t == 1_100)
                reservedOnceGrown = d.Arenas.ReservedBytes; // past a week: both profiles are full
        }

        var inUse = d.Arenas.ReservedBytes - d.Arenas.FreeBytes;
        Assert.True(d.Arenas.FreeBytes < inUse / 3, $"{d.Arenas.FreeBytes} B of the slabs in no block, {inUse} B in blocks");

        // From then on only the calibration trees grow and shrink, in the room the others free: no new slab.
        Assert.Equal(reservedOnceGrown, d.Arenas.ReservedBytes);
    }

    [Fact]
    public void ImportState_OfAnotherVersionOrTruncated_IsRefusedWithTheReason()
    {
        var (points, state) = Exported(50, seed: 5);

        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => New().ImportState(points[0].SeriesId, [9, .. state[1..]])).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => New().ImportState(points[0].SeriesId, state[..20])).Message, StringComparison.Ordinal);

        // The daily profile's bucket count follows version, last time, mean, scale, count, readiness and residual scale.
        var corrupt = state.ToArray();
        BitConverter.TryWriteBytes(corrupt.AsSpan(1 + 8 + 4 + 4 + 4 + 1 + 16), 5000);
        Assert.Contains("a profile of 5000 buckets", Assert.Throws<InvalidDataException>(() => New().ImportState(points[0].SeriesId, corrupt)).Message, StringComparison.Ordinal);
        Assert.Null(New().ExportState(points[0].SeriesId));
    }

    [Fact]
    public void Process_CleanNoise_RaisesNothing()
    {
        var detector = New();
        var found = new List<DetectedAnomaly>();
        for (var s = 0; s < 20; s++)
            detector.Process(Noisy(SeriesKey.Create("m" + s, null), 2000, 50 + s, 3, seed: s), found);
        Assert.Empty(found);
    }

    [Fact]
    public void Process_SameInputInOneBatchOrManySmallOnes_GivesTheSameAnomalies()
    {
        var keys = Enumerable.Range(0, 7).Select(i => SeriesKey.Create("m", new Dictionary<string, string> { ["pod"] = "p" + i })).ToArray();
        var series = keys.Select((k, i) => Noisy(k, 300, 10 * (i + 1), 1, seed: i)).ToArray();
        series[3][250] = series[3][250] with { Value = 1000 };
        series[5][190] = series[5][190] with { Value = -500 };
        var interleaved = Enumerable.Range(0, 300).SelectMany(t => series.Select(s => s[t])).ToArray();

        var whole = new List<DetectedAnomaly>();
        New().Process(interleaved, whole);
        var piecewise = new List<DetectedAnomaly>();
        var d = New();
        for (var i = 0; i < interleaved.Length; i += 3)
            d.Process(interleaved.AsSpan(i, Math.Min(3, interleaved.Length - i)), piecewise);

        Assert.Equal(2, whole.Count);
        Assert.Equal(whole.Select(a => (a.Anomaly.AnomalyId, a.Anomaly.Observed, a.Anomaly.Expected, a.Anomaly.Score)), piecewise.Select(a => (a.Anomaly.AnomalyId, a.Anomaly.Observed, a.Anomaly.Expected, a.Anomaly.Score)));
    }

    [Fact]
    public void Process_RepeatedSeriesInOneBatch_KeepsPerSeriesOrder()
    {
        // A batch holding many points of one series must score each against the state left by the previous one.
        var key = SeriesKey.Create("m", null);
        var points = Noisy(key, 300, 10, 1, seed: 3);
        points[280] = points[280] with { Value = 100 };
        var found = new List<DetectedAnomaly>();
        New().Process(points, found);
        Assert.Equal(280, Assert.Single(found).PointIndex);
    }

    [Fact]
    public void Process_WarmUp_NeverRaises()
    {
        var key = SeriesKey.Create("m", null);
        var points = Enumerable.Range(0, 30).Select(i => new SeriesPoint(Id(key), i * Minute, i % 2 == 0 ? 1 : 1000)).ToArray();
        var found = new List<DetectedAnomaly>();
        New(new DetectorOptions { WarmUpPoints = 30 }).Process(points, found);
        Assert.Empty(found);
    }

    [Fact]
    public void Process_LongAnomaly_IsOneEpisode_AndANewSpikeAfterCalmIsAnother()
    {
        var key = SeriesKey.Create("m", null);
        var points = Noisy(key, 600, 100, 5, seed: 4);
        for (var i = 150; i < 160; i++)
            points[i] = points[i] with { Value = 500 };
        points[450] = points[450] with { Value = 1500 }; // beyond anything seen, after the episode and the calm
        var found = new List<DetectedAnomaly>();
        New().Process(points, found);
        Assert.Equal([150, 450], found.Select(a => a.PointIndex));
    }

    [Fact]
    public void Process_OutOfOrderAndNonFinite_AreDroppedAndCounted()
    {
        var key = Id(SeriesKey.Create("m", null));
        var d = New();
        var found = new List<DetectedAnomaly>();
        d.Process([new(key, 10 * Minute, 1), new(key, 5 * Minute, 1), new(key, 11 * Minute, double.NaN), new(key, 12 * Minute, 1e300)], found);
        Assert.Equal(1, d.OutOfOrderPoints);
        Assert.Equal(2, d.NonFinitePoints);
    }

    [Fact]
    public void Process_RepeatedTimestamps_AreScoredNotDropped()
    {
        var key = Id(SeriesKey.Create("m", null));
        var d = New();
        var found = new List<DetectedAnomaly>();
        d.Process([new(key, Minute, 1), new(key, Minute, 2), new(key, Minute, 3)], found);
        Assert.Equal(0, d.OutOfOrderPoints);
        Assert.Equal(1, d.SeriesCount);
    }

    [Fact]
    public void Process_TwoShards_EachKeepsItsOwnSeriesAndRefusesTheOther()
    {
        var ids = Enumerable.Range(0, 10).Select(i => Id(SeriesKey.Create("m" + i, null))).ToArray();
        var shard1 = new ShardDetector(new DetectorOptions(), _catalog, shard: 1, shardCount: 2);
        var found = new List<DetectedAnomaly>();
        shard1.Process(ids.Where(id => ShardDetector.ShardOf(id, 2) == 1).Select(id => new SeriesPoint(id, 0, 1)).ToArray(), found);
        Assert.Equal(5, shard1.SeriesCount);
        Assert.Throws<ArgumentException>(() => shard1.Process([new SeriesPoint(ids.First(id => id % 2 == 0), 0, 1)], found));
    }

    [Fact]
    public void Process_AnomalyOnAShard_NamesTheSeriesFromTheCatalog()
    {
        var key = SeriesKey.Create("latency", Pod);
        var points = Noisy(key, 120, 100, 5, seed: 11);
        points[100] = points[100] with { Value = 900 };
        var shard = ShardDetector.ShardOf(points[0].SeriesId, 3);
        var found = new List<DetectedAnomaly>();
        new ShardDetector(new DetectorOptions(), _catalog, shard, 3).Process(points, found);
        var a = Assert.Single(found).Anomaly;
        Assert.Equal(key.Text, a.Series);
        Assert.Equal("api-1", a.Attributes["k8s.pod.name"]);
    }

    [Fact]
    public void Process_SameInputTwice_GivesTheSameAnomalyIds()
    {
        var key = SeriesKey.Create("m", Pod);
        var points = Noisy(key, 300, 10, 1, seed: 9);
        points[270] = points[270] with { Value = 90 };
        var a = new List<DetectedAnomaly>();
        var b = new List<DetectedAnomaly>();
        New().Process(points, a);
        New().Process(points, b);
        Assert.Equal(Assert.Single(a).Anomaly.AnomalyId, Assert.Single(b).Anomaly.AnomalyId);
    }

    [Fact]
    public void Process_WithScores_WritesEachPointsScoreAndZeroForWarmUpAndDropped()
    {
        var key = SeriesKey.Create("latency", Pod);
        var points = Noisy(key, 300, 100, 5, seed: 3);
        points[200] = points[200] with { Value = 400 };
        points[250] = points[250] with { TimestampMs = 0 };               // late: dropped
        points[260] = points[260] with { Value = double.NaN };            // non-finite: dropped
        var scores = new double[points.Length];
        var found = new List<DetectedAnomaly>();

        New().Process(points, found, scores);

        var opened = Assert.Single(found);
        Assert.Equal(200, opened.PointIndex);
        Assert.Equal(opened.Anomaly.Score, scores[200]);
        Assert.All(scores.Take((int)new DetectorOptions().Ensemble.WarmUp), s => Assert.Equal(0, s));
        Assert.Equal(0, scores[250]);
        Assert.Equal(0, scores[260]);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.True(scores.Skip(101).Count(s => s > 0) > 50);
        Assert.Throws<ArgumentException>(() => New().Process(points, found, new double[points.Length - 1]));
    }
}
