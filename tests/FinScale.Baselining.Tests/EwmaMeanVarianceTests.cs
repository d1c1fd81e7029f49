namespace FinScale.Baselining.Tests;

public class EwmaMeanVarianceTests
{
    private const int Steps = 3;

    [Theory]
    [MemberData(nameof(KernelPaths.Available), MemberType = typeof(KernelPaths))]
    public void Update_EveryLength0To300_MatchesScalarReference(string path)
    {
        var rng = new Random(42);
        for (int n = 0; n <= KernelPaths.MaxLength; n++)
        {
            var batch = SeriesBatch.Create(rng, n);
            float[] variance = Array.ConvertAll(batch.Scale, s => s * s);
            float[] expectedMean = (float[])batch.Mean.Clone(), expectedVariance = (float[])variance.Clone();
            float[] actualMean = (float[])batch.Mean.Clone(), actualVariance = (float[])variance.Clone();

            for (int step = 0; step < Steps; step++)
            {
                float[] x = batch.NextPoints(rng);
                EwmaMeanVariance.UpdateScalar(x, batch.Alpha, expectedMean, expectedVariance);
                Run(path, x, batch.Alpha, actualMean, actualVariance);

                KernelPaths.AssertClose(expectedMean, actualMean, "mean", n, step);
                KernelPaths.AssertClose(expectedVariance, actualVariance, "variance", n, step);
            }
        }
    }

    [Fact]
    public void Update_OnePoint_FollowsWestsIncrementalForm()
    {
        float[] alpha = [0.25f], mean = [2f], variance = [1f];

        EwmaMeanVariance.UpdateScalar([6f], alpha, mean, variance);

        Assert.Equal(3f, mean[0]);                                                 // 2 + 0.25 * 4
        Assert.Equal(0.75f * (1f + 4f * 1f), variance[0]);                         // (1 - a) * (v + d * a * d)
    }

    [Fact]
    public void Update_AlphaOne_ForgetsHistory()
    {
        float[] alpha = [1f], mean = [2f], variance = [9f];

        EwmaMeanVariance.UpdateScalar([6f], alpha, mean, variance);

        Assert.Equal(6f, mean[0]);
        Assert.Equal(0f, variance[0]);
    }

    [Fact]
    public void Update_ManyGaussianPoints_VarianceApproachesSigmaSquared()
    {
        const float sigma = 3f;
        var rng = new Random(42);
        float[] alpha = [0.002f], mean = [10f], variance = [1f];
        for (int i = 0; i < 20_000; i++)
        {
            EwmaMeanVariance.UpdateScalar([Gaussian.Next(rng, 10f, sigma)], alpha, mean, variance);
        }

        Assert.InRange(MathF.Sqrt(variance[0]), 0.9f * sigma, 1.1f * sigma);
        Assert.InRange(mean[0], 10f - 0.2f * sigma, 10f + 0.2f * sigma);
    }

    [Theory]
    [InlineData("alpha")]
    [InlineData("mean")]
    [InlineData("variance")]
    public void Update_LengthMismatch_ThrowsArgumentExceptionNamingParameter(string shortOne)
    {
        float[] Make(string name) => new float[name == shortOne ? 3 : 4];

        var ex = Assert.Throws<ArgumentException>(
            () => EwmaMeanVariance.Update(new float[4], Make("alpha"), Make("mean"), Make("variance")));

        Assert.Equal(shortOne, ex.ParamName);
    }

    private static void Run(string path, float[] x, float[] alpha, float[] mean, float[] variance)
    {
        if (path == KernelPaths.Dispatch)
        {
            EwmaMeanVariance.Update(x, alpha, mean, variance);
            return;
        }

        int done = path switch
        {
            KernelPaths.Vector512Path => EwmaMeanVariance.UpdateVector512(x, alpha, mean, variance),
            KernelPaths.Vector256Path => EwmaMeanVariance.UpdateVector256(x, alpha, mean, variance),
            _ => EwmaMeanVariance.UpdateVector128(x, alpha, mean, variance),
        };

        int n = x.Length;
        Assert.Equal(n - n % KernelPaths.Width(path), done);
        EwmaMeanVariance.UpdateScalar(x.AsSpan(done), alpha.AsSpan(done), mean.AsSpan(done), variance.AsSpan(done));
    }
}
