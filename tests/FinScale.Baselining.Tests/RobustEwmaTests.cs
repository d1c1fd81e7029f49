namespace FinScale.Baselining.Tests;

public class RobustEwmaTests
{
    private const float Clip = 3f;
    private const int Steps = 3;

    [Theory]
    [MemberData(nameof(KernelPaths.Available), MemberType = typeof(KernelPaths))]
    public void ScoreAndUpdate_EveryLength0To300_MatchesScalarReference(string path)
    {
        var rng = new Random(42);
        for (int n = 0; n <= KernelPaths.MaxLength; n++)
        {
            var batch = SeriesBatch.Create(rng, n);
            float[] expectedMean = (float[])batch.Mean.Clone(), expectedScale = (float[])batch.Scale.Clone(), expectedZ = new float[n];
            float[] actualMean = (float[])batch.Mean.Clone(), actualScale = (float[])batch.Scale.Clone(), actualZ = new float[n];

            // Several steps, so the comparison also covers state that earlier updates produced.
            for (int step = 0; step < Steps; step++)
            {
                float[] x = batch.NextPoints(rng);
                RobustEwma.ScoreAndUpdateScalar(x, batch.Alpha, expectedMean, expectedScale, expectedZ, Clip);
                Run(path, x, batch.Alpha, actualMean, actualScale, actualZ);

                KernelPaths.AssertClose(expectedZ, actualZ, "z", n, step);
                KernelPaths.AssertClose(expectedMean, actualMean, "mean", n, step);
                KernelPaths.AssertClose(expectedScale, actualScale, "scale", n, step);
            }
        }
    }

    [Fact]
    public void ScoreAndUpdate_FlatSeriesThenSpike_LargeZAndMeanBarelyMoves()
    {
        float[] alpha = [0.1f], mean = [10f], scale = [0f], z = new float[1];
        for (int i = 0; i < 50; i++)
        {
            RobustEwma.ScoreAndUpdateScalar([10f], alpha, mean, scale, z, Clip);
            Assert.Equal(0f, z[0]);
        }

        Assert.Equal(0f, scale[0]);

        RobustEwma.ScoreAndUpdateScalar([1000f], alpha, mean, scale, z, Clip);

        // The floor is 1e-6 + 1e-4 * 10, so the spike scores about 990 / 0.001 and moves the mean by at most alpha * clip * 0.001.
        Assert.True(z[0] > 1e5f, $"z = {z[0]}");
        Assert.True(MathF.Abs(mean[0] - 10f) < 1e-3f, $"mean = {mean[0]}");
        Assert.True(float.IsFinite(scale[0]), $"scale = {scale[0]}");
    }

    [Fact]
    public void ScoreAndUpdate_NoisySeriesThenSpike_MeanMovesAtMostClipScales()
    {
        var rng = new Random(42);
        float[] alpha = [0.05f], mean = [100f], scale = [1f], z = new float[1];
        for (int i = 0; i < 2_000; i++)
        {
            RobustEwma.ScoreAndUpdateScalar([Gaussian.Next(rng, 100f, 1f)], alpha, mean, scale, z, Clip);
        }

        float meanBefore = mean[0], scaleBefore = scale[0];
        RobustEwma.ScoreAndUpdateScalar([mean[0] + 50f], alpha, mean, scale, z, Clip);

        Assert.True(z[0] > 30f, $"z = {z[0]}");
        Assert.True(mean[0] - meanBefore <= alpha[0] * Clip * scaleBefore * 1.0001f, $"mean moved {mean[0] - meanBefore}");
    }

    [Fact]
    public void ScoreAndUpdate_ManyGaussianPoints_ScaleApproachesSigma()
    {
        const float sigma = 2.5f;
        var rng = new Random(42);
        // A small alpha averages enough points that the estimate's own noise is a few percent at most.
        float[] alpha = [0.002f], mean = [-40f], scale = [1f], z = new float[1];
        for (int i = 0; i < 20_000; i++)
        {
            RobustEwma.ScoreAndUpdateScalar([Gaussian.Next(rng, -40f, sigma)], alpha, mean, scale, z, Clip);
        }

        Assert.InRange(scale[0], 0.9f * sigma, 1.1f * sigma);
        Assert.InRange(mean[0], -40f - 0.2f * sigma, -40f + 0.2f * sigma);
    }

    [Fact]
    public void ScoreAndUpdate_OnePoint_ScoresAgainstStateBeforeUpdate()
    {
        float[] alpha = [0.5f], mean = [5f], scale = [2f], z = new float[1];

        RobustEwma.ScoreAndUpdateScalar([9f], alpha, mean, scale, z, 10f);

        Assert.Equal(2f, z[0]);                                                    // (9 - 5) / 2, the old state
        Assert.Equal(7f, mean[0]);                                                 // 5 + 0.5 * 4
        Assert.Equal(2f + 0.5f * (4f * RobustEwma.NormalConsistency - 2f), scale[0]);
    }

    [Fact]
    public void ScoreAndUpdate_DispatchOnLongBatch_ScoresAgainstStateBeforeUpdate()
    {
        const int n = 37;                                                          // vectors plus a scalar tail on any width
        float[] x = new float[n], alpha = new float[n], mean = new float[n], scale = new float[n], z = new float[n];
        Array.Fill(x, 9f);
        Array.Fill(alpha, 0.5f);
        Array.Fill(mean, 5f);
        Array.Fill(scale, 2f);

        RobustEwma.ScoreAndUpdate(x, alpha, mean, scale, z, 10f);

        Assert.All(z, v => Assert.Equal(2f, v));
        Assert.All(mean, v => Assert.Equal(7f, v));
    }

    [Theory]
    [InlineData("alpha")]
    [InlineData("mean")]
    [InlineData("scale")]
    [InlineData("z")]
    public void ScoreAndUpdate_LengthMismatch_ThrowsArgumentExceptionNamingParameter(string shortOne)
    {
        float[] Make(string name) => new float[name == shortOne ? 3 : 4];

        var ex = Assert.Throws<ArgumentException>(
            () => RobustEwma.ScoreAndUpdate(new float[4], Make("alpha"), Make("mean"), Make("scale"), Make("z"), Clip));

        Assert.Equal(shortOne, ex.ParamName);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void ScoreAndUpdate_InvalidClip_ThrowsArgumentOutOfRange(float clip)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => RobustEwma.ScoreAndUpdate(new float[4], new float[4], new float[4], new float[4], new float[4], clip));

        Assert.Equal("clip", ex.ParamName);
    }

    private static void Run(string path, float[] x, float[] alpha, float[] mean, float[] scale, float[] z)
    {
        if (path == KernelPaths.Dispatch)
        {
            RobustEwma.ScoreAndUpdate(x, alpha, mean, scale, z, Clip);
            return;
        }

        int done = path switch
        {
            KernelPaths.Vector512Path => RobustEwma.ScoreAndUpdateVector512(x, alpha, mean, scale, z, Clip),
            KernelPaths.Vector256Path => RobustEwma.ScoreAndUpdateVector256(x, alpha, mean, scale, z, Clip),
            _ => RobustEwma.ScoreAndUpdateVector128(x, alpha, mean, scale, z, Clip),
        };

        int n = x.Length;
        Assert.Equal(n - n % KernelPaths.Width(path), done);
        RobustEwma.ScoreAndUpdateScalar(x.AsSpan(done), alpha.AsSpan(done), mean.AsSpan(done), scale.AsSpan(done), z.AsSpan(done), Clip);
    }
}
