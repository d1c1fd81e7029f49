using BenchmarkDotNet.Attributes;
using FinScale.Baselining;

namespace FinScale.Benchmarks;

/// <summary>RobustEwma.ScoreAndUpdate at 1 M and 10 M series: reads x, alpha, mean, scale (16 B/series), writes mean, scale, z (12 B).</summary>
public class RobustEwmaThroughput : KernelThroughputBenchmarks
{
    private float[] _x = [];
    private float[] _alpha = [];
    private float[] _mean = [];
    private float[] _scale = [];
    private float[] _z = [];

    /// <summary>The scalar reference.</summary>
    [Benchmark(Baseline = true)]
    public void Scalar() => RobustEwma.ScoreAndUpdateScalar(_x, _alpha, _mean, _scale, _z, 3f);

    /// <summary>The dispatching entry point (widest vector the CPU has).</summary>
    [Benchmark]
    public void Vectorised() => RobustEwma.ScoreAndUpdate(_x, _alpha, _mean, _scale, _z, 3f);

    /// <inheritdoc/>
    protected override void SetupKernel(Random rng)
    {
        _x = new float[Series];
        _alpha = new float[Series];
        _mean = new float[Series];
        _scale = new float[Series];
        _z = new float[Series];
        for (var i = 0; i < Series; i++)
        {
            _x[i] = 100f + (10f * rng.NextSingle());
            _alpha[i] = 0.02f;
            _mean[i] = 100f;
            _scale[i] = 5f;
        }
    }

    /// <inheritdoc/>
    protected override float[][] ArraysRead() => [_x, _alpha, _mean, _scale];
}
