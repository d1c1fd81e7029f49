using BenchmarkDotNet.Attributes;
using FinScale.Baselining;

namespace FinScale.Benchmarks;

/// <summary>Cusum.Update at 1 M and 10 M series: reads z, upper, lower (12 B/series), writes upper, lower, statistic (12 B).</summary>
public class CusumThroughput : KernelThroughputBenchmarks
{
    private float[] _z = [];
    private float[] _upper = [];
    private float[] _lower = [];
    private float[] _statistic = [];

    /// <summary>The scalar reference.</summary>
    [Benchmark(Baseline = true)]
    public void Scalar() => Cusum.UpdateScalar(_z, _upper, _lower, _statistic, 0.5f, 5f);

    /// <summary>The dispatching entry point (widest vector the CPU has).</summary>
    [Benchmark]
    public void Vectorised() => Cusum.Update(_z, _upper, _lower, _statistic, 0.5f, 5f);

    /// <inheritdoc/>
    protected override void SetupKernel(Random rng)
    {
        _z = new float[Series];
        _upper = new float[Series];
        _lower = new float[Series];
        _statistic = new float[Series];
        for (var i = 0; i < Series; i++)
        {
            // Standard-normal-ish residuals (sum of two uniforms, no transcendental calls) so sums move, cross and restart.
            _z[i] = 1.5f * (rng.NextSingle() + rng.NextSingle() - 1f);
            _upper[i] = 5f * rng.NextSingle();
            _lower[i] = 5f * rng.NextSingle();
        }
    }

    /// <inheritdoc/>
    protected override float[][] ArraysRead() => [_z, _upper, _lower];
}
