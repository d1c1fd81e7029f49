namespace FinScale.Baselining.Tests;

public class CusumTests
{
    private const float Drift = 0.5f;
    private const float Threshold = 5f;
    private const int Steps = 3;

    [Theory]
    [MemberData(nameof(KernelPaths.Available), MemberType = typeof(KernelPaths))]
    public void Update_EveryLength0To300_MatchesScalarReference(string path)
    {
        var rng = new Random(42);
        for (int n = 0; n <= KernelPaths.MaxLength; n++)
        {
            // Sums from 0 to a little past the threshold, so restarts and sums left over from a higher threshold both occur.
            float[] upper = RandomSums(rng, n), lower = RandomSums(rng, n);
            float[] expectedUpper = (float[])upper.Clone(), expectedLower = (float[])lower.Clone(), expectedStatistic = new float[n];
            float[] actualUpper = (float[])upper.Clone(), actualLower = (float[])lower.Clone(), actualStatistic = new float[n];

            for (int step = 0; step < Steps; step++)
            {
                float[] z = RandomZ(rng, n);
                Cusum.UpdateScalar(z, expectedUpper, expectedLower, expectedStatistic, Drift, Threshold);
                Run(path, z, actualUpper, actualLower, actualStatistic);

                KernelPaths.AssertClose(expectedStatistic, actualStatistic, "statistic", n, step);
                KernelPaths.AssertClose(expectedUpper, actualUpper, "upper", n, step);
                KernelPaths.AssertClose(expectedLower, actualLower, "lower", n, step);
            }
        }
    }

    [Fact]
    public void Update_StationaryNoise_StaysNearZeroAndRarelyAlarms()
    {
        const int seriesCount = 1_000, points = 500;
        var rng = new Random(42);
        float[] z = new float[seriesCount], upper = new float[seriesCount], lower = new float[seriesCount], statistic = new float[seriesCount];
        double sumMagnitude = 0;
        int alarms = 0;

        for (int t = 0; t < points; t++)
        {
            for (int k = 0; k < seriesCount; k++)
            {
                z[k] = Gaussian.Next(rng, 0f, 1f);
            }

            Cusum.Update(z, upper, lower, statistic, Drift, Threshold);
            foreach (float s in statistic)
            {
                sumMagnitude += MathF.Abs(s);
                alarms += MathF.Abs(s) > Threshold ? 1 : 0;
            }
        }

        // Noise keeps the larger sum near 1 (a fifth of h) on average; theory for k = 0.5, h = 5 puts one false alarm
        // in about 470 points (two-sided), so 500,000 points give about 1,060.
        double meanMagnitude = sumMagnitude / (seriesCount * points);
        Assert.True(meanMagnitude < 0.25 * Threshold, $"mean |statistic| = {meanMagnitude}");
        Assert.InRange(alarms, 500, 2_000);
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(-1.5f)]
    public void Update_ShiftOf1Point5Sigma_DetectedWithinAFewDozenPointsWithItsSign(float shift)
    {
        const int seriesCount = 1_000, before = 200, after = 60;
        var rng = new Random(42);
        float[] z = new float[seriesCount], upper = new float[seriesCount], lower = new float[seriesCount], statistic = new float[seriesCount];
        int[] delay = Enumerable.Repeat(-1, seriesCount).ToArray();

        for (int t = 0; t < before + after; t++)
        {
            for (int k = 0; k < seriesCount; k++)
            {
                z[k] = Gaussian.Next(rng, t < before ? 0f : shift, 1f);
            }

            Cusum.Update(z, upper, lower, statistic, Drift, Threshold);
            for (int k = 0; k < seriesCount; k++)
            {
                if (t >= before && delay[k] < 0 && MathF.Abs(statistic[k]) > Threshold)
                {
                    Assert.Equal(MathF.Sign(shift), MathF.Sign(statistic[k]));
                    delay[k] = t - before + 1;
                }
            }
        }

        // Theory (Siegmund): about 6 points on average for a shift of 1.5 with k = 0.5, h = 5.
        Assert.All(delay, d => Assert.InRange(d, 1, 36));
        Assert.InRange(delay.Order().ElementAt(seriesCount / 2), 3, 9);
    }

    [Fact]
    public void Update_LevelShiftOnSeasonalSeries_CusumOfSeasonalResidualDetectsIt()
    {
        const int period = 24, warmPeriods = 20;
        const float sigma = 2f;
        var rng = new Random(42);
        float[] alpha = [0.05f], mean = new float[period], scale = new float[period], count = new float[period], residual = new float[1];
        float[] upper = [0f], lower = [0f], statistic = new float[1];
        int firstAlarm = -1;

        for (int t = 0; t < (warmPeriods + 3) * period; t++)
        {
            int bucket = t % period;
            float shift = t >= warmPeriods * period ? 1.5f * sigma : 0f;
            float x = 200f + 30f * MathF.Sin(2f * MathF.PI * bucket / period) + shift + Gaussian.Next(rng, 0f, sigma);
            SeasonalProfile.ScoreAndUpdate([x], alpha, mean.AsSpan(bucket, 1), scale.AsSpan(bucket, 1), count.AsSpan(bucket, 1), residual, 3f, 3);
            Cusum.Update(residual, upper, lower, statistic, Drift, 8f);
            if (statistic[0] > 8f && t >= warmPeriods * period && firstAlarm < 0)
            {
                firstAlarm = t - warmPeriods * period;
            }
        }

        Assert.InRange(firstAlarm, 0, 36);
    }

    [Fact]
    public void Update_SumPassesThreshold_ReportsItThenRestartsBothSums()
    {
        float[] upper = [4.8f, 1f], lower = [0.2f, 4.9f], statistic = new float[2];

        Cusum.UpdateScalar([1f, -0.7f], upper, lower, statistic, Drift, Threshold);

        Assert.Equal(4.8f + 1f - Drift, statistic[0]);                         // 5.3 > 5: reported, then restarted
        Assert.Equal((0f, 0f), (upper[0], lower[0]));
        Assert.Equal(-(4.9f + 0.7f - Drift), statistic[1]);                    // a downward shift reports negative
        Assert.Equal((0f, 0f), (upper[1], lower[1]));
    }

    [Fact]
    public void Update_BelowThreshold_AccumulatesAndForgivesDrift()
    {
        float[] upper = [1f], lower = [0.3f], statistic = new float[1];

        Cusum.UpdateScalar([0.75f], upper, lower, statistic, Drift, Threshold);

        Assert.Equal(1.25f, upper[0]);
        Assert.Equal(0f, lower[0]);                                            // 0.3 - 0.75 - 0.5 floors at 0
        Assert.Equal(1.25f, statistic[0]);
    }

    [Fact]
    public void Update_InfiniteThreshold_NeverRestarts()
    {
        float[] upper = [0f], lower = [0f], statistic = new float[1];
        for (int i = 0; i < 100; i++)
        {
            Cusum.Update([3f], upper, lower, statistic, Drift, float.PositiveInfinity);
        }

        Assert.Equal(250f, upper[0]);
        Assert.Equal(250f, statistic[0]);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Update_NonFiniteZ_LeavesSumsUnchangedAndReportsThem(float bad)
    {
        const int n = 37;                                                      // vectors plus a scalar tail on any width
        float[] z = new float[n], upper = new float[n], lower = new float[n], statistic = new float[n];
        for (int i = 0; i < n; i++)
        {
            z[i] = i % 2 == 0 ? bad : 1f;
            upper[i] = 0.25f * (i % 8);
            lower[i] = 0.5f * (i % 5);
        }

        float[] upperBefore = (float[])upper.Clone(), lowerBefore = (float[])lower.Clone();

        Cusum.Update(z, upper, lower, statistic, Drift, Threshold);

        for (int i = 0; i < n; i++)
        {
            if (i % 2 == 0)
            {
                Assert.Equal((upperBefore[i], lowerBefore[i]), (upper[i], lower[i]));
                Assert.Equal(upperBefore[i] >= lowerBefore[i] ? upperBefore[i] : -lowerBefore[i], statistic[i]);
            }
            else
            {
                Assert.Equal(upperBefore[i] + 0.5f, upper[i]);
            }
        }
    }

    [Fact]
    public void Update_OverflowingSum_RestartsInsteadOfStayingInfinite()
    {
        float[] upper = [float.MaxValue], lower = [0f], statistic = new float[1];

        Cusum.UpdateScalar([float.MaxValue], upper, lower, statistic, Drift, Threshold);

        Assert.Equal(float.PositiveInfinity, statistic[0]);
        Assert.Equal((0f, 0f), (upper[0], lower[0]));
    }

    [Theory]
    [InlineData("upper")]
    [InlineData("lower")]
    [InlineData("statistic")]
    public void Update_LengthMismatch_ThrowsArgumentExceptionNamingParameter(string shortOne)
    {
        float[] Make(string name) => new float[name == shortOne ? 3 : 4];

        var ex = Assert.Throws<ArgumentException>(() => Cusum.Update(new float[4], Make("upper"), Make("lower"), Make("statistic"), Drift, Threshold));

        Assert.Equal(shortOne, ex.ParamName);
    }

    [Theory]
    [InlineData(-0.1f, Threshold, "drift")]
    [InlineData(float.NaN, Threshold, "drift")]
    [InlineData(float.PositiveInfinity, Threshold, "drift")]
    [InlineData(Drift, 0f, "threshold")]
    [InlineData(Drift, -1f, "threshold")]
    [InlineData(Drift, float.NaN, "threshold")]
    public void Update_InvalidDriftOrThreshold_ThrowsArgumentOutOfRange(float drift, float threshold, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => Cusum.Update(new float[4], new float[4], new float[4], new float[4], drift, threshold));

        Assert.Equal(parameter, ex.ParamName);
    }

    private static float[] RandomSums(Random rng, int n)
    {
        var sums = new float[n];
        for (int i = 0; i < n; i++)
        {
            sums[i] = rng.Next(4) == 0 ? 0f : 1.2f * Threshold * rng.NextSingle();
        }

        return sums;
    }

    // Mostly ordinary z-scores, with large ones, exact zeros and non-finite values mixed in.
    private static float[] RandomZ(Random rng, int n)
    {
        var z = new float[n];
        for (int i = 0; i < n; i++)
        {
            z[i] = rng.Next(30) switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => float.NegativeInfinity,
                3 => 0f,
                4 => 1e6f * (2f * rng.NextSingle() - 1f),
                _ => Gaussian.Next(rng, 0f, 1.5f),
            };
        }

        return z;
    }

    private static void Run(string path, float[] z, float[] upper, float[] lower, float[] statistic)
    {
        if (path == KernelPaths.Dispatch)
        {
            Cusum.Update(z, upper, lower, statistic, Drift, Threshold);
            return;
        }

        int done = path switch
        {
            KernelPaths.Vector512Path => Cusum.UpdateVector512(z, upper, lower, statistic, Drift, Threshold),
            KernelPaths.Vector256Path => Cusum.UpdateVector256(z, upper, lower, statistic, Drift, Threshold),
            _ => Cusum.UpdateVector128(z, upper, lower, statistic, Drift, Threshold),
        };

        int n = z.Length;
        Assert.Equal(n - n % KernelPaths.Width(path), done);
        Cusum.UpdateScalar(z.AsSpan(done), upper.AsSpan(done), lower.AsSpan(done), statistic.AsSpan(done), Drift, Threshold);
    }
}
