using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;

namespace FinScale.IntegrationTests;

public class KafkaEndpointTests
{
    [Fact]
    public void EnsureReachable_NoBrokerAtTheAddress_FailsNamingTheAddress()
    {
        using var endpoint = KafkaEndpoint.Open(new KafkaOptions { BootstrapServers = "127.0.0.1:1", ConnectTimeout = TimeSpan.FromSeconds(2) });
        var ex = Assert.Throws<KafkaUnreachableException>(endpoint.EnsureReachable);
        Assert.Contains("127.0.0.1:1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoBootstrapServers_StartsAnEmbeddedBrokerThatAnswers()
    {
        using var endpoint = KafkaEndpoint.Open(new KafkaOptions());
        Assert.True(endpoint.IsEmbedded);
        Assert.StartsWith("127.0.0.1:", endpoint.BootstrapServers, StringComparison.Ordinal);
        endpoint.EnsureReachable();
    }
}
