using BenchmarkDotNet.Running;

namespace FinScale.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher, so any subset runs with --filter.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks named on the command line, or with <c>--memory</c> the detector's memory measurement (<see cref="DetectorMemory"/>), or with <c>--restore</c> a takeover's (<see cref="RestoreMemory"/>).</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--memory")
        {
            DetectorMemory.Run(args.AsSpan(1));
            return;
        }

        if (args.Length > 0 && args[0] == "--restore")
        {
            RestoreMemory.Run(args.AsSpan(1));
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
