using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using FinScale.Streaming.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale demo</c>: needs nothing outside the repo. Starts the embedded broker, replays the
/// incident shipped in <c>samples/</c>, runs the pipeline in shadow mode until idle, and prints what
/// it detected and what it would do, read back from the anomaly and audit topics.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultIncident = "samples/incident-pod-latency";

    /// <summary>The shipped default policy with the incident's namespace allowed.</summary>
    public const string DemoPolicy = "samples/demo-policy.yaml";

    public static Command Create()
    {
        var incident = new Option<string?>("--incident") { Description = $"Folder of CSV series to replay (default: {DefaultIncident} next to the binary)." };
        var command = new Command("demo", "Replay a shipped incident through the whole loop on an embedded broker and show what it detects and would do.") { incident };
        command.SetAction((parse, ct) =>
        {
            var cli = new CliSettings()
                .Set("Kafka:BootstrapServers", string.Empty)
                .Set("Kafka:SessionTimeout", "00:00:06")
                .Set("Policy:Mode", nameof(ExecutionMode.Shadow))
                .Set("Policy:File", Path.Combine(AppContext.BaseDirectory, DemoPolicy))
                .Set("Policy:FlushAfter", "00:00:00.500")
                .Set("Telemetry:Port", "0")
                .Set("Pipeline:UntilIdle", "00:00:02")
                .Set("Logging:LogLevel:Default", "Warning");
            return CommandRunner.RunAsync(cli, (host, token) => RunAsync(host, parse.GetValue(incident), token), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(IHost host, string? incidentPath, CancellationToken ct)
    {
        var folder = incidentPath ?? Path.Combine(AppContext.BaseDirectory, DefaultIncident);
        var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
        var topics = host.Services.GetRequiredService<IOptions<TopicOptions>>().Value;
        var serdes = host.Services.GetRequiredService<AvroSerdes>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var output = Console.Out;

        await output.WriteLineAsync($"FinScale demo: embedded Kafka broker at {endpoint.BootstrapServers}");
        await RunCommand.PrepareAsync(host, ct);

        var files = CommandRunner.ExpandPaths([folder]);
        var samples = MetricReplayer.Load(files, CommandRunner.ReportRow);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(endpoint.ProducerConfig("demo-replay")).Build())
        {
            var sent = await new MetricReplayer(producer, serdes.MetricSample, time).PublishAsync(samples, topics.Metrics, ReplaySpeed.Max, null, ct);
            await output.WriteLineAsync($"replayed {sent} samples of {files.Count} series from {Path.GetFileName(folder.TrimEnd('/'))} to {topics.Metrics}");
        }

        await RunCommand.RunAsync(host, ct);
        var stats = host.Services.GetRequiredService<MetricsPipeline>().Stats;
        await output.WriteLineAsync($"pipeline: {stats.Records} records, {stats.Points} points, {stats.Anomalies} anomalies, {stats.Decisions} decisions, {stats.DeadLettered} dead-lettered");

        var reader = new TopicReader(endpoint, time);
        await output.WriteLineAsync();
        await output.WriteLineAsync($"detected (from {topics.Anomalies}):");
        await foreach (var a in reader.ReadAsync(topics.Anomalies, serdes.Anomaly, true, TimeSpan.FromSeconds(1), null, ct))
        {
            var v = a.Value;
            if (v.State != AnomalyState.Open)
                continue;
            await output.WriteLineAsync(string.Format(CultureInfo.InvariantCulture,
                "  {0:u}  {1}  observed {2:G6}, expected {3:G6}, score {4:F3}", v.EventTime, v.Series, v.Observed, v.Expected, v.Score));
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"would do, in shadow mode (from {topics.Audit}):");
        await foreach (var d in reader.ReadAsync(topics.Audit, serdes.RemediationDecision, true, TimeSpan.FromSeconds(1), null, ct))
        {
            var v = d.Value;
            await output.WriteLineAsync($"  {AvroNames.Of(v.Action)} {v.Target?.ToString() ?? "-"}  [{AvroNames.Of(v.Outcome)}{(v.Guard is null ? string.Empty : ", guard " + v.Guard)}]  {v.Reason}");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("Nothing touched a cluster: shadow mode records decisions only. Tail them yourself with: finscale audit tail --bootstrap-servers HOST:PORT --from-beginning");
        return CommandRunner.Ok;
    }
}
