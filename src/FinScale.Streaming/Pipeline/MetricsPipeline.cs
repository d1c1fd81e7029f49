using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Remediation;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Telemetry;
using Microsoft.Extensions.Logging;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// <c>finscale run</c>: consume → decode → shard → detect → decide → audit, every stage joined by a
/// bounded channel. Offsets are stored only for records whose points passed detection and whose
/// anomalies and decisions were acknowledged by the broker (at least once).
/// </summary>
public sealed class MetricsPipeline
{
    private readonly KafkaEndpoint _endpoint;
    private readonly PipelineSettings _settings;
    private readonly KafkaOptions _kafka;
    private readonly TopicOptions _topics;
    private readonly PipelineOptions _options;
    private readonly DetectorOptions _detection;
    private readonly DecisionSettings _decisions;
    private readonly AvroSerdes _serdes;
    private readonly IRemediationExecutor _executor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the pipeline; nothing runs until <see cref="RunAsync"/>.</summary>
    public MetricsPipeline(
        KafkaEndpoint endpoint,
        PipelineSettings settings,
        AvroSerdes serdes,
        IRemediationExecutor executor,
        TimeProvider time,
        ILogger<MetricsPipeline> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _endpoint = endpoint;
        _settings = settings;
        _kafka = settings.Kafka;
        _topics = settings.Topics;
        _options = settings.Pipeline;
        _detection = settings.Detection;
        _decisions = settings.Decisions ?? throw new ArgumentException("PipelineSettings.Decisions is required", nameof(settings));
        _serdes = serdes;
        _executor = executor;
        _time = time;
        _logger = logger;
        foreach (var kind in Enum.GetValues<ActionKind>())
        {
            if (kind is ActionKind.None or ActionKind.Unknown)
                continue;
            var mode = _decisions.Policy.Modes.Of(kind);
            if (!executor.Modes.Contains(mode))
                throw new InvalidOperationException($"the policy runs {kind} in {mode} mode, but this executor carries out only {string.Join(", ", executor.Modes)}");
        }
    }

    /// <summary>Counters of the current run.</summary>
    public PipelineStats Stats { get; } = new();

    /// <summary>What the consumer's librdkafka statistics say: brokers up, lag per partition (metrics, readiness).</summary>
    public KafkaClientStatistics Kafka { get; } = new(TimeProvider.System);

    /// <summary>Told of anomalies and decisions as they are written.</summary>
    public IPipelineObserver? Observer { get; set; }

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled or, with <see cref="PipelineOptions.UntilIdle"/>, until
    /// the input is idle; then drains what is in flight, commits and leaves the group. A failed stage
    /// stops every stage and its exception is rethrown.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var abort = new CancellationTokenSource();
        var faults = new DeliveryFaults(abort);
        var shardCount = _options.EffectiveShards;
        var shardChannels = new Channel<ShardBatch>[shardCount];
        for (var i = 0; i < shardCount; i++)
        {
            shardChannels[i] = Channel.CreateBounded<ShardBatch>(new BoundedChannelOptions(_options.ChannelCapacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        var anomalies = Channel.CreateBounded<AnomalyEnvelope>(new BoundedChannelOptions(_options.ChannelCapacity * 16)
        {
            SingleReader = true,
            SingleWriter = shardCount == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });

        using var producer = new ProducerBuilder<byte[]?, byte[]>(_endpoint.ProducerConfig("pipeline"))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                    faults.Fail(new KafkaException(e));
                else
                    PipelineLog.ClientError(_logger, e);
            })
            .Build();
        await _serdes.InitializeAsync(stop);
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var seriesCap = SeriesMemoryBudget.Cap(_detection.MaxSeries, available);
        if (seriesCap < _detection.MaxSeries)
            PipelineLog.SeriesCapLowered(_logger, _detection.MaxSeries, available >> 20, seriesCap, SeriesMemoryBudget.BytesPerSeries);
        var catalog = new SeriesCatalog(seriesCap);
        Stats.SeriesCap = seriesCap;
        var exemplars = _options.ExemplarIndexCapacity > 0 ? new ExemplarIndex(_options.ExemplarIndexCapacity) : null;
        Stats.Exemplars = exemplars;

        // Enough idle batches for every channel to be full, plus the one each side is working on.
        var batches = new ShardBatchPool(Math.Min(_options.MaxBatchPoints, 1024), shardCount * (_options.ChannelCapacity + 2));

        var source = new KafkaSource(
            new ConsumerBuilder<byte[]?, byte[]>(ConsumerConfig()).SetStatisticsHandler((_, json) => Kafka.Update(json)),
            producer,
            _serdes.MetricSample,
            catalog,
            shardChannels.Select(c => c.Writer).ToArray(),
            _topics,
            _options,
            _settings.Otlp,
            _settings.Traces,
            Stats,
            faults,
            _time,
            _logger,
            exemplars,
            batches);
        PipelineLog.Started(_logger, string.Join(", ", _topics.InputTopics), _kafka.GroupId, _endpoint.BootstrapServers, shardCount);

        FinScaleTelemetry.Observe(Stats, Kafka);
        var checkpoints = await CheckpointsAsync(producer, catalog, source, stop);
        var detectors = Enumerable.Range(0, shardCount)
            .Select(i => new ShardDetector(_detection, catalog, i, shardCount) { ReportResolutions = true, TrackChanges = checkpoints is not null })
            .ToArray();
        using var restoresApplied = new ManualResetEventSlim();
        var checkpointing = checkpoints is null
            ? null
            : Enumerable.Range(0, shardCount).Select(_ => new ShardCheckpointing(checkpoints, _options.CheckpointInterval, _time, _logger) { RestoresApplied = restoresApplied }).ToArray();
        Stats.ObserveCheckpointing(checkpointing);
        if (checkpointing is not null)
            source.PartitionsAssigned = assigned => RestoreBaselines(assigned, catalog, checkpoints!, checkpointing, shardChannels, batches, restoresApplied, abort.Token);
        // Pre-scaling only when targets are configured: otherwise the shards pay nothing for it.
        var prescale = _settings.Prescale.Targets.Count > 0
            ? new Prescale.PrescaleStage(_settings.Prescale, catalog, _decisions.Cluster, _settings.PrescaleBoard ?? new Prescale.PrescaleBoard())
            : null;
        var detection = DetectAllAsync(shardChannels, detectors, anomalies.Writer, exemplars, prescale, checkpointing, batches, abort.Token);
        var intents = await IntentsTopicAsync(stop);
        var openIntents = intents is null ? [] : await OpenIntentsAsync(intents, stop);
        var decisions = new DecisionStage(
                anomalies.Reader, producer, _serdes, _executor, _decisions, _topics, Stats, faults, Observer, new SeriesLiveness(catalog, detectors), new TelemetryClusterView(catalog), _time, AuditChain(), intents, openIntents)
            .RunAsync(abort.Token);
        var consume = Task.Factory.StartNew(
            () => source.Run(stop, abort.Token),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        Exception? failure = null;
        foreach (var stage in new[] { consume, detection, decisions })
        {
            try
            {
                await stage;
            }
            catch (Exception ex)
            {
                failure ??= ex;
                await abort.CancelAsync();
            }
        }

        // Everything handed to the producer must be acknowledged before offsets are stored.
        while (faults.First is null && failure is null && producer.Flush(TimeSpan.FromMilliseconds(500)) > 0)
        {
        }

        source.Close();
        PipelineLog.Stopped(_logger, Stats.Records, Stats.Points, Stats.Anomalies, Stats.Decisions, Stats.DeadLettered);
        if (Stats.SeriesOnSeveralPartitions > 0)
            PipelineLog.SeriesOnSeveralPartitions(_logger, Stats.SeriesOnSeveralPartitions);
        var first = faults.First ?? failure;
        if (first is not null and not OperationCanceledException)
            throw new PipelineFailedException($"pipeline stopped: {first.Message}", first);
    }

    /// <summary>
    /// The write-ahead topic of enforced actions (<c>Topics:Intents</c>, compacted, created if missing), or null when this
    /// run cannot enforce (its executor acts in no mode that writes) or the key is empty (said at start). A topic that is
    /// set but cannot be created or read stops the start, naming the key: acting without it could leave an action unaudited.
    /// </summary>
    private async Task<string?> IntentsTopicAsync(CancellationToken stop)
    {
        if (!_executor.Modes.Contains(ExecutionMode.Enforce))
            return null;
        if (string.IsNullOrEmpty(_topics.Intents))
        {
            PipelineLog.WriteAheadOff(_logger);
            return null;
        }

        try
        {
            await _endpoint.EnsureTopicsAsync(
                [_topics.Intents], _topics.Partitions, _topics.ReplicationFactor, stop, new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
            using var admin = _endpoint.CreateAdminClient();
            var topic = admin.GetMetadata(_topics.Intents, TimeSpan.FromSeconds(10)).Topics.FirstOrDefault(t => t.Topic == _topics.Intents);
            if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
                throw new KafkaException(topic?.Error ?? new Error(ErrorCode.UnknownTopicOrPart));
            return _topics.Intents;
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException(
                $"Topics:Intents: topic '{_topics.Intents}' cannot be created or read on {_endpoint.BootstrapServers} ({ex.Error.Reason}); "
                + "create it (compacted), or set Topics:Intents empty to act without the write-ahead", ex);
        }
    }

    /// <summary>
    /// Enforced decisions an earlier run wrote the intent of and never settled (see <see cref="OpenIntents"/>), for the
    /// decision stage to settle first.
    /// </summary>
    private async Task<IReadOnlyList<RemediationDecision>> OpenIntentsAsync(string topic, CancellationToken stop)
    {
        if (_decisions.Options.ReconcileTail == 0)
            return [];
        var open = await OpenIntents.FindAsync(_endpoint, topic, _serdes.RemediationDecision, _decisions.Options.ReconcileTail, _options.RestoreTimeout, _time, stop);
        if (open.Count > 0)
            PipelineLog.OpenIntents(_logger, open.Count, topic);
        return open;
    }

    /// <summary>A new hash chain over the audit topic's partitions (one chain per run), or null when its metadata cannot be read.</summary>
    private AuditChain? AuditChain()
    {
        using var admin = _endpoint.CreateAdminClient();
        var partitions = admin.GetMetadata(_topics.Audit, TimeSpan.FromSeconds(10)).Topics
            .FirstOrDefault(t => t.Topic == _topics.Audit && !t.Error.IsError)?.Partitions.Count ?? 0;
        if (partitions == 0)
        {
            PipelineLog.AuditUnchained(_logger, _topics.Audit);
            return null;
        }

        return new AuditChain(partitions, $"{Environment.MachineName}-{_time.GetUtcNow().ToUnixTimeMilliseconds()}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>
    /// The baseline checkpoints of this run (the compacted state topic created if missing), or null when
    /// <c>Pipeline:CheckpointInterval</c> is zero or <c>Topics:State</c> empty.
    /// </summary>
    private async Task<StateCheckpoints?> CheckpointsAsync(IProducer<byte[]?, byte[]> producer, SeriesCatalog catalog, KafkaSource source, CancellationToken stop)
    {
        if (_options.CheckpointInterval <= TimeSpan.Zero || string.IsNullOrEmpty(_topics.State))
            return null;
        try
        {
            await _endpoint.EnsureTopicsAsync(
                [_topics.State], _topics.Partitions, _topics.ReplicationFactor, stop, new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
            using var admin = _endpoint.CreateAdminClient();
            var topic = admin.GetMetadata(_topics.State, TimeSpan.FromSeconds(10)).Topics.FirstOrDefault(t => t.Topic == _topics.State);
            if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
                throw new KafkaException(topic?.Error ?? new Error(ErrorCode.UnknownTopicOrPart));
            return new StateCheckpoints(producer, _topics.State, topic.Partitions.Count, catalog, source.HomeOf, Stats, _logger);
        }
        catch (KafkaException ex)
        {
            // Detection does not depend on it: run without checkpoints, and say so.
            PipelineLog.CheckpointsOff(_logger, _topics.State, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// On assignment (consuming thread): reads the partitions' baselines and queues each for its shard as it is read,
    /// ahead of the partitions' records. At most <see cref="RestoreQueueBytes"/> of states wait for the shards at once:
    /// past it an idle shard is handed an empty batch, which makes it apply its queue, and the read waits.
    /// </summary>
    private void RestoreBaselines(List<TopicPartition> assigned, SeriesCatalog catalog, StateCheckpoints checkpoints, ShardCheckpointing[] shards, Channel<ShardBatch>[] channels, ShardBatchPool batches, ManualResetEventSlim applied, CancellationToken abort)
    {
        var inputs = assigned.Where(tp => _topics.InputTopics.Contains(tp.Topic, StringComparer.Ordinal)).ToList();
        if (inputs.Count == 0)
            return;
        var started = _time.GetTimestamp();
        var config = _endpoint.ConsumerConfig("finscale-restore-" + Guid.NewGuid().ToString("N"), "restore");
        config.EnableAutoCommit = false;
        config.EnablePartitionEof = false;
        var restored = new HashSet<int>();
        var refused = 0;
        var (expired, aged) = StateCheckpoints.Read(config, _topics.State, inputs, _options.RestoreTimeout, _options.StateTtl, _time, _logger, (series, state) =>
        {
            int id;
            if (state is null)
            {
                // A tombstone forgets a series this restore handed over; any other series is not this restore's to touch.
                if (!catalog.TryGetId(series, out id) || !restored.Remove(id))
                    return;
            }
            else
            {
                id = catalog.GetOrAdd(series.AsSpan());
                if (id < 0)
                {
                    refused++;
                    return;
                }

                restored.Add(id);
            }

            shards[ShardDetector.ShardOf(id, shards.Length)].Enqueue(id, state);
            WaitForRestoreRoom(shards, channels, batches, applied, RestoreQueueBytes, _options.RestoreTimeout, _time, abort);
        });
        checkpoints.Remove(expired);
        Stats.AddRestored(restored.Count);
        Stats.AddExpired(expired.Count);
        PipelineLog.Restored(_logger, restored.Count, string.Join(", ", inputs), _topics.State, (long)_time.GetElapsedTime(started).TotalMilliseconds, refused, aged, expired.Count);
    }

    /// <summary>Restored states that may wait for the shards at once (a million mature series' states are about 1 GB).</summary>
    internal const long RestoreQueueBytes = 32L << 20;

    /// <summary>
    /// When more than <paramref name="most"/> bytes of restored states wait, hands every shard with a queue an empty batch
    /// (a busy shard's channel may be full: it applies its queue before its next batch anyway) and waits, on
    /// <paramref name="applied"/>, until at most half that is left, or for <paramref name="patience"/> at most: the
    /// restore goes on past the bound rather than hang on a shard that stopped. Consuming thread only: it is the
    /// channels' single writer.
    /// </summary>
    internal static void WaitForRestoreRoom(ShardCheckpointing[] shards, Channel<ShardBatch>[] channels, ShardBatchPool batches, ManualResetEventSlim applied, long most, TimeSpan patience, TimeProvider time, CancellationToken abort)
    {
        if (Queued(shards) <= most)
            return;
        for (var i = 0; i < shards.Length; i++)
        {
            if (shards[i].QueuedBytes == 0)
                continue;
            var nudge = batches.Rent();
            if (!channels[i].Writer.TryWrite(nudge))
                batches.Return(nudge);
        }

        var started = time.GetTimestamp();
        while (!abort.IsCancellationRequested && time.GetElapsedTime(started) < patience)
        {
            applied.Reset();
            if (Queued(shards) <= most / 2)
                return;
            try
            {
                applied.Wait(TimeSpan.FromMilliseconds(100), abort);
            }
            catch (OperationCanceledException)
            {
                return; // stopping: the restore ends with what was applied
            }
        }

        static long Queued(ShardCheckpointing[] shards)
        {
            var sum = 0L;
            foreach (var s in shards)
                sum += s.QueuedBytes;
            return sum;
        }
    }

    /// <summary>
    /// The pipeline consumer's prefetch limits, unless <c>Kafka:Properties</c> set them (public so <c>finscale bench</c>'s
    /// bare consumer reads with the same client configuration).
    /// </summary>
    /// <remarks>
    /// librdkafka prefetches up to 64 MiB (and fetches up to 50 MB at a time) by default. The pipeline decodes about
    /// 60-90 MB/s, so that queue is always full and is native memory beside the heap; 16 MiB is still a fifth of a second
    /// of input ready when detection asks. A full queue postpones the partition's next fetch by fetch.queue.backoff.ms
    /// (1 s by default), which with the smaller queue starved the pipeline (1.16 M -> 0.35 M points/s at 1 M series):
    /// 10 ms.
    /// </remarks>
    public static void ApplyPrefetchLimits(ConsumerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.QueuedMaxMessagesKbytes ??= 16 * 1024;
        config.FetchMaxBytes ??= 16 * 1024 * 1024;
        config.FetchQueueBackoffMs ??= 10;
    }

    private ConsumerConfig ConsumerConfig()
    {
        var config = _endpoint.ConsumerConfig(_kafka.GroupId, "pipeline");

        // Trace windows close on the least progress over the span partitions; reaching a partition's end says it holds nothing older.
        config.EnablePartitionEof = true;

        // Lag per partition and broker state for the engine's own metrics and readiness.
        config.StatisticsIntervalMs ??= 5000;

        ApplyPrefetchLimits(config);
        return config;
    }

    private async Task DetectAllAsync(Channel<ShardBatch>[] shards, ShardDetector[] detectors, ChannelWriter<AnomalyEnvelope> output, ExemplarIndex? exemplars, Prescale.PrescaleStage? prescale, ShardCheckpointing[]? checkpointing, ShardBatchPool batches, CancellationToken abort)
    {
        // One task per shard; the shared anomaly channel completes once every shard is done, carrying a fault downstream.
        try
        {
            await Task.WhenAll(shards.Select((c, i) => new DetectionStage(c.Reader, output, detectors[i], Stats, exemplars, prescale is null ? null : new Prescale.PrescaleTap(prescale), checkpointing?[i], batches).RunAsync(abort)));
            output.TryComplete();
        }
        catch (Exception ex)
        {
            output.TryComplete(ex);
            throw;
        }
    }
}
