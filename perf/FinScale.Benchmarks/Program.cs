using BenchmarkDotNet.Running;

namespace FinScale.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher, so any subset runs with --filter.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks named on the command line.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
