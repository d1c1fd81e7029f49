using BenchmarkDotNet.Attributes;
using FinScale.Baselining;

namespace FinScale.Benchmarks;

/// <summary>
/// SeasonalProfile.ScoreAndUpdate at 1 M and 10 M series over already-gathered bucket state: reads x, alpha, mean,
/// scale, count (20 B/series), writes mean, scale, count, residual (16 B). Buckets are warm, so every point is scored
/// and clipped (the warm-up branch costs the same: it is a select, not a branch).
/// </summary>
public class SeasonalProfileThroughput : KernelThroughputBenchmarks
{
    private float[] _x = [];
    private float[] _alpha = [];
    private float[] _mean = [];
    private float[] _scale = [];
    private float[] _count = [];
    private float[] _residual = [];

    /// <summary>The scalar reference.</summary>
    [Benchmark(Baseline = true)]
    public void Scalar() => SeasonalProfile.ScoreAndUpdateScalar(_x, _alpha, _mean, _scale, _count, _residual, 3f, 3);

    /// <summary>The dispatching entry point (widest vector the CPU has).</summary>
    [Benchmark]
    public void Vectorised() => SeasonalProfile.ScoreAndUpdate(_x, _alpha, _mean, _scale, _count, _residual, 3f, 3);

    /// <inheritdoc/>
    protected override void SetupKernel(Random rng)
    {
        _x = new float[Series];
        _alpha = new float[Series];
        _mean = new float[Series];
        _scale = new float[Series];
        _count = new float[Series];
        _residual = new float[Series];
        for (var i = 0; i < Series; i++)
        {
            _x[i] = 100f + (10f * rng.NextSingle());
            _alpha[i] = 0.02f;
            _mean[i] = 100f;
            _scale[i] = 5f;
            _count[i] = 100f;
        }
    }

    /// <inheritdoc/>
    protected override float[][] ArraysRead() => [_x, _alpha, _mean, _scale, _count];
}
