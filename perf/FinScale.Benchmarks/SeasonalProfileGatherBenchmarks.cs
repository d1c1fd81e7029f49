using BenchmarkDotNet.Attributes;
using FinScale.Baselining;

namespace FinScale.Benchmarks;

/// <summary>
/// What a seasonal update costs end to end for 1 M series with hour-of-week profiles (168 buckets, 12 B per bucket,
/// 2 GB of state): flat indices, gathering mean, scale and count out of <see cref="SeasonalProfileState"/>, the kernel,
/// and scattering the three back; against the kernel alone on packed arrays, in the same run.
/// </summary>
[Config(typeof(KernelThroughputConfig))]
[MemoryDiagnoser]
public class SeasonalProfileGatherBenchmarks
{
    private SeasonalProfileState _state = null!;
    private int[] _series = [];
    private int[] _index = [];
    private float[] _x = [];
    private float[] _alpha = [];
    private float[] _mean = [];
    private float[] _scale = [];
    private float[] _count = [];
    private float[] _residual = [];
    private int _bucket;

    /// <summary>Series updated per call, each in the same hour-of-week bucket (one timestamp per batch).</summary>
    [Params(1_000_000)]
    public int Series { get; set; }

    /// <summary>Allocates warm profiles and a batch of every series, with a fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _state = new SeasonalProfileState(SeasonalProfile.HoursPerWeek, Series, Series);
        Array.Fill(_state.Mean, 100f);
        Array.Fill(_state.Scale, 5f);
        Array.Fill(_state.Count, 100f);
        _series = new int[Series];
        _index = new int[Series];
        _x = new float[Series];
        _alpha = new float[Series];
        _mean = new float[Series];
        _scale = new float[Series];
        _count = new float[Series];
        _residual = new float[Series];
        for (var i = 0; i < Series; i++)
        {
            _series[i] = i;
            _x[i] = 100f + (10f * rng.NextSingle());
            _alpha[i] = 0.02f;
            _mean[i] = 100f;
            _scale[i] = 5f;
            _count[i] = 100f;
        }
    }

    /// <summary>The kernel alone, on packed arrays: the cost without the profile layout.</summary>
    [Benchmark(Baseline = true)]
    public void KernelOnly() => SeasonalProfile.ScoreAndUpdate(_x, _alpha, _mean, _scale, _count, _residual, 3f, 3);

    /// <summary>Indices, three gathers, the kernel, three scatters; each call moves on to the next hour's bucket.</summary>
    [Benchmark]
    public void GatherKernelScatter()
    {
        _bucket = (_bucket + 1) % SeasonalProfile.HoursPerWeek;
        _state.IndicesOf(_series, _bucket, _index);
        GatherScatter.Gather(_state.Mean, _index, _mean);
        GatherScatter.Gather(_state.Scale, _index, _scale);
        GatherScatter.Gather(_state.Count, _index, _count);
        SeasonalProfile.ScoreAndUpdate(_x, _alpha, _mean, _scale, _count, _residual, 3f, 3);
        GatherScatter.Scatter(_mean, _index, _state.Mean);
        GatherScatter.Scatter(_scale, _index, _state.Scale);
        GatherScatter.Scatter(_count, _index, _state.Count);
    }
}
