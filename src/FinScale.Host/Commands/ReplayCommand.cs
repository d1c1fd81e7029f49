using System.CommandLine;
using Confluent.Kafka;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Commands;

/// <summary><c>finscale replay</c>: publishes CSV series as Avro metric samples, event time preserved.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = "CSV files (timestamp,value rows) or folders of them; one series per file, named from the file.", Arity = ArgumentArity.OneOrMore };
        var bootstrap = CommonOptions.BootstrapServers();
        var config = CommonOptions.Config();
        var topic = new Option<string?>("--topic", "-t") { Description = "Topic to publish to (default: Topics:Metrics, finscale.metrics)." };
        var speed = new Option<ReplaySpeed>("--speed")
        {
            Description = "'max' (default) or N: N times event time, e.g. 60 replays an hour per minute.",
            DefaultValueFactory = _ => ReplaySpeed.Max,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : null;
                if (ReplaySpeed.TryParse(text, out var s))
                    return s;
                r.AddError($"--speed must be 'max' or a positive number, got '{text}'");
                return ReplaySpeed.Max;
            },
        };
        var command = new Command("replay", "Publish metric series from CSV files as Avro metric samples.") { paths, bootstrap, topic, speed, config };
        command.SetAction((parse, ct) =>
        {
            var cli = CommonOptions.Settings(parse, config, bootstrap);
            return CommandRunner.RunAsync(cli, async (host, token) =>
            {
                var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
                var topics = host.Services.GetRequiredService<IOptions<TopicOptions>>().Value;
                var target = parse.GetValue(topic) ?? topics.Metrics;
                if (endpoint.IsEmbedded)
                    await Console.Error.WriteLineAsync($"finscale replay: no --bootstrap-servers: publishing to an embedded broker at {endpoint.BootstrapServers} that stops when replay exits");
                endpoint.EnsureReachable();
                await endpoint.EnsureTopicsAsync([target], topics.Partitions, topics.ReplicationFactor, token);

                var files = CommandRunner.ExpandPaths(parse.GetValue(paths) ?? []);
                var samples = MetricReplayer.Load(files, CommandRunner.ReportRow);
                var serdes = host.Services.GetRequiredService<AvroSerdes>();
                await serdes.InitializeAsync(token);
                using var producer = new ProducerBuilder<byte[]?, byte[]>(endpoint.ProducerConfig("replay")).Build();
                var replayer = new MetricReplayer(producer, serdes.MetricSample, host.Services.GetRequiredService<TimeProvider>());
                using var bar = new ProgressBar(samples.Count, "samples");
                var sent = await replayer.PublishAsync(samples, target, parse.GetValue(speed), bar.Report, token);
                bar.Complete();
                await Console.Out.WriteLineAsync($"replayed {sent} samples of {files.Count} series to {target} at {endpoint.BootstrapServers}");
                return CommandRunner.Ok;
            }, ct);
        });
        return command;
    }
}
