using System.Text;
using Confluent.Kafka;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary>Series whose points arrive on several partitions are counted: their state could not follow a partition.</summary>
public sealed class PartitionSpreadTests(EmbeddedClusterFixture cluster) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task Run_SeriesSplitOverTwoPartitions_IsCountedOnceAndKeyedSeriesAreNot()
    {
        using var h = await PipelineHarness.CreateAsync(cluster);
        var split = Workloads.Series("latency", Workloads.PodAttributes("split-pod"), 40, 100, 5, seed: 1);
        var keyed = Workloads.Series("latency", Workloads.PodAttributes("keyed-pod"), 40, 100, 5, seed: 2);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(h.Endpoint.ProducerConfig("spread")).Build())
        {
            for (var i = 0; i < split.Count; i++)
            {
                // The same series alternates between partitions 0 and 1: a producer not keying by resource.
                await producer.ProduceAsync(new TopicPartition(h.Topics.Metrics, i % 2), new Message<byte[]?, byte[]> { Value = h.Serdes.MetricSample.Serialize(split[i]) });
                await producer.ProduceAsync(new TopicPartition(h.Topics.Metrics, 2), new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes("keyed"), Value = h.Serdes.MetricSample.Serialize(keyed[i]) });
            }
        }

        var stats = await h.RunAsync($"group-{Guid.NewGuid():N}");

        Assert.Equal(80, stats.Records);
        Assert.Equal(1, stats.SeriesOnSeveralPartitions);
    }
}
