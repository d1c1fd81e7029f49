using FinScale.Streaming.Embedded;

namespace FinScale.Telemetry.Kafka.Tests.Support;

/// <summary>One embedded Kafka-protocol broker per test class; each test uses a topic of its own.</summary>
public sealed class KafkaClusterFixture : IDisposable
{
    /// <summary>Partitions of every test topic: more than one, so keying decides where a record lands.</summary>
    public const int Partitions = 4;

    public KafkaClusterFixture() => Cluster = EmbeddedKafkaCluster.Start();

    public EmbeddedKafkaCluster Cluster { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>Creates a fresh topic with <see cref="Partitions"/> partitions and returns its name.</summary>
    public string NewTopic(string prefix)
    {
        var topic = prefix + "-" + Guid.NewGuid().ToString("N");
        Cluster.CreateTopic(topic, Partitions);
        return topic;
    }

    public void Dispose() => Cluster.Dispose();
}
