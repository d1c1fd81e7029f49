using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;

namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>
/// Apache Kafka in a container through Testcontainers, for the same contract tests the embedded broker
/// runs; where no Docker engine answers, the tests skip and say why.
/// </summary>
public sealed class ApacheKafkaFixture : IKafkaTestCluster, IAsyncLifetime
{
    private KafkaContainer? _container;

    public string BootstrapServers => _container?.GetBootstrapAddress() ?? throw new InvalidOperationException(SkipReason);

    public string? SkipReason { get; private set; }

    public async Task InitializeAsync()
    {
        SkipReason = DockerUnavailableReason();
        if (SkipReason is not null)
            return;
        _container = new KafkaBuilder("apache/kafka:3.9.1").Build();
        await _container.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_container is not null)
            await _container.DisposeAsync();
    }

    public async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        await TopicWaits.UntilVisibleAsync(BootstrapServers, topic, partitions);
    }

    private static string? DockerUnavailableReason()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && !host.StartsWith("unix://", StringComparison.Ordinal))
            return null; // a TCP engine: let Testcontainers try it
        var socket = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
        if (!File.Exists(socket))
            return $"no Docker engine: {socket} does not exist (these tests run against Apache Kafka in a container where Docker runs)";
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socket));
            return null;
        }
        catch (SocketException ex)
        {
            return $"no Docker engine answers on {socket}: {ex.Message}";
        }
    }
}
