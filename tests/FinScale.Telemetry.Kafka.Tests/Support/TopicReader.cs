using System.Diagnostics;
using Confluent.Kafka;

namespace FinScale.Telemetry.Kafka.Tests.Support;

/// <summary>Reads a whole topic from the beginning of every partition, without a consumer group (no rebalance wait).</summary>
public static class TopicReader
{
    // Generous upper bound: the loop ends as soon as its condition holds, this only stops a hang.
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Polls until at least <paramref name="expected"/> records were read and every partition then reported its end,
    /// so the result holds everything the topic had, including any records beyond those expected.
    /// </summary>
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(string bootstrapServers, string topic, int expected)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        var partitions = Enumerable.Range(0, KafkaClusterFixture.Partitions).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));

        var records = new List<ConsumeResult<byte[], byte[]>>();
        var atEnd = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (records.Count < expected || atEnd.Count < partitions.Count)
        {
            Assert.True(clock.Elapsed < Deadline, $"read {records.Count}/{expected} records of '{topic}' in {Deadline}");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }

            atEnd.Remove(result.Partition.Value);
            records.Add(result);
        }

        consumer.Close();
        return records;
    }
}
