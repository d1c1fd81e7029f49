using System.CommandLine;
using FinScale.Remediation.Reporting;
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
    private static Command Verify()
    {
        var bootstrap = CommonOptions.BootstrapServers();
        var config = CommonOptions.Config();
        var idle = new Option<TimeSpan?>("--until-idle")
        {
            Description = "Stop reading once caught up and idle this long (default 2s).",
            CustomParser = CommonOptions.ParseDuration,
        };
        var topic = new Option<string?>("--topic", "-t") { Description = "Audit topic (default: Topics:Audit, finscale.remediation.audit)." };
        var verify = new Command("verify", "Check the audit topic's hash chains end to end; exit 0 when every link holds, 1 naming the first broken link.")
        {
            bootstrap, idle, topic, config,
        };
        verify.SetAction((parse, ct) =>
        {
            var cli = CommonOptions.Settings(parse, config, bootstrap);
            return CommandRunner.RunAsync(cli, async (host, token) =>
            {
                var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
                endpoint.EnsureReachable();
                var target = parse.GetValue(topic) ?? host.Services.GetRequiredService<IOptions<TopicOptions>>().Value.Audit;
                var serde = host.Services.GetRequiredService<AvroSerdes>().RemediationDecision;
                var reader = new TopicReader(endpoint, host.Services.GetRequiredService<TimeProvider>());
                var verifier = new AuditVerifier();
                await foreach (var r in reader.ReadAsync(target, true, parse.GetValue(idle) ?? TimeSpan.FromSeconds(2), token))
                {
                    try
                    {
                        verifier.Add(r.Partition.Value, r.Offset.Value, r.Message.Value, serde.Deserialize(r.Message.Value));
                    }
                    catch (RecordDecodeException ex)
                    {
                        verifier.AddUndecodable(r.Partition.Value, r.Offset.Value, ex.Message);
                    }
                }

                var broken = verifier.Verify();
                if (broken is null)
                {
                    await Console.Out.WriteLineAsync($"audit {target}: ok, {verifier.Records} records in {verifier.Chains} chains, every link holds ({verifier.Unchained} unchained)");
                    return CommandRunner.Ok;
                }

                await Console.Out.WriteLineAsync($"audit {target}: BROKEN at partition {broken.Partition} offset {broken.Offset}: {broken.Reason}");
                return CommandRunner.Failed;
            }, ct);
        });
        return verify;
    }

    private static Command Report()
    {
        var bootstrap = CommonOptions.BootstrapServers();
        var config = CommonOptions.Config();
        var idle = new Option<TimeSpan?>("--until-idle")
        {
            Description = "Stop reading a topic once caught up and idle this long (default 2s).",
            CustomParser = CommonOptions.ParseDuration,
        };
        var window = new Option<TimeSpan?>("--recovery-window")
        {
            Description = "An anomaly that resolves within this long of a decision that was not carried out counts as recovered on its own (default 15m).",
            CustomParser = CommonOptions.ParseDuration,
        };
        var report = new Command("report", "Per action kind: recommended, executed, held back (by guard), and recommendations that recovered on their own: the evidence for promoting a kind from shadow to enforce.")
        {
            bootstrap, idle, window, config,
        };
        report.SetAction((parse, ct) =>
        {
            var cli = CommonOptions.Settings(parse, config, bootstrap);
            return CommandRunner.RunAsync(cli, async (host, token) =>
            {
                var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
                endpoint.EnsureReachable();
                var topics = host.Services.GetRequiredService<IOptions<TopicOptions>>().Value;
                var serdes = host.Services.GetRequiredService<AvroSerdes>();
                var reader = new TopicReader(endpoint, host.Services.GetRequiredService<TimeProvider>());
                var until = parse.GetValue(idle) ?? TimeSpan.FromSeconds(2);
                var bad = 0;
                var decisions = new List<FinScale.Contracts.RemediationDecision>();
                await foreach (var r in reader.ReadAsync(topics.Audit, serdes.RemediationDecision, true, until, _ => bad++, token))
                    decisions.Add(r.Value);
                var anomalies = new List<FinScale.Contracts.Anomaly>();
                await foreach (var r in reader.ReadAsync(topics.Anomalies, serdes.Anomaly, true, until, _ => bad++, token))
                    anomalies.Add(r.Value);

                var built = PromotionReport.Build(decisions, anomalies, parse.GetValue(window) ?? TimeSpan.FromMinutes(15));
                await Console.Out.WriteAsync(built.Format());
                if (bad > 0)
                    await Console.Error.WriteLineAsync($"finscale audit report: {bad} undecodable records skipped");
                return CommandRunner.Ok;
            }, ct);
        });
        return report;
    }

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
        return new Command("audit", "Read the remediation audit trail.") { tail, Report(), Verify() };
    }
}
