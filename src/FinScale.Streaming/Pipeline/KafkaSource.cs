using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Detection.Traces;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Otlp;
using Microsoft.Extensions.Logging;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// The consume stage: reads the input topics (Avro metric samples, OTLP metrics, OTLP spans), decodes each record
/// into series points (spans through trace windows), batches the points per detection shard and dead-letters what
/// does not decode. Runs on one dedicated thread (the Kafka consumer is polled from one thread); when a shard's
/// channel is full it pauses the partitions and keeps polling, so a slow stage never stalls the consumer past
/// <c>max.poll.interval.ms</c>.
/// </summary>
internal sealed class KafkaSource : IPointSink
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    // Offsets only move as detection completes, asynchronously; storing them per message would take every partition's lock per message.
    private static readonly TimeSpan AdvanceInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan CapReportInterval = TimeSpan.FromSeconds(30);

    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly AvroSerde<MetricSample> _serde;
    private readonly SeriesCatalog _catalog;
    private readonly Dictionary<string, InputKind> _inputs = new(StringComparer.Ordinal);
    private readonly OtlpMetricsDecoder _otlpMetrics;
    private readonly OtlpSpansDecoder _otlpSpans;
    private readonly bool _metricsJson;
    private readonly bool _spansJson;
    private readonly TraceMetricsAggregator<RecordTicket> _traces;
    private readonly ExemplarIndex? _exemplars;
    private readonly TicketGroups _groups = new();
    private readonly List<SpanRecord> _spanScratch = [];
    private readonly List<SeriesPoint> _derived = [];
    private readonly List<RecordTicket> _released = [];
    private readonly TimeSpan _traceIdleFlush;
    private readonly Dictionary<TopicPartition, SpanPartition> _spanPartitions = [];
    private RecordTicket? _current;

    // Which partition each series' points come from (1-based partition number of this run; negative once a second
    // partition was seen and counted). Per-series state follows a partition only if producers key by resource.
    private readonly Dictionary<TopicPartition, int> _partitionNumbers = [];
    private int[] _home = new int[1024];
    private TopicPartition[] _homeNames = [];
    private int _currentHome;
    private CancellationToken _abort;
    private long _reportedRefused;
    private long _routedPoints;
    private long _lastCapReport;
    private readonly ChannelWriter<ShardBatch>[] _shards;
    private readonly TopicOptions _topics;
    private readonly PipelineOptions _options;
    private readonly PipelineStats _stats;
    private readonly DeliveryFaults _faults;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, PartitionProgress> _progress = [];
    private readonly Queue<ConsumeResult<byte[]?, byte[]>> _heldWhilePaused = new();

    // Assigned partitions whose end the consumer has reached (an end-of-partition event) with no record since.
    private readonly HashSet<TopicPartition> _caughtUp = [];
    private readonly ShardBatch?[] _pending;
    private readonly ShardBatchPool _batches;
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
        OtlpOptions otlp,
        TraceMetricsOptions traces,
        PipelineStats stats,
        DeliveryFaults faults,
        TimeProvider time,
        ILogger logger,
        ExemplarIndex? exemplars = null,
        ShardBatchPool? batches = null)
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
        _batches = batches ?? new ShardBatchPool(Math.Min(options.MaxBatchPoints, 1024), 0);
        if (!string.IsNullOrEmpty(topics.Metrics))
            _inputs[topics.Metrics] = InputKind.AvroMetrics;
        if (!string.IsNullOrEmpty(topics.OtlpMetrics))
            _inputs[topics.OtlpMetrics] = InputKind.OtlpMetrics;
        if (!string.IsNullOrEmpty(topics.OtlpSpans))
            _inputs[topics.OtlpSpans] = InputKind.OtlpSpans;
        _otlpMetrics = new OtlpMetricsDecoder(catalog, otlp, time);
        _otlpSpans = new OtlpSpansDecoder(otlp, time);
        _metricsJson = otlp.MetricsEncoding == OtlpOptions.JsonEncoding;
        _spansJson = otlp.SpansEncoding == OtlpOptions.JsonEncoding;
        _traces = new TraceMetricsAggregator<RecordTicket>(traces, catalog) { Exemplars = exemplars };
        _exemplars = exemplars;
        _traceIdleFlush = traces.Window + traces.AllowedLateness;
        stats.OtlpMetrics = _otlpMetrics.Counters;
        stats.OtlpSpans = _otlpSpans.Counters;
        stats.Traces = _traces;
        stats.Catalog = catalog;
        _consumer = builder
            .SetPartitionsAssignedHandler((_, parts) => OnAssigned(parts))
            .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
            .SetPartitionsLostHandler((_, parts) => OnLost(parts))
            .SetErrorHandler((_, e) => PipelineLog.ClientError(_logger, e))
            .Build();
    }

    /// <summary>Span windows and service-graph state of this source (counters for stats and health).</summary>
    public TraceMetricsAggregator<RecordTicket> Traces => _traces;

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
        _abort = abort;
        try
        {
            _consumer.Subscribe(_inputs.Keys);
            _lastActivity = _time.GetTimestamp();
            while (!stop.IsCancellationRequested && !abort.IsCancellationRequested)
            {
                // With points waiting in partly filled batches, only take what the client has ready: once it has
                // nothing, the batches go to the shards now (below) rather than after Pipeline:MaxBatchDelay. Under load
                // the client's prefetched queue is rarely empty, so batches still fill up.
                var result = _heldWhilePaused.Count > 0 ? _heldWhilePaused.Dequeue() : Consume(_pendingSince != 0 ? TimeSpan.Zero : PollTimeout);
                if (result is null)
                {
                    CloseTraceWindows(abort, idle: true);
                    FlushAll(abort);
                    AdvanceAll();
                    if (IsIdle())
                        break;

                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    if (_progress.ContainsKey(result.TopicPartition))
                        _caughtUp.Add(result.TopicPartition);
                    if (_spanPartitions.TryGetValue(result.TopicPartition, out var caughtUp))
                    {
                        caughtUp.Known = true;
                        caughtUp.AtEnd = true;
                        CloseTraceWindows(abort, idle: false);
                    }

                    continue;
                }

                _lastActivity = _time.GetTimestamp();
                _caughtUp.Remove(result.TopicPartition);
                Process(result, abort);
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
            PublishPoints();
            foreach (var shard in _shards)
                shard.TryComplete(failure);
        }
    }

    /// <summary>Stores the offsets of everything fully processed, commits them and leaves the group. Call after downstream has drained.</summary>
    public void Close()
    {
        AdvanceAll();
        var m = _otlpMetrics.Counters;
        if (m.DataPoints > 0)
            PipelineLog.OtlpMetricsSummary(_logger, m.DataPoints, m.Emitted, m.NoRecordedValuePoints, m.NonFinitePoints, m.MissingTimestampPoints, m.FutureTimestampPoints, m.UnspecifiedTemporalityPoints, m.StalePoints, m.MalformedDataPoints, m.CounterResets, m.DefaultedServiceNames);
        var sp = _otlpSpans.Counters;
        if (sp.Spans > 0)
            PipelineLog.OtlpSpansSummary(_logger, sp.Spans, sp.MalformedSpanCount, sp.FutureTimestampPoints, _traces.SpansAccepted, _traces.LateSpansDropped, _traces.EdgesPaired, _traces.VirtualEdges, _traces.UnpairedExpired, _traces.PendingDropped);
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
        if (!_partitionNumbers.TryGetValue(result.TopicPartition, out _currentHome))
        {
            _partitionNumbers[result.TopicPartition] = _currentHome = _partitionNumbers.Count + 1;
            Volatile.Write(ref _homeNames, [.. _homeNames, result.TopicPartition]);
        }

        try
        {
            if (result.Message.Value is null)
                throw new RecordDecodeException("record has no value (tombstone)");
            switch (_inputs.GetValueOrDefault(result.Topic))
            {
                case InputKind.OtlpMetrics:
                    _current = ticket;
                    _otlpMetrics.Decode(_metricsJson ? OtlpJsonTranscoder.MetricsRequestToProtobuf(result.Message.Value) : result.Message.Value, this);
                    break;
                case InputKind.OtlpSpans:
                    // Span-derived series gather spans of every span partition: they have no home partition.
                    _currentHome = 0;
                    ProcessSpans(_spansJson ? OtlpJsonTranscoder.TraceRequestToProtobuf(result.Message.Value) : result.Message.Value, result.TopicPartition, ticket, abort);
                    break;
                default:
                    var sample = Decode(result.Message.Value, abort);
                    _current = ticket;
                    var id = _catalog.GetOrAdd(sample.Key);
                    if (id < 0)
                        _stats.AddRefusedPoints(1);
                    else
                        Add(id, sample.Timestamp.ToUnixTimeMilliseconds(), sample.Value);
                    break;
            }
        }
        catch (RecordDecodeException ex)
        {
            // Decoders emit nothing for a record they reject, so the dead letter is the record's only outcome.
            DeadLetter(result, ex.Message, ticket);
            return;
        }
        finally
        {
            _current = null;
            _currentHome = 0;
        }

        ticket.Complete(); // the source's own hold: the record's points (or spans) now carry it
        if (_pendingSince != 0 && _time.GetElapsedTime(_pendingSince) >= _options.MaxBatchDelay)
            FlushAll(abort);
    }

    /// <inheritdoc/>
    public void Add(int seriesId, long timestampMs, double value)
    {
        if (_currentHome != 0)
            TrackHome(seriesId);
        Route(new SeriesPoint(seriesId, timestampMs, value), _current!);
    }

    /// <summary>
    /// The input partition <paramref name="seriesId"/>'s points came from (the first one, for a series seen on several), or
    /// null for a series with none (span-derived) or not seen yet. Safe from the detection shards' threads: at worst a
    /// moment stale.
    /// </summary>
    public TopicPartition? HomeOf(int seriesId)
    {
        var homes = Volatile.Read(ref _home);
        var names = Volatile.Read(ref _homeNames);
        if (seriesId < 0 || seriesId >= homes.Length)
            return null;
        var home = Math.Abs(homes[seriesId]);
        return home > 0 && home <= names.Length ? names[home - 1] : null;
    }

    /// <summary>Called on the consuming thread when partitions are assigned, before any of their records is read (the baseline restore).</summary>
    public Action<List<TopicPartition>>? PartitionsAssigned { get; set; }

    private void TrackHome(int seriesId)
    {
        if (seriesId >= _home.Length)
        {
            var grown = _home;
            Array.Resize(ref grown, Math.Max(seriesId + 1, _home.Length * 2));
            Volatile.Write(ref _home, grown);
        }

        var home = _home[seriesId];
        if (home == 0)
        {
            _home[seriesId] = _currentHome;
        }
        else if (home > 0 && home != _currentHome)
        {
            // Counted once per series: its state cannot follow one partition when the group rebalances.
            _home[seriesId] = -home;
            _stats.AddSeriesOnSeveralPartitions();
        }
    }

    /// <inheritdoc/>
    public void AddExemplar(int seriesId, long timestampMs, UInt128 traceId, ulong spanId) => _exemplars?.Add(seriesId, timestampMs, traceId, spanId);

    private void Route(in SeriesPoint point, RecordTicket ticket)
    {
        var shard = ShardDetector.ShardOf(point.SeriesId, _shards.Length);
        var batch = _pending[shard] ??= _batches.Rent();
        if (_pendingSince == 0)
            _pendingSince = _time.GetTimestamp();
        ticket.AddPending();
        batch.Add(point, ticket);
        _routedPoints++; // published to the shared counter in bulk: an interlocked add per point is not needed for a statistic
        if (batch.Count >= _options.MaxBatchPoints)
            Hand(shard, _abort);
    }

    private void ProcessSpans(byte[] request, TopicPartition partition, RecordTicket ticket, CancellationToken abort)
    {
        _spanScratch.Clear();
        _otlpSpans.Decode(request, _spanScratch);
        if (!_spanPartitions.TryGetValue(partition, out var progress))
            _spanPartitions[partition] = progress = new SpanPartition();
        progress.Known = true;
        progress.AtEnd = false;
        foreach (var span in _spanScratch)
        {
            // Each span holds the record until the windows it feeds are closed and their points detected.
            ticket.AddPending();
            _traces.Add(span, ticket);
            progress.MaxEndMs = Math.Max(progress.MaxEndMs, span.EndUnixNano / 1_000_000);
        }

        CloseTraceWindows(abort, idle: false);
    }

    /// <summary>
    /// The event time up to which span input is complete: the least progress over the span partitions still
    /// delivering (a partition that is behind must not see its spans dropped as late because another ran ahead);
    /// partitions read to their end do not hold it back, and once all are, it is the furthest progress. Nothing is
    /// complete while an assigned partition has reported neither data nor its end.
    /// </summary>
    private long SpanWatermark()
    {
        long least = long.MaxValue, most = long.MinValue;
        var delivering = false;
        foreach (var p in _spanPartitions.Values)
        {
            if (!p.Known)
                return long.MinValue;
            most = Math.Max(most, p.MaxEndMs);
            if (!p.AtEnd)
            {
                least = Math.Min(least, p.MaxEndMs);
                delivering = true;
            }
        }

        return delivering ? least : most;
    }

    /// <summary>Emits the points of trace windows the watermark has passed (or, when the input has gone quiet, of every open window).</summary>
    private void CloseTraceWindows(CancellationToken abort, bool idle)
    {
        _derived.Clear();
        _released.Clear();
        if (idle)
        {
            var quiet = _time.GetElapsedTime(_lastActivity);
            var flushAfter = _options.UntilIdle is { } untilIdle && untilIdle / 2 < _traceIdleFlush ? untilIdle / 2 : _traceIdleFlush;
            if (quiet < flushAfter)
                return;
            _traces.Flush(_derived, _released);
        }
        else
        {
            _traces.Advance(SpanWatermark(), _derived, _released);
        }

        if (_derived.Count == 0 && _released.Count == 0)
            return;
        var group = _groups.Start(_released);
        foreach (var p in _derived)
            Route(p, group);
        group.Complete();
        if (_pendingSince != 0 && _time.GetElapsedTime(_pendingSince) >= _options.MaxBatchDelay)
            FlushAll(abort);
    }

    private MetricSample Decode(byte[] value, CancellationToken abort)
    {
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

    private void PublishPoints()
    {
        _stats.AddPoints(_routedPoints);
        _routedPoints = 0;
    }

    private void AdvanceAll()
    {
        PublishPoints();
        _lastAdvance = _time.GetTimestamp();
        ReportCap();
        foreach (var (tp, progress) in _progress)
        {
            if (progress.Advance() is { } next)
                Store(tp, next);
        }
    }

    private void ReportCap()
    {
        // Refusals are counted all along; say so in the log at most every half minute while they keep coming.
        var refused = _catalog.Refused;
        if (refused == _reportedRefused || (_lastCapReport != 0 && _time.GetElapsedTime(_lastCapReport) < CapReportInterval))
            return;
        _reportedRefused = refused;
        _lastCapReport = _time.GetTimestamp();
        PipelineLog.SeriesCapReached(_logger, _catalog.Count, refused);
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

    /// <summary>
    /// With <see cref="PipelineOptions.UntilIdle"/>: whether the run has nothing left to do, logging why it stops. Idle is
    /// nothing new for that long (records, or a change of assignment), nothing in flight, and the end reached of every
    /// partition the group assigned. The last part matters before the first records: joining a group takes Apache
    /// Kafka's initial rebalance delay (3 s by default), or a departed member's session timeout, and the first fetch
    /// after it may be slow; a run that counted idleness from its subscription ended having read nothing. Should the
    /// group never assign a partition, or a partition's end never be reached (a broker that stays away), the run still
    /// stops after <see cref="CatchUpAllowance"/> more, with a warning that says so.
    /// </summary>
    private bool IsIdle()
    {
        if (_options.UntilIdle is not { } idle)
            return false;
        var quiet = _time.GetElapsedTime(_lastActivity);
        if (quiet < idle || InFlight != 0 || _heldWhilePaused.Count != 0 || _stats.PendingRetries != 0)
            return false;
        if (_progress.Count > 0 && _caughtUp.Count == _progress.Count)
        {
            PipelineLog.Idle(_logger, idle);
            return true;
        }

        if (quiet < idle + CatchUpAllowance)
            return false;
        var behind = _progress.Keys.Where(tp => !_caughtUp.Contains(tp)).Select(tp => tp.ToString()).ToList();
        PipelineLog.IdleNotCaughtUp(_logger, quiet, _progress.Count, behind.Count == 0 ? "(none)" : string.Join(", ", behind));
        return true;
    }

    /// <summary>How much longer than <see cref="PipelineOptions.UntilIdle"/> a run waits for partitions, or for their end, before it stops anyway.</summary>
    internal static readonly TimeSpan CatchUpAllowance = TimeSpan.FromSeconds(60);

    private void OnAssigned(List<TopicPartition> partitions)
    {
        PipelineLog.Assigned(_logger, string.Join(", ", partitions));
        foreach (var tp in partitions)
        {
            _progress[tp] = new PartitionProgress();
            if (_inputs.GetValueOrDefault(tp.Topic) == InputKind.OtlpSpans)
                _spanPartitions[tp] = new SpanPartition();
        }

        _stats.SetAssignedPartitions(_progress.Count);
        PartitionsAssigned?.Invoke(partitions);
        _lastActivity = _time.GetTimestamp();
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        PipelineLog.Revoked(_logger, string.Join(", ", partitions.Select(p => p.TopicPartition)));
        var commit = new List<TopicPartitionOffset>();
        foreach (var tpo in partitions)
        {
            _spanPartitions.Remove(tpo.TopicPartition);
            _caughtUp.Remove(tpo.TopicPartition);
            if (!_progress.Remove(tpo.TopicPartition, out var progress))
                continue;
            progress.Disown();
            if (progress.Advance() is { } next)
                commit.Add(new TopicPartitionOffset(tpo.TopicPartition, new Offset(next)));
        }

        _stats.SetAssignedPartitions(_progress.Count);
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
            _spanPartitions.Remove(tpo.TopicPartition);
            _caughtUp.Remove(tpo.TopicPartition);
            if (_progress.Remove(tpo.TopicPartition, out var progress))
                progress.Disown();
        }

        _stats.SetAssignedPartitions(_progress.Count);
    }

    /// <summary>How far one span partition has delivered, for the trace windows' watermark.</summary>
    private sealed class SpanPartition
    {
        public long MaxEndMs = long.MinValue;
        public bool Known;
        public bool AtEnd;
    }

    private enum InputKind
    {
        AvroMetrics,
        OtlpMetrics,
        OtlpSpans,
    }
}
