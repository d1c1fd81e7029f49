using System.CommandLine;
using FinScale.Host.Commands;

namespace FinScale.Host;

/// <summary>The <c>finscale</c> command line.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the command; the exit code is 0 on success, 1 on failure, 2 on bad usage or configuration.</summary>
    public static async Task<int> Main(string[] args)
    {
        // Before any Kafka client starts its threads.
        NativeHeap.LimitArenas();
        return await CreateRootCommand().Parse(args).InvokeAsync();
    }

    /// <summary>The command tree (also read by the tests that keep .ci/validate-deploy.sh's copy of it in step).</summary>
    internal static RootCommand CreateRootCommand() =>
        new("FinScale.Streaming: detects anomalies in telemetry on Kafka and decides remediations for Kubernetes workloads.")
        {
            BrokerCommand.Create(),
            ReplayCommand.Create(),
            RunCommand.Create(),
            AuditCommand.Create(),
            DemoCommand.Create(),
            NabCommand.Create(),
            PolicyCommand.Create(),
            CapacitySimCommand.Create(),
            BenchCommand.Create(),
            LoadgenCommand.Create(),
            ConfigCommand.Create(),
            HealthCommand.Create(),
            ChaosCommand.Create(),
        };
}
