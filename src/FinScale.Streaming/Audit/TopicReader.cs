using System.Runtime.CompilerServices;
using Confluent.Kafka;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Kafka;

namespace FinScale.Streaming.Audit;

/// <summary>
/// Reads a topic outside any consumer group (all partitions assigned, nothing committed): for
/// <c>finscale audit tail</c>, the demo and tests. Raw records, or Avro records decoded with a serde,
/// where undecodable ones are reported, not fatal.
/// </summary>
public sealed class TopicReader
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(200);

    private readonly KafkaEndpoint _endpoint;
    private readonly TimeProvider _time;

    /// <summary>Creates a reader of <paramref name="endpoint"/>.</summary>
    public TopicReader(KafkaEndpoint endpoint, TimeProvider time)
    {
        _endpoint = endpoint;
        _time = time;
    }

    /// <summary>
    /// Yields the records of <paramref name="topic"/> from the beginning or from now on, until cancelled or,
    /// with <paramref name="untilIdle"/>, until caught up on every partition and nothing new came for that long.
    /// </summary>
    public async IAsyncEnumerable<ConsumeResult<byte[]?, byte[]>> ReadAsync(
        string topic,
        bool fromBeginning,
        TimeSpan? untilIdle,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Assigned partitions and no commits: reading never joins a group or moves anyone's offsets.
        var config = _endpoint.ConsumerConfig("finscale-reader-" + Guid.NewGuid().ToString("N"), "reader");
        config.EnableAutoCommit = false;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        int partitions;
        using (var admin = _endpoint.CreateAdminClient())
        {
            var meta = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
            var t = meta.Topics.SingleOrDefault(x => x.Topic == topic);
            if (t is null || t.Error.IsError || t.Partitions.Count == 0)
                throw new InvalidOperationException($"topic '{topic}' does not exist on {_endpoint.BootstrapServers}{(t is null ? string.Empty : ": " + t.Error.Reason)}");
            var start = fromBeginning ? Offset.Beginning : Offset.End;
            consumer.Assign(t.Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, start)));
            partitions = t.Partitions.Count;
        }

        // Idle means caught up (every partition at its end) and nothing new since: a slow first fetch is not idleness.
        var atEnd = new HashSet<int>();
        var last = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            // Take what is already fetched without a thread hop; only an empty queue waits, off this thread, briefly.
            var result = consumer.Consume(TimeSpan.Zero)
                ?? await Task.Run(() => consumer.Consume(PollTimeout), cancellationToken);
            if (result is null || result.IsPartitionEOF)
            {
                if (result is not null && atEnd.Add(result.Partition.Value) && atEnd.Count == partitions)
                    last = _time.GetTimestamp();
                if (untilIdle is { } idle && atEnd.Count == partitions && _time.GetElapsedTime(last) >= idle)
                    yield break;
                continue;
            }

            atEnd.Remove(result.Partition.Value);
            last = _time.GetTimestamp();
            yield return result;
        }
    }

    /// <summary>As <see cref="ReadAsync(string, bool, TimeSpan?, CancellationToken)"/>, decoding each value with <paramref name="serde"/>.</summary>
    public async IAsyncEnumerable<TopicRecord<T>> ReadAsync<T>(
        string topic,
        AvroSerde<T> serde,
        bool fromBeginning,
        TimeSpan? untilIdle,
        Action<string>? onUndecodable,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var result in ReadAsync(topic, fromBeginning, untilIdle, cancellationToken))
        {
            T value;
            try
            {
                value = await serde.DeserializeAsync(result.Message.Value ?? [], cancellationToken);
            }
            catch (RecordDecodeException ex)
            {
                onUndecodable?.Invoke($"{result.TopicPartitionOffset}: {ex.Message}");
                continue;
            }

            yield return new TopicRecord<T>(result.TopicPartitionOffset, result.Message.Key, value);
        }
    }
}

/// <summary>A decoded record, its key and where it was read.</summary>
/// <param name="Position">Topic, partition and offset.</param>
/// <param name="Key">The record's key.</param>
/// <param name="Value">The decoded record.</param>
public sealed record TopicRecord<T>(TopicPartitionOffset Position, byte[]? Key, T Value);
