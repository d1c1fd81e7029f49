namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>A Kafka cluster the contract tests run against: the embedded broker, or Apache Kafka in a container.</summary>
public interface IKafkaTestCluster
{
    /// <summary>Bootstrap servers of the cluster.</summary>
    string BootstrapServers { get; }

    /// <summary>Why the cluster cannot run on this machine (the tests skip with it), or null.</summary>
    string? SkipReason { get; }

    /// <summary>Creates a topic and waits until its metadata shows every partition.</summary>
    Task CreateTopicAsync(string topic, int partitions);
}
