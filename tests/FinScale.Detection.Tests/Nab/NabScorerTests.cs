using FinScale.Detection.Nab;

namespace FinScale.Detection.Tests.Nab;

/// <summary>
/// Hand-computed NAB scores. σ(y) = 2/(1+e^(5y)) − 1, so σ(−1) = 0.98661430 (the best a detection can earn before
/// weighting), σ(−0.75) = 0.95404526, σ(−0.5) = 0.84828364, σ(−0.25) = 0.55459972, σ(1/3) = −0.68226179,
/// σ(4/3) = −0.99745797, and σ(y) = −1 for y above 3. A window of w rows ending on row r scores a detection on row i
/// as σ(−(r−i+1)/w)/σ(−1). Rows are one minute apart; row k has timestamp k minutes.
/// </summary>
public class NabScorerTests
{
    private const long Minute = 60_000;
    private const double Tolerance = 1e-12;
    private static readonly NabProfile Standard = NabProfile.Standard;

    // σ(−0.75)/σ(−1): a detection on the 2nd row of a 4-row window.
    private const double SecondRowOfFour = 0.9669890878000605;

    /// <summary>A file of <paramref name="rows"/> rows scoring 0 except <paramref name="hits"/> (row, score), with windows given by (first row, last row).</summary>
    private static NabSeries File(int rows, (int Row, double Score)[] hits, params (int First, int Last)[] windows)
    {
        var ts = new long[rows];
        for (var i = 0; i < rows; i++)
            ts[i] = i * Minute;
        var scores = new double[rows];
        foreach (var (row, score) in hits)
            scores[row] = score;
        return new NabSeries("cat/file.csv", ts, scores, [.. windows.Select(w => new NabWindow(ts[w.First], ts[w.Last]))]);
    }

    private static NabScore ScoreAtHalf(params NabSeries[] files) => new NabScorer(files).ScoreAt(Standard, 0.5);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(6, 0)]      // floor(0.9)
    [InlineData(7, 1)]      // floor(1.05)
    [InlineData(20, 3)]     // floor(3.0)
    [InlineData(4032, 604)] // floor(604.8): a 5-minute NAB file of two weeks
    [InlineData(5000, 750)]
    [InlineData(22695, 750)] // capped at 15 % of 5000
    public void ProbationaryLength_Rows_Is15PercentFlooredAtMost750(int rows, int expected) =>
        Assert.Equal(expected, NabScorer.ProbationaryLength(rows));

    [Theory]
    [InlineData(-1.0, 0.9866142981514305)]
    [InlineData(-0.5, 0.8482836399575131)]   // NAB's docstring: 0.84828 halfway into a window
    [InlineData(0.0, 0.0)]                   // the right edge
    [InlineData(3.0, -0.9999993881955461)]   // at 3 still the formula
    [InlineData(3.0000001, -1.0)]            // beyond 3 exactly −1
    public void ScaledSigmoid_KnownPositions_MatchNab(double position, double expected) =>
        Assert.Equal(expected, NabScorer.ScaledSigmoid(position), Tolerance);

    [Fact]
    public void ScoreAt_DetectionOnWindowStart_EarnsFullTruePositive()
    {
        // 10 rows, probation floor(1.5) = 1; window rows 2..5 (w = 4, r = 5). Row 2: σ(−(5−2+1)/4) = σ(−1) → 1·σ(−1)/σ(−1) = 1.
        var s = ScoreAtHalf(File(10, [(2, 0.9)], (2, 5)));
        Assert.Equal(1.0, s.RawScore, Tolerance);
        Assert.Equal((1, 0, 0), (s.DetectedWindows, s.MissedWindows, s.FalsePositives));
    }

    [Fact]
    public void ScoreAt_DetectionInWindowMiddle_EarnsScaledSigmoid()
    {
        // Row 3 of window 2..5: σ(−(5−3+1)/4) = σ(−0.75) = 0.95404526; / σ(−1) = 0.96698909.
        var s = ScoreAtHalf(File(10, [(3, 0.9)], (2, 5)));
        Assert.Equal(SecondRowOfFour, s.RawScore, Tolerance);
    }

    [Fact]
    public void ScoreAt_DetectionOnWindowEnd_EarnsLeast()
    {
        // Row 5 = r: σ(−1/4) = 0.55459972; / σ(−1) = 0.56212415.
        var s = ScoreAtHalf(File(10, [(5, 0.9)], (2, 5)));
        Assert.Equal(0.5621241486044827, s.RawScore, Tolerance);
    }

    [Fact]
    public void ScoreAt_TwoDetectionsInOneWindow_OnlyTheEarliestCounts()
    {
        // 20 rows (probation 3), window 5..8. Rows 6 and 7 fire: only row 6 counts, σ(−(8−6+1)/4)/σ(−1) = 0.96698909,
        // not the sum with row 7's σ(−0.5)/σ(−1) = 0.85979257. Both rows are NAB "tp" rows.
        var s = ScoreAtHalf(File(20, [(6, 0.9), (7, 0.9)], (5, 8)));
        Assert.Equal(SecondRowOfFour, s.RawScore, Tolerance);
        Assert.Equal(1, s.DetectedWindows);
        Assert.Equal(2, s.TruePositiveRows);
        Assert.Equal(2, s.FalseNegativeRows); // rows 5 and 8
    }

    [Fact]
    public void ScoreAt_FalsePositiveRightAfterWindow_CostsLessThanAFullFalsePositive()
    {
        // 10 rows, window 2..5 missed (−1); row 6 fires: |5−6|/(4−1) = 1/3, σ(1/3) = −0.68226179; × 0.11 = −0.07504880.
        var s = ScoreAtHalf(File(10, [(6, 0.9)], (2, 5)));
        Assert.Equal(-1.0 - 0.07504879692619866, s.RawScore, Tolerance);
        Assert.Equal((0, 1, 1), (s.DetectedWindows, s.MissedWindows, s.FalsePositives));
    }

    [Fact]
    public void ScoreAt_FalsePositiveFarAfterWindow_CostsFullFalsePositive()
    {
        // 20 rows (probation 3), window 5..8 caught on its start (+1); row 18 fires: |8−18|/3 = 3.33 > 3 → −1 × 0.11.
        var s = ScoreAtHalf(File(20, [(5, 0.9), (18, 0.9)], (5, 8)));
        Assert.Equal(1.0 - 0.11, s.RawScore, Tolerance);
    }

    [Fact]
    public void ScoreAt_FalsePositiveThreeWidthsAfterWindow_StillUsesTheSigmoid()
    {
        // Row 17: |8−17|/3 = 3, not above 3: σ(3) = −0.99999939, × 0.11 = −0.10999993 (a hair less than the full cost).
        var s = ScoreAtHalf(File(20, [(5, 0.9), (17, 0.9)], (5, 8)));
        Assert.Equal(1.0 - 0.10999993270151008, s.RawScore, Tolerance);
    }

    [Fact]
    public void ScoreAt_FalsePositiveBeforeAnyWindow_CostsFullFalsePositive()
    {
        // Row 4 fires before window 10..13 opens: no preceding window → −1 × 0.11, even though the window is near.
        // The window is missed: −1.
        var s = ScoreAtHalf(File(20, [(4, 0.9)], (10, 13)));
        Assert.Equal(-0.11 - 1.0, s.RawScore, Tolerance);
    }

    [Fact]
    public void ScoreAt_FalsePositiveBetweenWindows_IsWeightedByThePrecedingWindow()
    {
        // 40 rows (probation 6); windows 10..13 and 30..33, both caught on their start (+2). Row 15 fires:
        // |13−15|/3 = 2/3 → σ(2/3) ... weighted by window 1 (the one before it), not by window 2 that follows.
        var sigmaTwoThirds = NabScorer.ScaledSigmoid(2.0 / 3.0);
        var s = ScoreAtHalf(File(40, [(10, 0.9), (15, 0.9), (30, 0.9)], (10, 13), (30, 33)));
        Assert.Equal(2.0 + (0.11 * sigmaTwoThirds), s.RawScore, Tolerance);
        Assert.InRange(sigmaTwoThirds, -0.95, -0.93); // 2/(1+e^(10/3)) − 1 = −0.9311
    }

    [Fact]
    public void ScoreAt_MissedWindow_CostsFalseNegativeWeight()
    {
        // Nothing fires: each window −A_FN; the reward_low_FN_rate profile doubles it.
        var file = File(40, [], (10, 13), (30, 33));
        var scorer = new NabScorer([file]);
        Assert.Equal(-2.0, scorer.ScoreAt(Standard, 0.5).RawScore, Tolerance);
        Assert.Equal(-4.0, scorer.ScoreAt(NabProfile.RewardLowFalseNegativeRate, 0.5).RawScore, Tolerance);
        Assert.Equal((0, 2, 0), (scorer.ScoreAt(Standard, 0.5).DetectedWindows, scorer.ScoreAt(Standard, 0.5).MissedWindows, scorer.ScoreAt(Standard, 0.5).FalsePositives));
    }

    [Fact]
    public void ScoreAt_DetectionsInProbationaryPeriod_AreNotScored()
    {
        // 20 rows: rows 0..2 are probationary; firing there costs nothing (no FP) and counts in no row tally.
        var s = ScoreAtHalf(File(20, [(0, 1.0), (1, 1.0), (2, 1.0)], (10, 13)));
        Assert.Equal(-1.0, s.RawScore, Tolerance);
        Assert.Equal(0, s.FalsePositives);
        Assert.Equal(17, s.TrueNegativeRows + s.FalseNegativeRows); // 20 − 3 probationary rows are scored
    }

    [Fact]
    public void ScoreAt_WindowReachingIntoProbation_KeepsItsFullWidth()
    {
        // 20 rows (probation 3), window 1..4 (w = 4): rows 1 and 2 are probationary, so firing on row 2 does not count;
        // row 3 does: σ(−(4−3+1)/4) = σ(−0.5) = 0.84828364; / σ(−1) = 0.85979257.
        var onlyProbationary = ScoreAtHalf(File(20, [(2, 0.9)], (1, 4)));
        Assert.Equal(-1.0, onlyProbationary.RawScore, Tolerance);
        var scoredRow = ScoreAtHalf(File(20, [(2, 0.9), (3, 0.9)], (1, 4)));
        Assert.Equal(0.8597925669097837, scoredRow.RawScore, Tolerance);
    }

    [Fact]
    public void ScoreAt_WindowInsideProbation_IsNotCountedButPrecedesLaterRows()
    {
        // 40 rows (probation 6), window 0..3 lies in the probationary period: no row of it is scored, so it is neither missed
        // nor in the normalisation. It still closed on row 3, so row 7 firing costs 0.11·σ(|3−7|/3) = 0.11·σ(4/3) = −0.10972038.
        var scorer = new NabScorer([File(40, [(7, 0.9)], (0, 3))]);
        var s = scorer.ScoreAt(Standard, 0.5);
        Assert.Equal(0, scorer.WindowCount);
        Assert.Equal(-0.10972037642212211, s.RawScore, Tolerance);
        Assert.Equal((0, 0), (s.NullScore, s.PerfectScore));
        Assert.True(double.IsNaN(s.NormalizedScore));
    }

    [Fact]
    public void ScoreAt_ThreeProfiles_WeighTheSameDetections()
    {
        // 40 rows (probation 6); window 10..13 caught on row 11 (+0.96698909), window 20..23 missed, row 35 fires far
        // after window 2 (|23−35|/3 = 4 > 3 → −A_FP).
        var scorer = new NabScorer([File(40, [(11, 0.9), (35, 0.9)], (10, 13), (20, 23))]);
        Assert.Equal(SecondRowOfFour - 0.11 - 1.0, scorer.ScoreAt(NabProfile.Standard, 0.5).RawScore, Tolerance);
        Assert.Equal(SecondRowOfFour - 0.22 - 1.0, scorer.ScoreAt(NabProfile.RewardLowFalsePositiveRate, 0.5).RawScore, Tolerance);
        Assert.Equal(SecondRowOfFour - 0.11 - 2.0, scorer.ScoreAt(NabProfile.RewardLowFalseNegativeRate, 0.5).RawScore, Tolerance);
    }

    [Fact]
    public void NormalizedScore_TwoWindows_ScalesBetweenNullAndPerfect()
    {
        // Same file, 2 windows. standard: null = −2, perfect = 2; raw = −0.14301091 → 100·(−0.14301091 + 2)/4 = 46.42472720.
        // reward_low_FN_rate: null = −4, perfect = 2; raw = −1.14301091 → 100·2.85698909/6 = 47.61648480.
        var scorer = new NabScorer([File(40, [(11, 0.9), (35, 0.9)], (10, 13), (20, 23))]);
        var standard = scorer.ScoreAt(NabProfile.Standard, 0.5);
        Assert.Equal((-2.0, 2.0), (standard.NullScore, standard.PerfectScore));
        Assert.Equal(100 * (SecondRowOfFour - 1.11 + 2) / 4, standard.NormalizedScore, 1e-10);
        Assert.Equal(46.4247, standard.NormalizedScore, 4);
        var lowFn = scorer.ScoreAt(NabProfile.RewardLowFalseNegativeRate, 0.5);
        Assert.Equal(47.6165, lowFn.NormalizedScore, 4);
    }

    [Fact]
    public void NormalizedScore_NeverFiringAndPerfect_AreZeroAndHundred()
    {
        var never = new NabScorer([File(40, [], (10, 13), (20, 23))]).ScoreAt(Standard, 0.5);
        Assert.Equal(0, never.NormalizedScore, Tolerance);
        var perfect = new NabScorer([File(40, [(10, 1.0), (20, 1.0)], (10, 13), (20, 23))]).ScoreAt(Standard, 0.5);
        Assert.Equal(100, perfect.NormalizedScore, 1e-10);
    }

    [Fact]
    public void ScoreAt_SeveralFiles_SumsRawScoresAndWindows()
    {
        // File A: window caught on its start (+1). File B: no windows, one FP before any window (−0.11). File C: window missed (−1).
        // raw = −0.11; 2 windows: null −2, perfect 2 → 100·1.89/4 = 47.25.
        var a = File(20, [(5, 0.9)], (5, 8));
        var b = File(20, [(10, 0.9)]);
        var c = File(20, [], (5, 8));
        var s = new NabScorer([a, b, c]).ScoreAt(Standard, 0.5);
        Assert.Equal(-0.11, s.RawScore, Tolerance);
        Assert.Equal(47.25, s.NormalizedScore, 1e-10);
        Assert.Equal((1, 1, 1), (s.DetectedWindows, s.MissedWindows, s.FalsePositives));
    }

    [Fact]
    public void ScoreAt_ScoreEqualToThreshold_IsADetection()
    {
        var file = File(20, [(5, 0.5)], (5, 8));
        var scorer = new NabScorer([file]);
        Assert.Equal(1.0, scorer.ScoreAt(Standard, 0.5).RawScore, Tolerance);
        Assert.Equal(-1.0, scorer.ScoreAt(Standard, 0.5000001).RawScore, Tolerance);
    }

    [Fact]
    public void Optimize_ProfilesTradeFalsePositivesAgainstMissedWindows()
    {
        // 40 rows (probation 6). Ten rows 6..15 score 0.4, before window 20..23: each is a full FP (no preceding window).
        // Row 20, the window's start, scores 0.3 (+1 when caught). Everything else scores 0, so thresholds ≤ 0 only add FPs.
        //   threshold 1.1 (never): −A_FN              standard −1      low_FP −1      low_FN −2
        //   threshold 0.4:         −A_FN − 10·A_FP    standard −2.1    low_FP −3.2    low_FN −3.1
        //   threshold 0.3:         +1 − 10·A_FP       standard −0.1    low_FP −1.2    low_FN −0.1
        // Best: standard 0.3 (−0.1), reward_low_FP_rate never fires (−1 at 1.1), reward_low_FN_rate 0.3 (−0.1).
        var hits = Enumerable.Range(6, 10).Select(r => (r, 0.4)).Append((20, 0.3)).ToArray();
        var scorer = new NabScorer([File(40, hits, (20, 23))]);

        var standard = scorer.Optimize(NabProfile.Standard);
        Assert.Equal(0.3, standard.Threshold);
        Assert.Equal(-0.1, standard.RawScore, 1e-12);
        Assert.Equal((1, 0, 10), (standard.DetectedWindows, standard.MissedWindows, standard.FalsePositives));

        var lowFp = scorer.Optimize(NabProfile.RewardLowFalsePositiveRate);
        Assert.Equal(NabScorer.NeverFiresThreshold, lowFp.Threshold);
        Assert.Equal(-1.0, lowFp.RawScore, Tolerance);
        Assert.Equal(0, lowFp.NormalizedScore, Tolerance);

        var lowFn = scorer.Optimize(NabProfile.RewardLowFalseNegativeRate);
        Assert.Equal(0.3, lowFn.Threshold);
        Assert.Equal(-0.1, lowFn.RawScore, 1e-12);
    }

    [Fact]
    public void Sweep_ListsEveryDistinctScoreFromNeverDown()
    {
        var hits = Enumerable.Range(6, 10).Select(r => (r, 0.4)).Append((20, 0.3)).ToArray();
        var sweep = new NabScorer([File(40, hits, (20, 23))]).Sweep(Standard);
        Assert.Equal([NabScorer.NeverFiresThreshold, 0.4, 0.3, 0.0], sweep.Select(s => s.Threshold));
        Assert.Equal([-1.0, -2.1, -0.1], sweep.Take(3).Select(s => Math.Round(s.RawScore, 12)));
    }

    [Fact]
    public void Optimize_TiedScores_PicksTheHighestThreshold()
    {
        // Row 5 (window start) scores 0.9, row 6 (same window) 0.8: lowering the threshold to 0.8 adds nothing, so 0.9 and
        // 0.8 tie at +1; NAB's stable sort keeps the higher one.
        var best = new NabScorer([File(20, [(5, 0.9), (6, 0.8)], (5, 8))]).Optimize(Standard);
        Assert.Equal(0.9, best.Threshold);
        Assert.Equal(1.0, best.RawScore, Tolerance);
    }

    [Fact]
    public void Optimize_RandomFiles_MatchesBruteForceOverEveryThreshold()
    {
        var rng = new Random(7);
        var files = new List<NabSeries>();
        for (var f = 0; f < 6; f++)
        {
            var rows = rng.Next(30, 400);
            var ts = Enumerable.Range(0, rows).Select(i => i * Minute).ToArray();
            // Scores on a coarse grid so many rows tie.
            var scores = Enumerable.Range(0, rows).Select(_ => Math.Round(rng.NextDouble() * 20) / 20).ToArray();
            var windows = new List<NabWindow>();
            var at = NabScorer.ProbationaryLength(rows) + rng.Next(0, 10);
            while (at + 6 < rows && windows.Count < 3)
            {
                var width = rng.Next(2, Math.Min(30, rows - at));
                windows.Add(new NabWindow(ts[at], ts[at + width - 1]));
                at += width + rng.Next(1, 60);
            }

            files.Add(new NabSeries($"f{f}.csv", ts, scores, windows));
        }

        var scorer = new NabScorer(files);
        var candidates = files
            .SelectMany(f => f.AnomalyScores.Skip(NabScorer.ProbationaryLength(f.AnomalyScores.Count)))
            .Distinct()
            .Append(NabScorer.NeverFiresThreshold)
            .ToList();
        foreach (var profile in NabProfile.All)
        {
            var sweep = scorer.Sweep(profile);
            Assert.Equal(candidates.Count, sweep.Count);
            foreach (var s in sweep)
            {
                var direct = scorer.ScoreAt(profile, s.Threshold);
                Assert.Equal(direct.RawScore, s.RawScore, 1e-9);
                Assert.Equal((direct.DetectedWindows, direct.FalsePositives, direct.TruePositiveRows, direct.TrueNegativeRows),
                    (s.DetectedWindows, s.FalsePositives, s.TruePositiveRows, s.TrueNegativeRows));
            }

            var brute = candidates.Max(t => scorer.ScoreAt(profile, t).RawScore);
            Assert.Equal(brute, scorer.Optimize(profile).RawScore, 1e-9);
        }
    }

    [Fact]
    public void Constructor_WindowEndNotARowTimestamp_Throws()
    {
        var file = File(20, []) with { Windows = [new NabWindow(5 * Minute, (8 * Minute) + 1)] };
        var ex = Assert.Throws<ArgumentException>(() => new NabScorer([file]));
        Assert.Contains("no row's timestamp", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WindowEndOnRepeatedTimestamp_Throws()
    {
        var file = File(20, [], (5, 8));
        var ts = file.TimestampsMs.ToArray();
        ts[9] = ts[8];
        Assert.Throws<ArgumentException>(() => new NabScorer([file with { TimestampsMs = ts }]));
    }

    [Fact]
    public void Constructor_OverlappingWindows_Throws() =>
        Assert.Throws<ArgumentException>(() => new NabScorer([File(40, [], (10, 15), (15, 20))]));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Constructor_ScoreOutsideUnitInterval_Throws(double bad) =>
        Assert.Throws<ArgumentException>(() => new NabScorer([File(20, [(10, bad)])]));

    [Fact]
    public void Constructor_FewerScoresThanRows_Throws()
    {
        var file = File(20, []);
        Assert.Throws<ArgumentException>(() => new NabScorer([file with { AnomalyScores = new double[19] }]));
    }

    [Fact]
    public void ScoreAt_TimestampsSteppingBack_MatchWindowsByRowPosition()
    {
        // Rows 12..14 repeat earlier times (a clock stepping back), yet the window is rows 10..16 by position (w = 7):
        // row 15 firing is σ(−(16−15+1)/7)/σ(−1).
        var file = File(30, [(15, 0.9)]);
        var ts = file.TimestampsMs.ToArray();
        ts[12] = 2 * Minute;
        ts[13] = 3 * Minute;
        ts[14] = 4 * Minute;
        var s = ScoreAtHalf(file with { TimestampsMs = ts, Windows = [new NabWindow(ts[10], ts[16])] });
        Assert.Equal(NabScorer.ScaledSigmoid(-2.0 / 7) / NabScorer.ScaledSigmoid(-1), s.RawScore, Tolerance);
    }
}
