using System.CommandLine;
using FinScale.Contracts;
using FinScale.Streaming.Embedded;

namespace FinScale.Host.Commands;

/// <summary><c>finscale broker</c>: serves the embedded Kafka-protocol broker until Ctrl-C.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers (1-16).", DefaultValueFactory = _ => 1 };
        brokers.Validators.Add(r => CommonOptions.IntInRange(r, 1, EmbeddedKafkaCluster.MaxBrokers, "--brokers"));
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the topics created up front.", DefaultValueFactory = _ => 4 };
        var command = new Command("broker", "Start the embedded Kafka-protocol broker and serve until Ctrl-C. First stdout line: bootstrap.servers=HOST:PORT[,...]") { brokers, partitions };
        command.SetAction(async (parse, ct) =>
        {
            using var cluster = EmbeddedKafkaCluster.Start(parse.GetValue(brokers));
            foreach (var topic in new[] { TopicNames.Metrics, TopicNames.Anomalies, TopicNames.RemediationAudit, TopicNames.DeadLetter, TopicNames.OtlpMetrics, TopicNames.OtlpSpans, TopicNames.State, TopicNames.RemediationIntents })
                cluster.TryCreateTopic(topic, parse.GetValue(partitions));
            Console.Out.WriteLine("bootstrap.servers=" + cluster.BootstrapServers);
            Console.Out.Flush();
            await Console.Error.WriteLineAsync($"finscale broker: serving {parse.GetValue(brokers)} broker(s); Ctrl-C to stop. Data lives in memory (newest ~5 MiB per partition).");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop serving.
            }

            return CommandRunner.Ok;
        });
        return command;
    }
}
