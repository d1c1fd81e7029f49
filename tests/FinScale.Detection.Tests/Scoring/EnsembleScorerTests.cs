using FinScale.Detection.Scoring;

namespace FinScale.Detection.Tests.Scoring;

public class EnsembleScorerTests
{
    private const long Minute = 60_000;
    private static readonly long T0 = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static double[] Noise(int n, double level, double sigma, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => level + (sigma * Gaussian(rng))).ToArray();
    }

    private static double[] ScoreAll(IPointScorer scorer, double[] values, long step = 5 * Minute) =>
        values.Select((v, i) => scorer.Score(T0 + (i * step), v)).ToArray();

    [Fact]
    public void Score_AnyInput_IsInZeroToOneAndNeverNaN()
    {
        var rng = new Random(1);
        var scorer = new EnsembleScorer();
        double[] odd = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, -double.MaxValue, 1e300, -1e-300, 0];
        for (var i = 0; i < 20_000; i++)
        {
            var v = i % 97 == 0 ? odd[rng.Next(odd.Length)] : rng.NextDouble() * Math.Pow(10, rng.Next(-5, 8));
            var s = scorer.Score(T0 + (rng.Next(-3, 10) * Minute * i / 10), v);
            Assert.InRange(s, 0, 1);
        }
    }

    [Fact]
    public void Score_WarmUp_ScoresZero()
    {
        var values = Noise(300, 10, 1, 2);
        values[50] = 1000;
        var scores = ScoreAll(new EnsembleScorer(new EnsembleOptions { WarmUp = 100 }), values);
        Assert.All(scores.Take(100), s => Assert.Equal(0, s));
    }

    [Fact]
    public void Score_SpikeInNoise_IsTheHighestScoreAndOneAlarm()
    {
        var values = Noise(3000, 100, 5, 3);
        values[2000] = 200;
        var scores = ScoreAll(new EnsembleScorer(), values);
        var top = Array.IndexOf(scores, scores.Max());
        Assert.Equal(2000, top);
        Assert.True(scores[2000] > 0.7);
        // One incident, one alarm: the points right after it do not alarm again.
        Assert.All(scores.Skip(2001).Take(100), s => Assert.True(s < scores[2000]));
    }

    [Fact]
    public void Score_LevelShift_AlarmsWithinAFewPoints()
    {
        var values = Noise(3000, 100, 5, 4);
        for (var i = 2000; i < values.Length; i++)
            values[i] += 12; // 2.4 sigma: no single point stands out much, the run does
        var scores = ScoreAll(new EnsembleScorer(), values);
        var before = scores.Take(2000).Skip(500).Max();
        var after = scores.Skip(2000).Take(60).Max();
        Assert.True(after > before, $"shift {after} vs noise {before}");
    }

    [Fact]
    public void Score_DailyPattern_IsLearned_AndAFlatDayStandsOut()
    {
        // 5-minute points, a strong daily cycle: after a few days the cycle itself no longer alarms.
        const int PerDay = 288;
        var rng = new Random(5);
        var values = new double[PerDay * 14];
        for (var i = 0; i < values.Length; i++)
            values[i] = 100 + (50 * Math.Sin(2 * Math.PI * i / PerDay)) + (2 * Gaussian(rng));
        for (var i = (PerDay * 12) + 60; i < (PerDay * 12) + 120; i++)
            values[i] = 100; // the daily peak goes missing
        var scores = ScoreAll(new EnsembleScorer(), values);
        var calm = scores.Skip(PerDay * 4).Take(PerDay * 8).Max();
        var flat = scores.Skip((PerDay * 12) + 60).Take(60).Max();
        Assert.True(flat > calm, $"flat {flat} vs calm {calm}");
    }

    [Fact]
    public void Score_NonFiniteValues_LeaveTheStateAsIfTheyWereAbsent()
    {
        var values = Noise(1000, 50, 3, 6);
        var clean = ScoreAll(new EnsembleScorer(), values);
        var withBad = new EnsembleScorer();
        var scored = new List<double>();
        for (var i = 0; i < values.Length; i++)
        {
            if (i % 50 == 25)
                Assert.Equal(0, withBad.Score(T0 + (i * 5 * Minute), i % 100 == 25 ? double.NaN : double.PositiveInfinity));
            scored.Add(withBad.Score(T0 + (i * 5 * Minute), values[i]));
        }

        Assert.Equal(clean, scored);
    }

    [Fact]
    public void Score_IsCausal_AFutureChangeDoesNotAlterEarlierScores()
    {
        var a = Noise(2000, 20, 2, 7);
        var b = (double[])a.Clone();
        for (var i = 1500; i < b.Length; i++)
            b[i] *= 3;
        var sa = ScoreAll(new EnsembleScorer(), a);
        var sb = ScoreAll(new EnsembleScorer(), b);
        Assert.Equal(sa.Take(1500), sb.Take(1500));
        Assert.NotEqual(sa.Skip(1500), sb.Skip(1500));
    }

    [Fact]
    public void Score_GapsRepeatedAndBackwardTimestamps_StillScoreAndStillFindTheSpike()
    {
        var values = Noise(3000, 100, 5, 8);
        values[2500] = 220;
        var scorer = new EnsembleScorer();
        var scores = new double[values.Length];
        var ts = T0;
        for (var i = 0; i < values.Length; i++)
        {
            ts += i % 400 == 0 ? 3 * 86_400_000L : i % 7 == 0 ? 0 : i % 301 == 0 ? -55 * Minute : 5 * Minute;
            scores[i] = scorer.Score(ts, values[i]);
        }

        Assert.Equal(2500, Array.IndexOf(scores, scores.Max()));
    }

    [Fact]
    public void Score_SameInput_SameScores()
    {
        var values = Noise(2000, 20, 2, 9);
        Assert.Equal(ScoreAll(new EnsembleScorer(), values), ScoreAll(new EnsembleScorer(), values));
    }

    [Fact]
    public void Score_LongRunAfterAnEarlyExtreme_StillFlagsASpike()
    {
        // 20,000 points: the calibration's units are halved about 25 times and its trees grow for the early extreme,
        // then shrink once that weight has faded; a later spike must still be the top score of its stretch.
        var values = Noise(20_000, 100, 5, 11);
        values[500] = 1e6;
        values[15_000] = 170;
        var scores = ScoreAll(new EnsembleScorer(), values);
        Assert.Equal(15_000, 14_000 + Array.IndexOf(scores[14_000..], scores[14_000..].Max()));
        Assert.True(scores[15_000] > 0.7, $"spike scored {scores[15_000]}");
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
