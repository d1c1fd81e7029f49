using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using Microsoft.Extensions.Logging;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// The consume stage: reads metric records, decodes them into series points, batches the points per
/// detection shard and dead-letters what does not decode. Runs on one dedicated thread (the Kafka
/// consumer is polled from one thread); when a shard's channel is full it pauses the partitions and
/// keeps polling, so a slow stage never stalls the consumer past <c>max.poll.interval.ms</c>.
/// </summary>
internal sealed class KafkaSource
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    // Offsets only move as detection completes, asynchronously; storing them per message would take every partition's lock per message.
    private static readonly TimeSpan AdvanceInterval = TimeSpan.FromMilliseconds(100);

    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly AvroSerde<MetricSample> _serde;
    private readonly SeriesCatalog _catalog;
    private readonly ChannelWriter<ShardBatch>[] _shards;
    private readonly TopicOptions _topics;
    private readonly PipelineOptions _options;
    private readonly PipelineStats _stats;
    private readonly DeliveryFaults _faults;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, PartitionProgress> _progress = [];
    private readonly Queue<ConsumeResult<byte[]?, byte[]>> _heldWhilePaused = new();
    private readonly ShardBatch?[] _pending;
    private long _pendingSince;
    private long _lastActivity;
    private long _lastAdvance;

    public KafkaSource(
        ConsumerBuilder<byte[]?, byte[]> builder,
        IProducer<byte[]?, byte[]> producer,
        AvroSerde<MetricSample> serde,
        SeriesCatalog catalog,
        ChannelWriter<ShardBatch>[] shards,
        TopicOptions topics,
        PipelineOptions options,
        PipelineStats stats,
        DeliveryFaults faults,
        TimeProvider time,
        ILogger logger)
    {
        _producer = producer;
        _serde = serde;
        _catalog = catalog;
        _shards = shards;
        _topics = topics;
        _options = options;
        _stats = stats;
        _faults = faults;
        _time = time;
        _logger = logger;
        _pending = new ShardBatch?[shards.Length];
        _consumer = builder
            .SetPartitionsAssignedHandler((_, parts) => OnAssigned(parts))
            .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
            .SetPartitionsLostHandler((_, parts) => OnLost(parts))
            .SetErrorHandler((_, e) => PipelineLog.ClientError(_logger, e))
            .Build();
    }

    /// <summary>Records taken on and not yet fully processed, over all owned partitions.</summary>
    public int InFlight
    {
        get
        {
            var n = 0;
            foreach (var p in _progress.Values)
                n += p.InFlight;
            return n;
        }
    }

    /// <summary>Consumes until <paramref name="stop"/> (graceful) or <paramref name="abort"/> (a stage failed), then completes the shard channels.</summary>
    public void Run(CancellationToken stop, CancellationToken abort)
    {
        Exception? failure = null;
        try
        {
            _consumer.Subscribe(_topics.Metrics);
            _lastActivity = _time.GetTimestamp();
            while (!stop.IsCancellationRequested && !abort.IsCancellationRequested)
            {
                var result = _heldWhilePaused.Count > 0 ? _heldWhilePaused.Dequeue() : Consume(PollTimeout);
                if (result is null)
                {
                    FlushAll(abort);
                    AdvanceAll();
                    if (IsIdle())
                    {
                        PipelineLog.Idle(_logger, _options.UntilIdle!.Value);
                        break;
                    }

                    continue;
                }

                if (result.IsPartitionEOF)
                    continue;
                _lastActivity = _time.GetTimestamp();
                Process(result, abort);
                if (_pendingSince != 0 && _time.GetElapsedTime(_pendingSince) >= _options.MaxBatchDelay)
                    FlushAll(abort);
                if (_time.GetElapsedTime(_lastAdvance) >= AdvanceInterval)
                    AdvanceAll();
            }

            FlushAll(abort);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Another stage failed; its exception is the one reported.
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            foreach (var shard in _shards)
                shard.TryComplete(failure);
        }
    }

    /// <summary>Stores the offsets of everything fully processed, commits them and leaves the group. Call after downstream has drained.</summary>
    public void Close()
    {
        AdvanceAll();
        try
        {
            _consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.Local_NoOffset)
        {
            // Nothing stored since the last commit.
        }
        catch (KafkaException ex)
        {
            PipelineLog.CommitFailed(_logger, ex.Error.Reason);
        }

        _consumer.Close();
        _consumer.Dispose();
    }

    private ConsumeResult<byte[]?, byte[]>? Consume(TimeSpan timeout)
    {
        try
        {
            return _consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            PipelineLog.ConsumeError(_logger, ex.Error.Reason);
            return null;
        }
    }

    private void Process(ConsumeResult<byte[]?, byte[]> result, CancellationToken abort)
    {
        _stats.AddRecord();
        if (!_progress.TryGetValue(result.TopicPartition, out var progress))
        {
            progress = new PartitionProgress();
            _progress[result.TopicPartition] = progress;
        }

        var ticket = progress.Track(result.Offset.Value);
        MetricSample sample;
        try
        {
            sample = Decode(result.Message.Value, abort);
        }
        catch (RecordDecodeException ex)
        {
            DeadLetter(result, ex.Message, ticket);
            return;
        }

        var id = _catalog.GetOrAdd(sample.Key);
        if (id < 0)
        {
            _stats.AddRefusedPoints(1);
            ticket.Complete();
            return;
        }

        var shard = ShardDetector.ShardOf(id, _shards.Length);
        var batch = _pending[shard] ??= new ShardBatch(Math.Min(_options.MaxBatchPoints, 1024));
        if (_pendingSince == 0)
            _pendingSince = _time.GetTimestamp();
        ticket.AddPending();
        batch.Add(new SeriesPoint(id, sample.Timestamp.ToUnixTimeMilliseconds(), sample.Value), ticket);
        _stats.AddPoints(1);
        ticket.Complete(); // the source's own hold: the point now carries the record

        if (batch.Count >= _options.MaxBatchPoints)
            Hand(shard, abort);
    }

    private MetricSample Decode(byte[]? value, CancellationToken abort)
    {
        if (value is null)
            throw new RecordDecodeException("record has no value (tombstone)");
        if (!_serde.UsesRegistry)
            return _serde.Deserialize(value);

        // A registry id seen for the first time needs one lookup; this thread is ours, so waiting here is fine.
        var pending = _serde.DeserializeAsync(value, abort);
        return pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    private void DeadLetter(ConsumeResult<byte[]?, byte[]> result, string reason, RecordTicket ticket)
    {
        PipelineLog.DeadLettered(_logger, result.Topic, result.Partition.Value, result.Offset.Value, reason);
        var headers = new Headers();
        if (result.Message.Headers is { } original)
        {
            foreach (var h in original)
                headers.Add(h.Key, h.GetValueBytes());
        }

        headers.Add(DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason));
        headers.Add(DeadLetterHeaders.Topic, Encoding.UTF8.GetBytes(result.Topic));
        headers.Add(DeadLetterHeaders.Partition, Encoding.UTF8.GetBytes(result.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.Offset, Encoding.UTF8.GetBytes(result.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        var message = new Message<byte[]?, byte[]>
        {
            Key = result.Message.Key,
            Value = result.Message.Value ?? [],
            Headers = headers,
            Timestamp = result.Message.Timestamp,
        };

        // The record's offset advances only once the dead letter is durably written: nothing is lost.
        ProducerRetry.Produce(_producer, _topics.DeadLetter, message, _faults.Completing(ticket));
        _stats.AddDeadLettered();
    }

    private void FlushAll(CancellationToken abort)
    {
        for (var s = 0; s < _pending.Length; s++)
        {
            if (_pending[s] is { Count: > 0 })
                Hand(s, abort);
        }

        _pendingSince = 0;
    }

    private void Hand(int shard, CancellationToken abort)
    {
        var batch = _pending[shard]!;
        _pending[shard] = null;
        if (_shards[shard].TryWrite(batch))
            return;

        // Backpressure: pause fetching, keep polling (so the group keeps us), wait for room.
        PipelineLog.Paused(_logger, shard);
        var paused = _consumer.Assignment;
        _consumer.Pause(paused);
        try
        {
            while (!_shards[shard].TryWrite(batch))
            {
                abort.ThrowIfCancellationRequested();
                var room = _shards[shard].WaitToWriteAsync(abort).AsTask();
                ((IAsyncResult)room).AsyncWaitHandle.WaitOne(PollTimeout);
                if (room.IsCompleted && !room.IsCompletedSuccessfully)
                    abort.ThrowIfCancellationRequested();
                var held = Consume(TimeSpan.Zero);
                if (held is not null)
                    _heldWhilePaused.Enqueue(held);
                AdvanceAll();
            }
        }
        finally
        {
            _consumer.Resume(paused);
            PipelineLog.Resumed(_logger);
        }
    }

    private void AdvanceAll()
    {
        _lastAdvance = _time.GetTimestamp();
        foreach (var (tp, progress) in _progress)
        {
            if (progress.Advance() is { } next)
                Store(tp, next);
        }
    }

    private void Store(TopicPartition tp, long next)
    {
        try
        {
            _consumer.StoreOffset(new TopicPartitionOffset(tp, new Offset(next)));
        }
        catch (KafkaException ex)
        {
            // The partition was taken away between processing and storing: the new owner re-reads it (at least once).
            PipelineLog.StoreFailed(_logger, next, tp.ToString(), ex.Error.Reason);
        }
    }

    private bool IsIdle()
    {
        if (_options.UntilIdle is not { } idle)
            return false;
        return _time.GetElapsedTime(_lastActivity) >= idle && InFlight == 0 && _heldWhilePaused.Count == 0;
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        PipelineLog.Assigned(_logger, string.Join(", ", partitions));
        foreach (var tp in partitions)
            _progress[tp] = new PartitionProgress();
        _lastActivity = _time.GetTimestamp();
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        PipelineLog.Revoked(_logger, string.Join(", ", partitions.Select(p => p.TopicPartition)));
        var commit = new List<TopicPartitionOffset>();
        foreach (var tpo in partitions)
        {
            if (!_progress.Remove(tpo.TopicPartition, out var progress))
                continue;
            progress.Disown();
            if (progress.Advance() is { } next)
                commit.Add(new TopicPartitionOffset(tpo.TopicPartition, new Offset(next)));
        }

        if (commit.Count == 0)
            return;
        try
        {
            // Hand over exactly what is done: the next owner starts after the last fully processed record.
            consumer.Commit(commit);
        }
        catch (KafkaException ex)
        {
            PipelineLog.CommitFailed(_logger, ex.Error.Reason);
        }
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        PipelineLog.Lost(_logger, string.Join(", ", partitions.Select(p => p.TopicPartition)));
        foreach (var tpo in partitions)
        {
            if (_progress.Remove(tpo.TopicPartition, out var progress))
                progress.Disown();
        }
    }
}
