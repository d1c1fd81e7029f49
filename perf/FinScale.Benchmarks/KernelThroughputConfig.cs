using BenchmarkDotNet.Configs;

namespace FinScale.Benchmarks;

/// <summary>Adds the Updates/s column and the ratios to both memory floors to the kernel throughput benchmarks.</summary>
public sealed class KernelThroughputConfig : ManualConfig
{
    /// <summary>Creates the configuration with the three columns.</summary>
    public KernelThroughputConfig() => AddColumn(
        new UpdatesPerSecondColumn(),
        new VersusFloorColumn(
            nameof(KernelThroughputBenchmarks.MemoryCopy),
            "Mean / Mean of MemoryCopy (copying the arrays the kernel reads into scratch: reads them once, writes as many bytes elsewhere)"),
        new VersusFloorColumn(
            nameof(KernelThroughputBenchmarks.MemoryRead),
            "Mean / Mean of MemoryRead (summing the arrays the kernel reads: the least any streaming kernel over them can cost)"));
}
