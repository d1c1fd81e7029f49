using BenchmarkDotNet.Running;

namespace FinScale.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher, so any subset runs with --filter.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks named on the command line, or with <c>--memory</c> the detector's memory measurement (<see cref="DetectorMemory"/>).</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--memory")
        {
            DetectorMemory.Run(args.AsSpan(1));
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
