using BenchmarkDotNet.Attributes;
using FinScale.Baselining;
using FinScale.Contracts;
using FinScale.Detection;

namespace FinScale.Benchmarks;

/// <summary>
/// The whole detector per point (<see cref="ShardDetector.Process(ReadOnlySpan{SeriesPoint}, List{DetectedAnomaly})"/>:
/// gather, SIMD level kernel, scatter, ensemble scoring, episodes) on a shard of warm series, one point per series per
/// batch, against two baselines of the same run: the level kernel alone on the same batch (what the SIMD part costs)
/// and a plain copy of the batch's points. Per-op numbers are per point (<c>OperationsPerInvoke</c>).
/// </summary>
[MemoryDiagnoser]
public class DetectorBenchmarks
{
    private ShardDetector _detector = null!;
    private SeriesPoint[] _points = [];
    private SeriesPoint[] _copy = [];
    private readonly List<DetectedAnomaly> _found = [];
    private float[] _x = [];
    private float[] _alpha = [];
    private float[] _mean = [];
    private float[] _scale = [];
    private float[] _z = [];
    private long _t;
    private Random _rng = null!;

    /// <summary>Series in the shard, one point each per batch.</summary>
    [Params(10_000)]
    public int Series { get; set; }

    /// <summary>Warms every series past the ensemble's warm-up.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _rng = new Random(42);
        var catalog = new SeriesCatalog(Series);
        for (var i = 0; i < Series; i++)
            catalog.GetOrAdd(SeriesKey.Create("latency", new Dictionary<string, string> { ["k8s.pod.name"] = "p" + i }));
        _detector = new ShardDetector(new DetectorOptions(), catalog);
        _points = new SeriesPoint[Series];
        _copy = new SeriesPoint[Series];
        _x = new float[Series];
        _alpha = new float[Series];
        _mean = new float[Series];
        _scale = new float[Series];
        _z = new float[Series];
        Array.Fill(_alpha, 0.01f);
        Array.Fill(_mean, 100f);
        Array.Fill(_scale, 5f);
        for (var round = 0; round < 150; round++)
            Detect();
    }

    /// <summary>Baseline: copying the batch's points.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 10_000)]
    public void CopyPoints()
    {
        Fill();
        _points.AsSpan().CopyTo(_copy);
    }

    /// <summary>The level kernel alone over the batch.</summary>
    [Benchmark(OperationsPerInvoke = 10_000)]
    public void LevelKernelOnly()
    {
        Fill();
        for (var i = 0; i < _x.Length; i++)
            _x[i] = (float)_points[i].Value;
        RobustEwma.ScoreAndUpdate(_x, _alpha, _mean, _scale, _z, 3f);
    }

    /// <summary>The whole detector over the batch.</summary>
    [Benchmark(OperationsPerInvoke = 10_000)]
    public void Detect()
    {
        Fill();
        _found.Clear();
        _detector.Process(_points, _found);
    }

    private void Fill()
    {
        _t += 60_000;
        for (var i = 0; i < _points.Length; i++)
            _points[i] = new SeriesPoint(i, _t, 100 + (5 * ((_rng.NextDouble() * 2) - 1)));
    }
}
