using BenchmarkDotNet.Attributes;
using FinScale.Baselining;

namespace FinScale.Benchmarks;

/// <summary>EwmaMeanVariance.Update at 1 M and 10 M series: reads x, alpha, mean, variance (16 B/series), writes mean, variance (8 B).</summary>
public class EwmaMeanVarianceThroughput : KernelThroughputBenchmarks
{
    private float[] _x = [];
    private float[] _alpha = [];
    private float[] _mean = [];
    private float[] _variance = [];

    /// <summary>The scalar reference.</summary>
    [Benchmark(Baseline = true)]
    public void Scalar() => EwmaMeanVariance.UpdateScalar(_x, _alpha, _mean, _variance);

    /// <summary>The dispatching entry point (widest vector the CPU has).</summary>
    [Benchmark]
    public void Vectorised() => EwmaMeanVariance.Update(_x, _alpha, _mean, _variance);

    /// <inheritdoc/>
    protected override void SetupKernel(Random rng)
    {
        _x = new float[Series];
        _alpha = new float[Series];
        _mean = new float[Series];
        _variance = new float[Series];
        for (var i = 0; i < Series; i++)
        {
            _x[i] = 100f + (10f * rng.NextSingle());
            _alpha[i] = 0.02f;
            _mean[i] = 100f;
            _variance[i] = 25f;
        }
    }

    /// <inheritdoc/>
    protected override float[][] ArraysRead() => [_x, _alpha, _mean, _variance];
}
