using System.CommandLine;
using FinScale.Host.Chaos;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale chaos</c>: a fault-injection harness. Starts an embedded broker and a simulated Kubernetes API server in
/// this process, runs <c>finscale run</c> children against them in enforce mode, injects faults (SIGKILLs, a broker
/// outage, poison records, a flood, a leader kill, API server errors, timeouts, conflicts and PDB refusals, anomaly storms
/// and a silent series) and checks that nothing was lost or done twice.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var trials = new Option<int>("--trials") { Description = "SIGKILL trials of the crash-consistency phase.", DefaultValueFactory = _ => 20 };
        var outage = new Option<TimeSpan?>("--outage") { Description = "How long every broker stays down in the outage phase (default 30s).", CustomParser = CommonOptions.ParseDuration };
        var poison = new Option<int>("--poison") { Description = "Poison records mixed into the valid stream.", DefaultValueFactory = _ => 3000 };
        var flood = new Option<int>("--flood") { Description = "Records of the flood in the bounded-memory phase.", DefaultValueFactory = _ => 200_000 };
        var budget = new Option<int>("--memory-budget-mb") { Description = "Peak RSS the run may reach during the flood, in MiB.", DefaultValueFactory = _ => 512 };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice (kill moments, workload, poison).", DefaultValueFactory = _ => 1 };
        var lease = new Option<TimeSpan?>("--lease-duration") { Description = "Lease duration of the leadership phase (default 4s).", CustomParser = CommonOptions.ParseDuration };
        var phases = new Option<string[]>("--phases") { Description = "Phases to run (default all): crash, outage, poison, memory, leader, kubernetes, storm.", AllowMultipleArgumentsPerToken = true };
        phases.AcceptOnlyFromAmong(ChaosRunner.AllPhases);
        var workDir = new Option<string?>("--work-dir") { Description = "Where the runs' logs, kubeconfigs and the policy go (default: a new temporary folder)." };
        var command = new Command("chaos", "Fault injection: SIGKILLs during a replay, a broker outage, poison records, a flood, a leader kill, API server faults and anomaly storms against finscale run children. Last line: chaos trials=.. faults=.. records=.. lost=.. doubled=..")
        {
            trials, outage, poison, flood, budget, seed, lease, phases, workDir,
        };
        command.SetAction((parse, ct) =>
        {
            var defaults = new ChaosSettings();
            var settings = defaults with
            {
                Trials = parse.GetValue(trials),
                Outage = parse.GetValue(outage) ?? defaults.Outage,
                Poison = parse.GetValue(poison),
                Flood = parse.GetValue(flood),
                MemoryBudgetMb = parse.GetValue(budget),
                Seed = parse.GetValue(seed),
                LeaseDuration = parse.GetValue(lease) ?? defaults.LeaseDuration,
                WorkDirectory = parse.GetValue(workDir),
                Phases = parse.GetValue(phases) is { Length: > 0 } p ? p : ChaosRunner.AllPhases,
            };
            if (Problem(settings) is { } problem)
            {
                Console.Error.WriteLine("finscale chaos: " + problem);
                return Task.FromResult(CommandRunner.BadConfiguration);
            }

            // The harness's own host: the embedded broker (no bootstrap servers) and the codecs; the runs are children.
            var cli = new CliSettings()
                .Set("Kafka:BootstrapServers", string.Empty)
                .Set("Logging:LogLevel:Default", "Warning");
            return CommandRunner.RunAsync(cli, (host, token) => RunAsync(host, settings, token), ct);
        });
        return command;
    }

    private static string? Problem(ChaosSettings s) =>
        s.Trials is < 0 or > 900 ? "--trials must be 0..900"
        : s.Outage <= TimeSpan.Zero || s.Outage > TimeSpan.FromMinutes(10) ? "--outage must be more than 0 and at most 10m"
        : s.Poison is < 0 or > 100_000 ? "--poison must be 0..100000"
        : s.Flood is < 0 or > 1_000_000 ? "--flood must be 0..1000000"
        : s.MemoryBudgetMb < 64 ? "--memory-budget-mb must be at least 64"
        : s.LeaseDuration < TimeSpan.FromSeconds(1) || s.LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0 ? "--lease-duration must be whole seconds, at least 1s"
        : null;

    private static async Task<int> RunAsync(IHost host, ChaosSettings settings, CancellationToken cancellationToken)
    {
        var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
        var serdes = host.Services.GetRequiredService<AvroSerdes>();
        await serdes.InitializeAsync(cancellationToken);
        var workDir = settings.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "finscale-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workDir);
        await using var cluster = await ChaosCluster.StartAsync(ChaosRunner.Deployments);
        var ctx = new ChaosContext(settings, endpoint, serdes, cluster, workDir, Console.Out, host.Services.GetRequiredService<TimeProvider>());
        ctx.Report($"chaos: broker {endpoint.BootstrapServers}, simulated cluster {cluster.Server.BaseAddress}, logs in {workDir}");

        var results = await new ChaosRunner(ctx).RunAsync(cancellationToken);
        ctx.Report(ChaosRunner.Summary(settings.Trials, results));
        return results.All(r => r.Ok) ? CommandRunner.Ok : CommandRunner.Failed;
    }
}
