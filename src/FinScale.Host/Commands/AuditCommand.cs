using System.CommandLine;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Commands;

/// <summary><c>finscale audit</c>: reads the remediation audit topic.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.BootstrapServers();
        var config = CommonOptions.Config();
        var untilIdle = CommonOptions.UntilIdle();
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the oldest record instead of new ones only." };
        var topic = new Option<string?>("--topic", "-t") { Description = "Audit topic (default: Topics:Audit, finscale.remediation.audit)." };
        var tail = new Command("tail", "Print the audit topic's decisions as JSON lines.") { bootstrap, fromBeginning, untilIdle, topic, config };
        tail.SetAction((parse, ct) =>
        {
            var cli = CommonOptions.Settings(parse, config, bootstrap);
            return CommandRunner.RunAsync(cli, async (host, token) =>
            {
                var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
                endpoint.EnsureReachable();
                var target = parse.GetValue(topic) ?? host.Services.GetRequiredService<IOptions<TopicOptions>>().Value.Audit;
                var reader = new TopicReader(endpoint, host.Services.GetRequiredService<TimeProvider>());
                var serde = host.Services.GetRequiredService<AvroSerdes>().RemediationDecision;
                await foreach (var record in reader.ReadAsync(target, serde, parse.GetValue(fromBeginning), parse.GetValue(untilIdle),
                                   bad => Console.Error.WriteLine("finscale audit tail: undecodable " + bad), token))
                {
                    await Console.Out.WriteLineAsync(AuditJson.Format(record.Value));
                }

                return CommandRunner.Ok;
            }, ct);
        });
        return new Command("audit", "Read the remediation audit trail.") { tail };
    }
}
