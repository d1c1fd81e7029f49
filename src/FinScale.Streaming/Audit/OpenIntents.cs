using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Kafka;

namespace FinScale.Streaming.Audit;

/// <summary>
/// Finds the enforced decisions whose intent a previous run wrote to the intents topic (before sending the request) and
/// never tombstoned (after the outcome's audit record): the run died in between, so the action may or may not be on the
/// cluster, and the audit does not say. Reads the newest records of every partition of the compacted topic (an intent
/// and its tombstone share the decision id as key, so they share a partition, in order) up to the end it saw when it
/// began; assigned partitions, no group, nothing committed.
/// </summary>
public static class OpenIntents
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The intents among the last <paramref name="tail"/> records of each partition of <paramref name="topic"/> that no
    /// later tombstone of the same key follows, oldest first. Gives up after <paramref name="timeout"/> with what it has
    /// read (an intent it missed stays open for the next run). Undecodable records are skipped. An absent topic has none.
    /// </summary>
    public static async Task<IReadOnlyList<RemediationDecision>> FindAsync(
        KafkaEndpoint endpoint,
        string topic,
        AvroSerde<RemediationDecision> serde,
        int tail,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(serde);
        ArgumentNullException.ThrowIfNull(time);
        if (tail <= 0)
            return [];

        var config = endpoint.ConsumerConfig("finscale-intents-" + Guid.NewGuid().ToString("N"), "intents");
        config.EnableAutoCommit = false;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        int[] partitions;
        using (var admin = endpoint.CreateAdminClient())
        {
            var t = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.FirstOrDefault(x => x.Topic == topic);
            if (t is null || t.Error.IsError)
                return [];
            partitions = t.Partitions.Select(p => p.PartitionId).ToArray();
        }

        // Where each partition ends now: records written after this (by this run) are not read.
        var ends = new Dictionary<int, long>();
        var assignment = new List<TopicPartitionOffset>();
        foreach (var p in partitions)
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            if (w.High.Value <= w.Low.Value)
                continue;
            ends[p] = w.High.Value;
            assignment.Add(new TopicPartitionOffset(topic, p, new Offset(Math.Max(w.Low.Value, w.High.Value - tail))));
        }

        if (assignment.Count == 0)
            return [];
        consumer.Assign(assignment);

        var open = new Dictionary<string, RemediationDecision>(StringComparer.Ordinal);
        var order = new List<string>();
        var started = time.GetTimestamp();
        while (ends.Count > 0 && time.GetElapsedTime(started) < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.Zero) ?? await Task.Run(() => consumer.Consume(PollTimeout), cancellationToken);
            if (result is null)
                continue;
            var partition = result.Partition.Value;
            if (result.IsPartitionEOF || result.Offset.Value + 1 >= ends.GetValueOrDefault(partition, long.MaxValue))
                ends.Remove(partition);
            if (result.IsPartitionEOF || result.Message?.Key is not { } key)
                continue;
            var id = System.Text.Encoding.UTF8.GetString(key);
            if (result.Message.Value is not { Length: > 0 } value)
            {
                open.Remove(id); // the tombstone: its outcome is on the audit topic
                continue;
            }

            RemediationDecision decision;
            try
            {
                decision = await serde.DeserializeAsync(value, cancellationToken);
            }
            catch (RecordDecodeException)
            {
                continue;
            }

            open[id] = decision;
            order.Add(id);
        }

        return order.Distinct(StringComparer.Ordinal).Where(open.ContainsKey).Select(id => open[id]).ToList();
    }
}
