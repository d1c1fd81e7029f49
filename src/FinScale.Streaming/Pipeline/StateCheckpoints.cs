using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;
using FinScale.Detection;
using Microsoft.Extensions.Logging;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Baseline checkpoints on the compacted state topic (<c>finscale.state</c>), the changelog pattern of Kafka Streams:
/// each detection shard periodically writes the state of the series it changed, keyed by series, to the state partition
/// numbered like the series' input partition (modulo the state topic's partitions); an instance that is assigned an input
/// partition reads those state partitions back and starts the partition's series warm. The value names the input topic
/// and partition, so series of other partitions sharing a state partition are skipped.
/// </summary>
/// <remarks>
/// Value layout: the bytes <c>F S 1</c>, the input topic as a length-prefixed (UInt16, big-endian) UTF-8 string, the input
/// partition (Int32, big-endian), then <see cref="ShardDetector.ExportState"/>'s bytes. Checkpoints are not transactional
/// with the input offsets: the instance that takes over resumes from the last checkpoint (at most one interval old) and
/// re-reads from the last committed offset, so its baselines may miss the updates of up to one interval.
/// </remarks>
internal sealed class StateCheckpoints
{
    private static readonly byte[] Magic = "FS1"u8.ToArray();

    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly string _topic;
    private readonly int _statePartitions;
    private readonly SeriesCatalog _catalog;
    private readonly Func<int, TopicPartition?> _homeOf;
    private readonly PipelineStats _stats;
    private readonly ILogger _logger;

    public StateCheckpoints(IProducer<byte[]?, byte[]> producer, string topic, int statePartitions, SeriesCatalog catalog, Func<int, TopicPartition?> homeOf, PipelineStats stats, ILogger logger)
    {
        _producer = producer;
        _topic = topic;
        _statePartitions = Math.Max(1, statePartitions);
        _catalog = catalog;
        _homeOf = homeOf;
        _stats = stats;
        _logger = logger;
        _onDelivered = OnDelivered;
    }

    /// <summary>
    /// Checkpoint records handed to the producer and not yet acknowledged, over all shards, beyond which a paced write
    /// stops for the round: the producer is shared with anomalies and audit records, which must not queue behind a
    /// million checkpoints, and its queue's memory stays bounded (about 8 MB at 1 KB a record).
    /// </summary>
    internal const int MaxInFlight = 8_192;

    private long _inFlight;

    /// <summary>Checkpoint records handed to the producer and not yet acknowledged.</summary>
    internal long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Writes the state of <paramref name="seriesIds"/>[<paramref name="from"/>..<paramref name="to"/>) and returns the
    /// index it reached. Without <paramref name="wait"/> it stops early, for the caller to go on later, when
    /// <see cref="MaxInFlight"/> records are unacknowledged; with it, it waits for acknowledgements instead (at stop).
    /// Called on the shard's own thread.
    /// </summary>
    public int Write(ShardDetector detector, List<int> seriesIds, int from, int to, bool wait)
    {
        var i = from;
        for (; i < to; i++)
        {
            while (Interlocked.Read(ref _inFlight) >= MaxInFlight)
            {
                if (!wait)
                    return i;
                _producer.Flush(TimeSpan.FromMilliseconds(50)); // delivery reports are served meanwhile
            }

            var seriesId = seriesIds[i];

            // Span-derived series have no home partition: nothing could restore them per partition.
            if (_homeOf(seriesId) is not { } home)
                continue;
            var (buffer, writer) = t_scratch ??= NewScratch();
            buffer.SetLength(0);
            if (!detector.ExportState(seriesId, writer))
                continue;
            writer.Flush();
            var message = new Message<byte[]?, byte[]>
            {
                Key = _catalog.Utf8Of(seriesId),
                Value = Encode(TopicName(home.Topic), home.Partition.Value, buffer.GetBuffer().AsSpan(0, (int)buffer.Length)),
            };
            Interlocked.Increment(ref _inFlight);
            try
            {
                ProducerRetry.Produce(_producer, new TopicPartition(_topic, home.Partition.Value % _statePartitions), message, _onDelivered);
            }
            catch
            {
                Interlocked.Decrement(ref _inFlight);
                throw;
            }
        }

        return i;
    }

    private static byte[] Encode(ReadOnlySpan<byte> name, int partition, ReadOnlySpan<byte> state)
    {
        var value = new byte[Magic.Length + 2 + name.Length + 4 + state.Length];
        Magic.CopyTo(value, 0);
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(Magic.Length), checked((ushort)name.Length));
        name.CopyTo(value.AsSpan(Magic.Length + 2));
        BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(Magic.Length + 2 + name.Length), partition);
        state.CopyTo(value.AsSpan(Magic.Length + 2 + name.Length + 4));
        return value;
    }

    /// <summary>Each shard thread's buffer for a series' state, reused for every series it checkpoints.</summary>
    [ThreadStatic]
    private static (MemoryStream Buffer, BinaryWriter Writer)? t_scratch;

    /// <summary>Input topic names as UTF-8, encoded once (a handful of topics; shard threads read it at once).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _topicNames = new(StringComparer.Ordinal);

    private readonly Action<DeliveryReport<byte[]?, byte[]>> _onDelivered;

    private static (MemoryStream, BinaryWriter) NewScratch()
    {
        var buffer = new MemoryStream(2048);
        return (buffer, new BinaryWriter(buffer));
    }

    private byte[] TopicName(string topic) => _topicNames.GetOrAdd(topic, static t => Encoding.UTF8.GetBytes(t));

    private void OnDelivered(DeliveryReport<byte[]?, byte[]> report)
    {
        Interlocked.Decrement(ref _inFlight);
        if (report.Error.IsError)
            PipelineLog.CheckpointFailed(_logger, _topic, report.Error.Reason);
        else
            _stats.AddCheckpointed();
    }

    public static bool TryDecode(byte[]? value, out string topic, out int partition, out byte[] state)
    {
        topic = string.Empty;
        partition = -1;
        state = [];
        if (value is null || value.Length < Magic.Length + 6 || !value.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            return false;
        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(Magic.Length));
        var at = Magic.Length + 2 + nameLength;
        if (value.Length < at + 4)
            return false;
        topic = Encoding.UTF8.GetString(value, Magic.Length + 2, nameLength);
        partition = BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(at));
        state = value[(at + 4)..];
        return true;
    }

    /// <summary>
    /// Reads the checkpoints of the series of <paramref name="assigned"/> (input partitions) from the state topic, up to
    /// its end as it is now, handing each to <paramref name="onState"/> in offset order as it is read: a state, or null
    /// for a tombstone (whose input partition is unknown: the caller decides whether it concerns a series it restored).
    /// A key not yet compacted away arrives once per version, the newest last, so applying them in turn leaves the newest.
    /// Nothing is gathered here: a takeover of a million series once held every state and key at once.
    /// </summary>
    /// <returns>
    /// The keys (and state partitions) whose newest record is a state older than <paramref name="ttl"/> by its timestamp,
    /// which were not handed over (at most <see cref="MaxRemovedPerRead"/>; none when <paramref name="ttl"/> is zero),
    /// and how many aged records were left out in all.
    /// </returns>
    public static (List<(byte[] Key, int StatePartition)> Expired, int Aged) Read(
        ConsumerConfig config, string topic, IReadOnlyCollection<TopicPartition> assigned, TimeSpan timeout, TimeSpan ttl, TimeProvider time, ILogger logger,
        Action<string, byte[]?> onState)
    {
        ArgumentNullException.ThrowIfNull(onState);
        if (assigned.Count == 0)
            return ([], 0);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        var started = time.GetTimestamp();
        if (GetPartitionCount(consumer, topic, timeout) is not { } statePartitions || statePartitions == 0)
            return ([], 0);
        var wanted = assigned.Select(tp => (tp.Topic, tp.Partition.Value)).ToHashSet();
        var ends = new List<TopicPartitionOffset>();
        foreach (var p in assigned.Select(tp => tp.Partition.Value % statePartitions).Distinct())
        {
            var tp = new TopicPartition(topic, p);
            var w = consumer.QueryWatermarkOffsets(tp, timeout);
            if (w.High > w.Low)
                ends.Add(new TopicPartitionOffset(tp, w.High));
        }

        if (ends.Count == 0)
            return ([], 0);
        consumer.Assign(ends.Select(e => new TopicPartitionOffset(e.TopicPartition, Offset.Beginning)));
        var remaining = ends.ToDictionary(e => e.Partition.Value, e => e.Offset.Value);
        var expired = new Dictionary<string, (byte[] Key, int StatePartition)>(StringComparer.Ordinal);
        var oldest = ttl > TimeSpan.Zero ? time.GetUtcNow() - ttl : DateTimeOffset.MinValue;
        var corrupt = 0;
        var aged = 0;
        while (remaining.Count > 0 && time.GetElapsedTime(started) < timeout)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null || r.IsPartitionEOF)
                continue;
            if (r.Offset.Value + 1 >= remaining.GetValueOrDefault(r.Partition.Value, long.MaxValue))
                remaining.Remove(r.Partition.Value);
            if (r.Message.Key is null)
                continue;
            var series = Encoding.UTF8.GetString(r.Message.Key);
            if (r.Message.Value is null)
            {
                expired.Remove(series);
                onState(series, null); // a tombstone
                continue;
            }

            if (!TryDecode(r.Message.Value, out var inputTopic, out var inputPartition, out var state))
            {
                corrupt++;
                continue;
            }

            if (!wanted.Contains((inputTopic, inputPartition)))
                continue;
            if (r.Message.Timestamp.Type != TimestampType.NotAvailable && r.Message.Timestamp.UtcDateTime < oldest)
            {
                // Silent for longer than the TTL, unless a newer record of the key follows. A state of it handed over
                // before (an older record than this one cannot be fresher) is forgotten. Past MaxRemovedPerRead keys the
                // rest are only left out, not removed yet: the first takeover after an upgrade may meet years of them.
                aged++;
                if (expired.Count < MaxRemovedPerRead || expired.ContainsKey(series))
                    expired[series] = (r.Message.Key, r.Partition.Value);
                onState(series, null);
                continue;
            }

            expired.Remove(series);
            onState(series, state);
        }

        if (remaining.Count > 0)
            PipelineLog.RestoreIncomplete(logger, topic, timeout);
        if (corrupt > 0)
            PipelineLog.RestoreCorrupt(logger, topic, corrupt);
        return ([.. expired.Values], aged);
    }

    /// <summary>Most aged keys one read removes (their keys are held until the read ends: about 15 MB at most).</summary>
    internal const int MaxRemovedPerRead = 100_000;

    /// <summary>Removes the checkpoints of <paramref name="keys"/> from the state topic (tombstones, for compaction to drop).</summary>
    public void Remove(IEnumerable<(byte[] Key, int StatePartition)> keys)
    {
        foreach (var (key, partition) in keys)
        {
            ProducerRetry.Produce(_producer, new TopicPartition(_topic, partition), new Message<byte[]?, byte[]> { Key = key, Value = null! }, report =>
            {
                if (report.Error.IsError)
                    PipelineLog.CheckpointFailed(_logger, _topic, report.Error.Reason);
            });
        }
    }

    private static int? GetPartitionCount(IConsumer<byte[]?, byte[]> consumer, string topic, TimeSpan timeout)
    {
        // Over the consumer's own connections: an admin client built from a consumer's configuration warns about every consumer property.
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var meta = admin.GetMetadata(topic, timeout).Topics.FirstOrDefault(t => t.Topic == topic);
        return meta is null || meta.Error.IsError ? null : meta.Partitions.Count;
    }
}

/// <summary>
/// One detection shard's side of the checkpoints: its restore queue, and its checkpoint cycles. A cycle starts once
/// <c>Pipeline:CheckpointInterval</c> has passed since the last one started, takes the series changed since, and writes
/// them a share at a time after each detection round, paced to finish within half the interval (later if the producer
/// falls behind: at most <see cref="StateCheckpoints.MaxInFlight"/> records unacknowledged), so no round stops for the
/// whole shard's states. Writing them all at once held a shard of 500,000 series for 3.5 s (<c>finscale bench --series
/// 1000000 --checkpoint-interval 15s</c>: append-to-anomaly p99 3.5 s). A series' newest checkpoint is at most about one
/// and a half intervals old while the producer keeps up; at stop, everything pending and changed is written.
/// </summary>
internal sealed class ShardCheckpointing(StateCheckpoints checkpoints, TimeSpan interval, TimeProvider time, ILogger logger)
{
    /// <summary>Set whenever this shard has applied its queued restores; the restoring thread waits on it for room.</summary>
    public ManualResetEventSlim? RestoresApplied { get; init; }

    private readonly System.Collections.Concurrent.ConcurrentQueue<(int SeriesId, byte[]? State)> _restores = new();
    private long _queuedBytes;

    /// <summary>The series of the cycle in progress; those from <see cref="_cursor"/> on are still to be written.</summary>
    private readonly List<int> _pending = [];
    private int _cursor;
    private long _cycleStarted = time.GetTimestamp();

    /// <summary>Whether checkpoint work may fall due for <paramref name="detector"/> while no batch comes: a cycle in progress, or changed series for the next.</summary>
    public bool HasWork(ShardDetector detector) => Pending > 0 || detector.HasChanges;

    /// <summary>The series of the cycle in progress not yet written (read by the metrics too: a moment's value).</summary>
    public int Pending => Math.Max(0, _pending.Count - Volatile.Read(ref _cursor));

    /// <summary>Bytes of restored states queued for the shard and not yet applied.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Queues a restored series for the shard (from the consuming thread); a null state forgets the series.</summary>
    public void Enqueue(int seriesId, byte[]? state)
    {
        Interlocked.Add(ref _queuedBytes, state?.Length ?? 0);
        _restores.Enqueue((seriesId, state));
    }

    /// <summary>Applies the queued restores (on the shard's thread).</summary>
    public void Restore(ShardDetector detector)
    {
        while (_restores.TryDequeue(out var r))
        {
            try
            {
                if (r.State is null)
                {
                    detector.Forget(r.SeriesId);
                }
                else
                {
                    detector.ImportState(r.SeriesId, r.State);
                }
            }
            catch (InvalidDataException ex)
            {
                PipelineLog.CheckpointFailed(logger, "(restore)", ex.Message);
            }
            finally
            {
                Interlocked.Add(ref _queuedBytes, -(r.State?.Length ?? 0));
            }
        }

        RestoresApplied?.Set();
    }

    /// <summary>
    /// After a detection round: starts a cycle when the interval has passed since the last one started, and writes the
    /// share of the cycle's series due by now (linear over half the interval).
    /// </summary>
    public void WriteIfDue(ShardDetector detector)
    {
        var elapsed = time.GetElapsedTime(_cycleStarted);
        if (Pending == 0)
        {
            if (elapsed < interval)
                return;
            _pending.Clear();
            _cursor = 0;
            detector.DrainChanged(_pending);
            _cycleStarted = time.GetTimestamp();
            elapsed = TimeSpan.Zero;
            if (_pending.Count == 0)
                return;
        }

        var spread = interval / 2;
        var share = spread <= TimeSpan.Zero ? 1.0 : Math.Min(1.0, elapsed / spread);
        // At least one series a round, so a cycle always ends.
        var due = Math.Max(_cursor + 1, (int)Math.Min(_pending.Count, Math.Ceiling(_pending.Count * share)));
        _cursor = checkpoints.Write(detector, _pending, _cursor, due, wait: false);
    }

    /// <summary>Writes the rest of the cycle in progress and every series changed since, waiting for room (at stop).</summary>
    public void Write(ShardDetector detector)
    {
        checkpoints.Write(detector, _pending, _cursor, _pending.Count, wait: true);
        _pending.Clear();
        detector.DrainChanged(_pending);
        _cursor = checkpoints.Write(detector, _pending, 0, _pending.Count, wait: true);
        _cycleStarted = time.GetTimestamp();
    }
}
