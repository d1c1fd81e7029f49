namespace FinScale.Baselining.Tests;

public class SeasonalProfileTests
{
    private const float Clip = 3f;
    private const int WarmUp = 3;
    private const int Steps = 3;

    [Theory]
    [MemberData(nameof(KernelPaths.Available), MemberType = typeof(KernelPaths))]
    public void ScoreAndUpdate_EveryLength0To300_MatchesScalarReference(string path)
    {
        var rng = new Random(42);
        for (int n = 0; n <= KernelPaths.MaxLength; n++)
        {
            var batch = SeriesBatch.Create(rng, n);
            float[] counts = RandomCounts(rng, n);
            float[] expectedMean = (float[])batch.Mean.Clone(), expectedScale = (float[])batch.Scale.Clone(), expectedCount = (float[])counts.Clone();
            float[] actualMean = (float[])batch.Mean.Clone(), actualScale = (float[])batch.Scale.Clone(), actualCount = (float[])counts.Clone();
            float[] expectedResidual = new float[n], actualResidual = new float[n];

            // Several steps, so the comparison also covers buckets that cross from warming up to warm.
            for (int step = 0; step < Steps; step++)
            {
                float[] x = WithNonFinite(rng, batch.NextPoints(rng));
                SeasonalProfile.ScoreAndUpdateScalar(x, batch.Alpha, expectedMean, expectedScale, expectedCount, expectedResidual, Clip, WarmUp);
                Run(path, x, batch.Alpha, actualMean, actualScale, actualCount, actualResidual);

                KernelPaths.AssertClose(expectedResidual, actualResidual, "residual", n, step);
                KernelPaths.AssertClose(expectedMean, actualMean, "mean", n, step);
                KernelPaths.AssertClose(expectedScale, actualScale, "scale", n, step);
                KernelPaths.AssertClose(expectedCount, actualCount, "count", n, step);
            }
        }
    }

    [Fact]
    public void ScoreAndUpdate_NoisySine_ResidualFallsToNoiseLevelWithinFewPeriods()
    {
        const int period = 24;
        const float sigma = 1f;
        var rng = new Random(42);
        float[] alpha = [0.05f], mean = new float[period], scale = new float[period], count = new float[period], residual = new float[1];
        // The same points through a level-only baseline, started at the right level, to show what the profile takes out.
        float[] levelMean = [100f], levelScale = [sigma], levelZ = new float[1], levelAlpha = [0.05f];
        double earlySquares = 0, lateSquares = 0, lateResidualSquares = 0, lateLevelSquares = 0;
        int early = 0, late = 0;

        for (int t = 0; t < 40 * period; t++)
        {
            int bucket = t % period;
            float x = 100f + 10f * MathF.Sin(2f * MathF.PI * bucket / period) + Gaussian.Next(rng, 0f, sigma);
            float meanBefore = mean[bucket], levelBefore = levelMean[0];
            SeasonalProfile.ScoreAndUpdateScalar([x], alpha, mean.AsSpan(bucket, 1), scale.AsSpan(bucket, 1), count.AsSpan(bucket, 1), residual, Clip, WarmUp);
            RobustEwma.ScoreAndUpdateScalar([x], levelAlpha, levelMean, levelScale, levelZ, Clip);

            int p = t / period;
            if (p < WarmUp)
            {
                Assert.Equal(0f, residual[0]);                                     // still warming up: nothing scored
            }
            else if (p < 8)
            {
                earlySquares += (x - meanBefore) * (x - meanBefore);
                early++;
            }
            else if (p >= 30)
            {
                lateSquares += (x - meanBefore) * (x - meanBefore);
                lateResidualSquares += residual[0] * residual[0];
                lateLevelSquares += (x - levelBefore) * (x - levelBefore);
                late++;
            }
        }

        double earlyRms = Math.Sqrt(earlySquares / early), lateRms = Math.Sqrt(lateSquares / late);
        Assert.True(earlyRms < 1.5 * sigma, $"periods 3-7: rms(x - profile mean) = {earlyRms}");       // amplitude 10: far above noise
        Assert.InRange(lateRms, 0.85 * sigma, 1.2 * sigma);
        Assert.InRange(Math.Sqrt(lateResidualSquares / late), 0.8, 1.25);                            // scale learned as sigma
        Assert.All(scale, s => Assert.InRange(s, 0.5f * sigma, 2f * sigma));
        Assert.True(Math.Sqrt(lateLevelSquares / late) > 3 * sigma, "a level-only baseline sees the season as deviation");
    }

    [Fact]
    public void ScoreAndUpdate_ManySeriesThroughStateAndGather_EachProfileLearnsItsOwnDay()
    {
        const int seriesCount = 64, buckets = 96, days = 12;
        const long stepMs = SeasonalProfile.MillisecondsPerDay / buckets;      // 15 minutes: each bucket once a day
        const long startMs = 1_704_067_200_000L;                               // 2024-01-01T00:00Z
        var rng = new Random(42);
        var state = new SeasonalProfileState(buckets, 0, 1_000);
        state.EnsureCapacity(seriesCount);
        int[] series = Enumerable.Range(0, seriesCount).ToArray();
        // Each series has its own amplitude, level and clock offset, so the batch's series sit in different buckets.
        float[] amplitude = series.Select(_ => 1f + 20f * rng.NextSingle()).ToArray();
        float[] level = series.Select(_ => -500f + 1000f * rng.NextSingle()).ToArray();
        long[] offsetMs = series.Select(_ => (long)rng.Next(buckets) * stepMs).ToArray();
        int[] bucketOf = new int[seriesCount], index = new int[seriesCount];
        float[] x = new float[seriesCount], alpha = Enumerable.Repeat(0.1f, seriesCount).ToArray();
        float[] mean = new float[seriesCount], scale = new float[seriesCount], count = new float[seriesCount], residual = new float[seriesCount];
        double lateSquares = 0;
        int late = 0;

        for (int t = 0; t < days * buckets; t++)
        {
            long now = startMs + t * stepMs;
            for (int k = 0; k < seriesCount; k++)
            {
                bucketOf[k] = SeasonalProfile.BucketOf(now, SeasonalProfile.MillisecondsPerDay, buckets, offsetMs[k]);
                x[k] = level[k] + amplitude[k] * MathF.Sin(2f * MathF.PI * bucketOf[k] / buckets) + Gaussian.Next(rng, 0f, 1f);
            }

            state.IndicesOf(series, bucketOf, index);
            GatherScatter.Gather(state.Mean, index, mean);
            GatherScatter.Gather(state.Scale, index, scale);
            GatherScatter.Gather(state.Count, index, count);
            if (t >= (days - 3) * buckets)
            {
                for (int k = 0; k < seriesCount; k++)
                {
                    lateSquares += (x[k] - mean[k]) * (x[k] - mean[k]);
                    late++;
                }
            }

            SeasonalProfile.ScoreAndUpdate(x, alpha, mean, scale, count, residual, Clip, WarmUp);
            GatherScatter.Scatter(mean, index, state.Mean);
            GatherScatter.Scatter(scale, index, state.Scale);
            GatherScatter.Scatter(count, index, state.Count);
        }

        Assert.InRange(Math.Sqrt(lateSquares / late), 0.85, 1.2);
        Assert.All(state.Count, c => Assert.Equal(days, c));                   // every bucket of every series, once a day
        for (int k = 0; k < seriesCount; k++)
        {
            const int peak = buckets / 4;                                      // sin peaks a quarter period in
            Assert.InRange(state.Mean[state.IndexOf(k, peak)], level[k] + amplitude[k] - 1.5f, level[k] + amplitude[k] + 1.5f);
        }
    }

    [Fact]
    public void ScoreAndUpdate_FirstVisits_LearnUnclippedAndScoreNothingUntilWarm()
    {
        float[] alpha = [0.01f], mean = [0f], scale = [0f], count = [0f], residual = [float.NaN];

        SeasonalProfile.ScoreAndUpdateScalar([1000f], alpha, mean, scale, count, residual, Clip, WarmUp);
        Assert.Equal((1000f, 0f, 1f, 0f), (mean[0], scale[0], count[0], residual[0]));   // the first visit sets the level

        SeasonalProfile.ScoreAndUpdateScalar([1010f], alpha, mean, scale, count, residual, Clip, WarmUp);
        Assert.Equal(1005f, mean[0]);                                                      // running mean, weight 1/2
        Assert.Equal(10f * RobustEwma.NormalConsistency, scale[0]);                        // first deviation, weight 1
        Assert.Equal((2f, 0f), (count[0], residual[0]));

        // The third visit is still warm-up (WarmUp = 3 visits seen before scoring): unclipped, though 60 scales out.
        float scaleBefore = scale[0];
        SeasonalProfile.ScoreAndUpdateScalar([2000f], alpha, mean, scale, count, residual, Clip, WarmUp);
        Assert.Equal(1005f + (1f / 3f) * 995f, mean[0]);
        Assert.Equal(scaleBefore + 0.5f * (995f * RobustEwma.NormalConsistency - scaleBefore), scale[0]);
        Assert.Equal((3f, 0f), (count[0], residual[0]));

        float meanBefore = mean[0];
        scaleBefore = scale[0];
        SeasonalProfile.ScoreAndUpdateScalar([meanBefore + 10f], alpha, mean, scale, count, residual, Clip, WarmUp);
        Assert.Equal((meanBefore + 10f - meanBefore) / scaleBefore, residual[0]);         // warm: scored from the old state
        Assert.Equal(meanBefore + 0.25f * (meanBefore + 10f - meanBefore), mean[0]);      // within clip, weight 1/(3+1)
        Assert.Equal(4f, count[0]);
    }

    [Fact]
    public void ScoreAndUpdate_WarmBucketThenSpike_MeanMovesAtMostClipScales()
    {
        float[] alpha = [0.1f], mean = [50f], scale = [2f], count = [100f], residual = new float[1];

        SeasonalProfile.ScoreAndUpdateScalar([10_000f], alpha, mean, scale, count, residual, Clip, WarmUp);

        Assert.Equal((10_000f - 50f) / 2f, residual[0]);
        Assert.Equal(50f + 0.1f * (Clip * 2f), mean[0]);
        Assert.Equal(2f + 0.1f * (Clip * 2f * RobustEwma.NormalConsistency - 2f), scale[0]);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void ScoreAndUpdate_NonFinitePoint_LeavesStateUnchangedAndScoresZero(float bad)
    {
        const int n = 37;                                                      // vectors plus a scalar tail on any width
        float[] x = new float[n], alpha = new float[n], mean = new float[n], scale = new float[n], count = new float[n], residual = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = i % 3 == 0 ? bad : 12f;
            alpha[i] = 0.2f;
            mean[i] = 10f;
            scale[i] = 3f;
            count[i] = i % 2 == 0 ? 0f : 10f;                                  // cold and warm buckets alike
        }

        float[] meanBefore = (float[])mean.Clone(), scaleBefore = (float[])scale.Clone(), countBefore = (float[])count.Clone();

        SeasonalProfile.ScoreAndUpdate(x, alpha, mean, scale, count, residual, Clip, WarmUp);

        for (int i = 0; i < n; i += 3)
        {
            Assert.Equal((meanBefore[i], scaleBefore[i], countBefore[i], 0f), (mean[i], scale[i], count[i], residual[i]));
        }

        Assert.Equal((12f - 10f) / 3f, residual[1]);                           // ordinary points beside them still update
        Assert.Equal(11f, count[1]);
    }

    [Fact]
    public void ScoreAndUpdate_HugeFinitePoint_SkippedWhileWarmingUpAndClippedWithFiniteResidualWhenWarm()
    {
        const int n = 37;
        float[] x = new float[n], alpha = new float[n], mean = new float[n], scale = new float[n], count = new float[n], residual = new float[n];
        Array.Fill(x, float.MaxValue);
        Array.Fill(alpha, 0.2f);
        Array.Fill(mean, -float.MaxValue / 2);
        Array.Fill(scale, 3f);
        for (int i = 0; i < n; i++)
        {
            count[i] = i % 2 == 0 ? 1f : 10f;
        }

        SeasonalProfile.ScoreAndUpdate(x, alpha, mean, scale, count, residual, Clip, WarmUp);

        for (int i = 0; i < n; i++)
        {
            if (i % 2 == 0)
            {
                // Unclipped, x - mean overflows: the update is skipped rather than storing infinity.
                Assert.Equal((-float.MaxValue / 2, 3f, 1f, 0f), (mean[i], scale[i], count[i], residual[i]));
            }
            else
            {
                // Clipped, the step is finite; the residual saturates instead of becoming infinite.
                Assert.Equal(float.MaxValue, residual[i]);
                Assert.Equal(11f, count[i]);
                Assert.True(float.IsFinite(mean[i]) && float.IsFinite(scale[i]), $"mean {mean[i]}, scale {scale[i]}");
            }
        }
    }

    [Fact]
    public void ScoreAndUpdate_CountAt2To24_StaysThere()
    {
        const float saturated = 16_777_216f;
        float[] alpha = [0.1f], mean = [1f], scale = [1f], count = [saturated], residual = new float[1];

        SeasonalProfile.ScoreAndUpdateScalar([1.5f], alpha, mean, scale, count, residual, Clip, WarmUp);

        Assert.Equal(saturated, count[0]);
        Assert.Equal(1f + 0.1f * 0.5f, mean[0]);
    }

    [Theory]
    [InlineData("alpha")]
    [InlineData("mean")]
    [InlineData("scale")]
    [InlineData("count")]
    [InlineData("residual")]
    public void ScoreAndUpdate_LengthMismatch_ThrowsArgumentExceptionNamingParameter(string shortOne)
    {
        float[] Make(string name) => new float[name == shortOne ? 3 : 4];

        var ex = Assert.Throws<ArgumentException>(
            () => SeasonalProfile.ScoreAndUpdate(new float[4], Make("alpha"), Make("mean"), Make("scale"), Make("count"), Make("residual"), Clip, WarmUp));

        Assert.Equal(shortOne, ex.ParamName);
    }

    [Theory]
    [InlineData(-1f, WarmUp, "clip")]
    [InlineData(float.NaN, WarmUp, "clip")]
    [InlineData(Clip, 1, "warmUpVisits")]
    public void ScoreAndUpdate_InvalidClipOrWarmUp_ThrowsArgumentOutOfRange(float clip, int warmUp, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => SeasonalProfile.ScoreAndUpdate(new float[4], new float[4], new float[4], new float[4], new float[4], new float[4], clip, warmUp));

        Assert.Equal(parameter, ex.ParamName);
    }

    [Theory]
    [InlineData(1_704_067_200_000L, 0)]                                        // 2024-01-01T00:00Z, a Monday
    [InlineData(1_704_067_200_000L + 3_599_999L, 0)]
    [InlineData(1_704_067_200_000L + 3_600_000L, 1)]
    [InlineData(1_704_067_200_000L - 1L, 167)]                                 // Sunday 23:59:59.999
    [InlineData(0L, 72)]                                                       // the epoch: Thursday 00:00
    [InlineData(-1L, 71)]                                                      // before the epoch: Wednesday 23:59
    public void HourOfWeek_Timestamp_CountsHoursFromMondayUtc(long unixMs, int expected) =>
        Assert.Equal(expected, SeasonalProfile.HourOfWeek(unixMs));

    [Theory]
    [InlineData(0L, 1_000L, 10, 0L, 0)]
    [InlineData(999L, 1_000L, 10, 0L, 9)]
    [InlineData(-1L, 1_000L, 10, 0L, 9)]
    [InlineData(250L, 1_000L, 10, 100L, 3)]
    [InlineData(250L, 1_000L, 10, -300L, 9)]
    [InlineData(long.MaxValue, long.MaxValue / 2, 1_000, long.MinValue, 999)]  // no overflow at the extremes: phase is period - 1
    [InlineData(7L, 7L, 7, 0L, 0)]
    public void BucketOf_Timestamp_IsItsPhaseInEqualBuckets(long unixMs, long periodMs, int bucketCount, long offsetMs, int expected)
    {
        int bucket = SeasonalProfile.BucketOf(unixMs, periodMs, bucketCount, offsetMs);

        Assert.Equal(expected, bucket);
    }

    [Theory]
    [InlineData(0L, 10, "periodMs")]
    [InlineData(1_000L, 0, "bucketCount")]
    [InlineData(10L, 11, "bucketCount")]
    public void BucketOf_InvalidPeriodOrBuckets_ThrowsArgumentOutOfRange(long periodMs, int bucketCount, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SeasonalProfile.BucketOf(0, periodMs, bucketCount, 0));

        Assert.Equal(parameter, ex.ParamName);
    }

    // Cold, just-warming, just-warm, long-warm and saturated buckets, in random order.
    private static float[] RandomCounts(Random rng, int n)
    {
        var counts = new float[n];
        for (int i = 0; i < n; i++)
        {
            counts[i] = rng.Next(7) switch
            {
                0 => 0f,
                1 => 1f,
                2 => WarmUp - 1,
                3 => WarmUp,
                4 => 16_777_216f,
                _ => rng.Next(1_000),
            };
        }

        return counts;
    }

    // Roughly one point in ten non-finite or large enough to overflow the state, so the masks are compared too.
    private static float[] WithNonFinite(Random rng, float[] x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.Next(40) switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => float.NegativeInfinity,
                3 => float.MaxValue,
                _ => x[i],
            };
        }

        return x;
    }

    private static void Run(string path, float[] x, float[] alpha, float[] mean, float[] scale, float[] count, float[] residual)
    {
        if (path == KernelPaths.Dispatch)
        {
            SeasonalProfile.ScoreAndUpdate(x, alpha, mean, scale, count, residual, Clip, WarmUp);
            return;
        }

        int done = path switch
        {
            KernelPaths.Vector512Path => SeasonalProfile.ScoreAndUpdateVector512(x, alpha, mean, scale, count, residual, Clip, WarmUp),
            KernelPaths.Vector256Path => SeasonalProfile.ScoreAndUpdateVector256(x, alpha, mean, scale, count, residual, Clip, WarmUp),
            _ => SeasonalProfile.ScoreAndUpdateVector128(x, alpha, mean, scale, count, residual, Clip, WarmUp),
        };

        int n = x.Length;
        Assert.Equal(n - n % KernelPaths.Width(path), done);
        SeasonalProfile.ScoreAndUpdateScalar(
            x.AsSpan(done), alpha.AsSpan(done), mean.AsSpan(done), scale.AsSpan(done), count.AsSpan(done), residual.AsSpan(done), Clip, WarmUp);
    }
}
