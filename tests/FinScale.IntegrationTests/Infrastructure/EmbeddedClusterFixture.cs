using Confluent.Kafka;
using FinScale.Streaming.Embedded;

namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>librdkafka's mock cluster, in-process, on real localhost TCP.</summary>
public sealed class EmbeddedClusterFixture : IKafkaTestCluster, IDisposable
{
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start(1);

    public string BootstrapServers => _cluster.BootstrapServers;

    public string? SkipReason => null;

    public Task CreateTopicAsync(string topic, int partitions)
    {
        _cluster.CreateTopic(topic, partitions);
        return TopicWaits.UntilVisibleAsync(BootstrapServers, topic, partitions);
    }

    public void Dispose() => _cluster.Dispose();
}

/// <summary>Waits on topic metadata instead of sleeping.</summary>
public static class TopicWaits
{
    public static async Task UntilVisibleAsync(string bootstrapServers, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var deadline = DateTimeOffset.Now.AddSeconds(60);
        var last = "no answer yet";
        while (true)
        {
            try
            {
                var meta = admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
                var t = meta.Topics.SingleOrDefault(x => x.Topic == topic);
                if (t is { Error.IsError: false } && t.Partitions.Count == partitions && t.Partitions.All(p => p.Leader >= 0))
                    return;
                last = t is null ? "topic not in the metadata" : $"{t.Partitions.Count} partitions, error '{t.Error.Reason}'";
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_TimedOut || ex.Error.Code == ErrorCode.Local_Transport)
            {
                // A slow answer on a loaded machine: ask again until the deadline.
                last = ex.Error.Reason;
            }

            if (DateTimeOffset.Now > deadline)
                throw new TimeoutException($"topic {topic} did not show {partitions} partitions with leaders; last: {last}");
            await Task.Delay(100);
        }
    }
}
