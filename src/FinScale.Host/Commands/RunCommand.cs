using System.CommandLine;
using System.Globalization;
using FinScale.Contracts;
using FinScale.Host.Keda;
using FinScale.Host.Remediation;
using FinScale.Host.Telemetry;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using FinScale.Streaming.Prescale;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Commands;

/// <summary><c>finscale run</c>: consumes, detects, decides and audits.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new RunOptions();
        var command = new Command("run", "Consume metrics, detect anomalies, decide remediations and write them to the audit topic.");
        options.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(options.Settings(parse), RunAsync, ct));
        return command;
    }

    /// <summary>
    /// <c>finscale run</c>'s options and the configuration keys they set; <c>finscale config show</c> takes the same
    /// ones, so it prints what a run given them would use.
    /// </summary>
    internal sealed class RunOptions
    {
        private readonly Option<string?> _bootstrap = CommonOptions.BootstrapServers();
        private readonly Option<string?> _config = CommonOptions.Config();
        private readonly Option<TimeSpan?> _untilIdle = CommonOptions.UntilIdle();
        private readonly Option<string?> _mode = new("--mode") { Description = "Execution mode of every action kind, overriding the policy's modes: shadow (decide and audit only), dry-run, enforce." };
        private readonly Option<string?> _group = new("--group") { Description = "Consumer group (default: Kafka:GroupId, finscale)." };
        private readonly Option<string?> _policy = new("--policy") { Description = "YAML remediation policy (default: Policy:File, else the shipped default policy); an invalid file stops the start with every error." };
        private readonly Option<string?> _kubeconfig = new("--kubeconfig") { Description = "kubeconfig file of the cluster to read and act on (sets Kubernetes:Enabled); without it and without Kubernetes:InCluster, no cluster is contacted." };
        private readonly Option<string?> _registry = new("--schema-registry-url") { Description = "Confluent Schema Registry URL; records are then framed with registry ids." };

        public RunOptions() => _mode.AcceptOnlyFromAmong("shadow", "dry-run", "enforce");

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _bootstrap, _mode, _policy, _kubeconfig, _untilIdle, _group, _registry, _config })
                command.Options.Add(option);
        }

        public CliSettings Settings(ParseResult parse) =>
            CommonOptions.Settings(parse, _config, _bootstrap)
                .Set("Kafka:GroupId", parse.GetValue(_group))
                .Set("SchemaRegistry:Url", parse.GetValue(_registry))
                .Set("Policy:Mode", parse.GetValue(_mode) is { } m ? ParseMode(m).ToString() : null)
                .Set("Policy:File", parse.GetValue(_policy))
                .Set("Kubernetes:KubeconfigPath", parse.GetValue(_kubeconfig))
                .Set("Kubernetes:Enabled", parse.GetValue(_kubeconfig) is null ? null : "true")
                .Set("Pipeline:UntilIdle", parse.GetValue(_untilIdle)?.ToString("c", CultureInfo.InvariantCulture));
    }

    public static ExecutionMode ParseMode(string text) => text switch
    {
        "shadow" => ExecutionMode.Shadow,
        "dry-run" => ExecutionMode.DryRun,
        "enforce" => ExecutionMode.Enforce,
        _ => throw new ArgumentException($"unknown mode '{text}'", nameof(text)),
    };

    /// <summary>Checks the cluster answers and creates the pipeline's topics that are missing.</summary>
    public static async Task PrepareAsync(IHost host, CancellationToken cancellationToken)
    {
        var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
        var topics = host.Services.GetRequiredService<IOptions<TopicOptions>>().Value;
        endpoint.EnsureReachable();
        await endpoint.EnsurePipelineTopicsAsync(topics, cancellationToken);
    }

    /// <summary>Prepares the cluster and runs the pipeline until stopped or idle.</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken)
    {
        // The policy and the scaler's options are read before anything connects: an invalid one refuses the start.
        var pipeline = host.Services.GetRequiredService<MetricsPipeline>();
        var keda = KedaOptions.Load(host.Services.GetRequiredService<IConfiguration>());
        await PrepareAsync(host, cancellationToken);
        var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
        var logger = host.Services.GetRequiredService<ILogger<MetricsPipeline>>();
        if (endpoint.IsEmbedded)
            logger.LogInformation("No Kafka:BootstrapServers: consuming from an embedded broker at {BootstrapServers}", endpoint.BootstrapServers);

        // Hosted services: the cluster view's refresh loop and the leader election, when a cluster is configured.
        await host.StartAsync(cancellationToken);

        // The host's console lifetime answers SIGINT and SIGTERM (Ctrl-C, a pod's stop) by stopping the application; the
        // run stops with it: the records in flight are finished and their offsets committed before the exit.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(
            cancellationToken, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        cancellationToken = stopping.Token;
        var leader = host.Services.GetService<ILeadership>();
        await using var telemetry = await TelemetryServer.StartAsync(
            host.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value, pipeline, leader, logger, cancellationToken);
        if (telemetry is not null)
            logger.LogInformation("Health, readiness and metrics at {Address}/healthz, /readyz, /metrics", telemetry.Address);
        // KEDA's external scaler over the forecast stage's recommendations (logs its port when it listens).
        await using var scaler = await KedaScalerServer.StartAsync(keda, host.Services.GetRequiredService<PrescaleBoard>(), logger, cancellationToken);
        try
        {
            // With leader election, replicas are active/passive: only the lease holder consumes, decides and acts.
            if (leader is { } leadership)
                await LeaderGate.RunWhileLeadingAsync(leadership, pipeline.RunAsync, m => logger.LogInformation("{Leadership}", m), cancellationToken);
            else
                await pipeline.RunAsync(cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        return CommandRunner.Ok;
    }
}
