using BenchmarkDotNet.Attributes;
using FinScale.Baselining;

namespace FinScale.Benchmarks;

/// <summary>
/// The baseline kernel per update, dispatching (widest vector the CPU has) against the scalar
/// reference measured in the same run: read the ratio, not the absolute numbers.
/// </summary>
[MemoryDiagnoser]
public class RobustEwmaBenchmarks
{
    private float[] _x = [];
    private float[] _alpha = [];
    private float[] _mean = [];
    private float[] _scale = [];
    private float[] _z = [];

    /// <summary>Series updated per call: in cache, and memory-bound.</summary>
    [Params(4_096, 1_048_576)]
    public int Series { get; set; }

    /// <summary>Fills inputs with a fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _x = new float[Series];
        _alpha = new float[Series];
        _mean = new float[Series];
        _scale = new float[Series];
        _z = new float[Series];
        for (var i = 0; i < Series; i++)
        {
            _x[i] = (float)(100 + (rng.NextDouble() * 10));
            _alpha[i] = 0.02f;
            _mean[i] = 100;
            _scale[i] = 5;
        }
    }

    /// <summary>The scalar reference.</summary>
    [Benchmark(Baseline = true)]
    public void Scalar() => RobustEwma.ScoreAndUpdateScalar(_x, _alpha, _mean, _scale, _z, 3f);

    /// <summary>The dispatching entry point.</summary>
    [Benchmark]
    public void Vectorised() => RobustEwma.ScoreAndUpdate(_x, _alpha, _mean, _scale, _z, 3f);
}
