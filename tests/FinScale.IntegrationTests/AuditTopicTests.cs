using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;

namespace FinScale.IntegrationTests;

/// <summary>
/// The audit topic finscale creates keeps its records for ever and is never compacted (the evidence and its hash chain).
/// Apache Kafka only: librdkafka's mock cluster keeps no topic configuration to read back.
/// </summary>
public sealed class AuditTopicTests(ApacheKafkaFixture cluster) : IClassFixture<ApacheKafkaFixture>
{
    [SkippableFact]
    public async Task EnsurePipelineTopics_CreatesTheAuditTopicWithoutRetentionOrCompaction_AndTheOthersWithTheBrokersDefaults()
    {
        Skip.If(cluster.SkipReason is not null, cluster.SkipReason);
        var topics = PipelineHarness.UniqueTopics();
        topics.Partitions = 2;
        using var endpoint = KafkaEndpoint.Open(new KafkaOptions { BootstrapServers = cluster.BootstrapServers });

        await endpoint.EnsurePipelineTopicsAsync(topics, CancellationToken.None);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topics.Audit }, new ConfigResource { Type = ResourceType.Topic, Name = topics.Anomalies }]);
        var audit = described.Single(r => r.ConfigResource.Name == topics.Audit).Entries;
        var anomalies = described.Single(r => r.ConfigResource.Name == topics.Anomalies).Entries;
        Assert.Equal("-1", audit["retention.ms"].Value);
        Assert.Equal("delete", audit["cleanup.policy"].Value);
        Assert.NotEqual("-1", anomalies["retention.ms"].Value);
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(metadata, topics.PipelineTopics.ToHashSet(StringComparer.Ordinal));
    }
}
