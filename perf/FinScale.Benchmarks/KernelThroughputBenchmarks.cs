using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace FinScale.Benchmarks;

/// <summary>
/// Shape shared by the per-kernel throughput benchmarks: each kernel over 1 M series per call (16-24 MB of arrays,
/// about the 32 MB L3 of the build machine) and 10 M (160-240 MB, streaming from DRAM), its scalar reference as the
/// baseline, and two memory floors over the same bytes, all in the same run: a plain copy of the arrays the kernel
/// reads, and a read-only pass over them. Read the Updates/s, vs MemoryCopy and vs MemoryRead columns
/// (<see cref="KernelThroughputConfig"/>): a kernel near 1 against MemoryRead runs at memory speed.
/// </summary>
[Config(typeof(KernelThroughputConfig))]
[MemoryDiagnoser]
public abstract class KernelThroughputBenchmarks
{
    private float[][] _copySources = [];
    private float[][] _copyDestinations = [];

    /// <summary>Series updated per call.</summary>
    [Params(1_000_000, 10_000_000)]
    public int Series { get; set; }

    /// <summary>Allocates and fills the kernel's arrays with a fixed seed, then scratch arrays for the copy.</summary>
    [GlobalSetup]
    public void Setup()
    {
        SetupKernel(new Random(42));
        _copySources = ArraysRead();
        _copyDestinations = Array.ConvertAll(_copySources, a => new float[a.Length]);
    }

    /// <summary>Memory floor: copies every array the kernel reads (inputs and state) into scratch, once.</summary>
    [Benchmark]
    public void MemoryCopy()
    {
        for (var a = 0; a < _copySources.Length; a++)
        {
            _copySources[a].AsSpan().CopyTo(_copyDestinations[a]);
        }
    }

    /// <summary>Memory floor: one vectorised read-only pass over every array the kernel reads, summing them so the loads stay.</summary>
    [Benchmark]
    public float MemoryRead()
    {
        // Four accumulators, so the adds' latency never limits the loads (arrays here are whole multiples of 4 vectors).
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        foreach (var array in _copySources)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(array.AsSpan());
            for (var i = 0; i + 3 < vectors.Length; i += 4)
            {
                s0 += vectors[i];
                s1 += vectors[i + 1];
                s2 += vectors[i + 2];
                s3 += vectors[i + 3];
            }
        }

        return Vector.Sum(s0 + s1 + s2 + s3);
    }

    /// <summary>Creates the kernel's arrays for <see cref="Series"/> series.</summary>
    protected abstract void SetupKernel(Random rng);

    /// <summary>The arrays the kernel reads per call, so the copy moves the same bytes.</summary>
    protected abstract float[][] ArraysRead();
}
