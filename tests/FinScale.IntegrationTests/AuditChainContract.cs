using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Streaming.Audit;

namespace FinScale.IntegrationTests;

/// <summary>The audit topic's hash chain as the pipeline writes it, checked end to end over a real broker connection.</summary>
public abstract class AuditChainContract
{
    protected abstract IKafkaTestCluster Cluster { get; }

    [SkippableFact]
    public async Task Run_AuditRecordsFormUnbrokenChains_AndAForgedRecordIsFound()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        // One partition, so every decision extends one chain; three services, one slow pod each: three pod faults
        // whichever way the anomalies are windowed.
        using var h = await PipelineHarness.CreateAsync(Cluster, partitions: 1);
        var series = Enumerable.Range(0, 3).SelectMany(s => Enumerable.Range(0, 3).Select(i =>
        {
            var attributes = new Dictionary<string, string>(Workloads.PodAttributes($"svc{s}-{i}")) { ["service.name"] = $"svc{s}" };
            return Workloads.Series("http.server.request.duration.p99", attributes, 240, 120, 6, seed: 40 + (s * 3) + i, spikeAt: i == 0 ? 150 + (s * 30) : null, spikeValue: 950);
        }));
        await h.PublishAsync(Workloads.Merge([.. series]));

        await h.RunAsync($"group-{Guid.NewGuid():N}");

        var records = await ReadRawAsync(h);
        Assert.True(records.Count >= 3, $"{records.Count} audit records");
        Assert.Null(Verify(h, records));
        Assert.All(records, r => Assert.NotNull(h.Serdes.RemediationDecision.Deserialize(r.Message.Value).Chain));

        // A forged "executed" record claiming the place of an existing one in its partition.
        var victim = records.Last(r => h.Serdes.RemediationDecision.Deserialize(r.Message.Value).PrevHash is not null);
        var forged = h.Serdes.RemediationDecision.Deserialize(victim.Message.Value) with { DecisionId = "forged", Outcome = DecisionOutcome.Executed };
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(h.Endpoint.ProducerConfig("forger")).Build())
        {
            await producer.ProduceAsync(new TopicPartition(h.Topics.Audit, victim.Partition), new Message<byte[]?, byte[]>
            {
                Key = victim.Message.Key,
                Value = h.Serdes.RemediationDecision.Serialize(forged),
            });
        }

        var broken = Verify(h, await ReadRawAsync(h));
        Assert.NotNull(broken);
        Assert.Equal(victim.Partition.Value, broken.Partition);
        Assert.Contains("same predecessor", broken.Reason, StringComparison.Ordinal);
    }

    private static AuditBreak? Verify(PipelineHarness h, List<ConsumeResult<byte[]?, byte[]>> records)
    {
        var v = new AuditVerifier();
        foreach (var r in records)
            v.Add(r.Partition.Value, r.Offset.Value, r.Message.Value, h.Serdes.RemediationDecision.Deserialize(r.Message.Value));
        return v.Verify();
    }

    private static async Task<List<ConsumeResult<byte[]?, byte[]>>> ReadRawAsync(PipelineHarness h)
    {
        var list = new List<ConsumeResult<byte[]?, byte[]>>();
        await foreach (var r in new TopicReader(h.Endpoint, TimeProvider.System).ReadAsync(h.Topics.Audit, true, TimeSpan.FromSeconds(1.5), CancellationToken.None))
            list.Add(r);
        return list;
    }
}

public sealed class EmbeddedBrokerAuditChainTests(EmbeddedClusterFixture cluster) : AuditChainContract, IClassFixture<EmbeddedClusterFixture>
{
    protected override IKafkaTestCluster Cluster => cluster;
}

public sealed class ApacheKafkaAuditChainTests(ApacheKafkaFixture cluster) : AuditChainContract, IClassFixture<ApacheKafkaFixture>
{
    protected override IKafkaTestCluster Cluster => cluster;
}
