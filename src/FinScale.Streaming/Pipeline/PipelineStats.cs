namespace FinScale.Streaming.Pipeline;

/// <summary>Counters of one pipeline run; read by the CLI summary, health and tests. Thread-safe.</summary>
public sealed class PipelineStats
{
    private long _records;
    private long _seriesOnSeveralPartitions;
    private int _assignedPartitions;
    private int _pendingRetries;
    private long _checkpointed;
    private long _restored;
    private ShardCheckpointing[]? _checkpointing;
    private long _expired;
    private long _points;
    private long _deadLettered;
    private long _anomalies;
    private long _decisions;
    private long _refusedPoints;
    private long _outOfOrderPoints;
    private long _detectedPoints;
    private long _decidedWindows;
    private long _decisionBusyTicks;
    private long _longestWindowTicks;
    private int _longestWindowAnomalies;
    private readonly Lock _windowGate = new();

    /// <summary>Records consumed.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Series points decoded and handed to detection.</summary>
    public long Points => Interlocked.Read(ref _points);

    /// <summary>Records sent to the dead-letter topic.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Anomalies raised.</summary>
    public long Anomalies => Interlocked.Read(ref _anomalies);

    /// <summary>Decisions written to the audit topic.</summary>
    public long Decisions => Interlocked.Read(ref _decisions);

    /// <summary>Points refused because a shard's series cap was reached.</summary>
    public long RefusedPoints => Interlocked.Read(ref _refusedPoints);

    /// <summary>Points dropped for arriving older than their series' last point.</summary>
    public long OutOfOrderPoints => Interlocked.Read(ref _outOfOrderPoints);

    /// <summary>Series points that have passed detection (equals <see cref="Points"/> once nothing is in flight); for <c>finscale bench</c>.</summary>
    public long DetectedPoints => Interlocked.Read(ref _detectedPoints);

    /// <summary>Distinct series interned so far.</summary>
    public int Series => Catalog?.Count ?? 0;

    /// <summary>The series cap in force: <c>Detection:MaxSeries</c>, or fewer when the process's memory would not hold that many (<see cref="SeriesMemoryBudget"/>); 0 until the pipeline starts.</summary>
    public int SeriesCap { get; internal set; }

    /// <summary>Updates of new series refused because the series cap (<see cref="SeriesCap"/>) was reached (each attempt counts).</summary>
    public long SeriesRefused => Catalog?.Refused ?? 0;

    /// <summary>The span windows and service graph of the run, for their counters.</summary>
    public Detection.Traces.TraceMetricsAggregator<RecordTicket>? Traces { get; internal set; }

    internal Detection.SeriesCatalog? Catalog { get; set; }

    /// <summary>The run's table of example trace ids (its overwrite and miss counters); null when trace ids are off.</summary>
    public ExemplarIndex? Exemplars { get; internal set; }

    /// <summary>What the OTLP metrics decoder did with the data points it read, by rule.</summary>
    public Otlp.OtlpDecodeCounters OtlpMetrics { get; internal set; } = new();

    /// <summary>What the OTLP spans decoder did with the spans it read.</summary>
    public Otlp.OtlpDecodeCounters OtlpSpans { get; internal set; } = new();

    /// <summary>
    /// Series whose points arrived on more than one input partition in this run. Each should be 0: baselines follow their
    /// partition only when producers key records by resource (the Collector's <c>partition_metrics_by_resource_attributes</c>).
    /// </summary>
    public long SeriesOnSeveralPartitions => Interlocked.Read(ref _seriesOnSeveralPartitions);

    /// <summary>Input partitions this instance owns in its consumer group right now.</summary>
    public int AssignedPartitions => Volatile.Read(ref _assignedPartitions);

    internal void SetAssignedPartitions(int count) => Volatile.Write(ref _assignedPartitions, count);

    /// <summary>
    /// Refused or failed actions waiting for their retry. A run with <c>--until-idle</c> is not idle while one waits:
    /// stopping would turn the retry into a "finscale stopped" no-action.
    /// </summary>
    public int PendingRetries => Volatile.Read(ref _pendingRetries);

    internal void SetPendingRetries(int count) => Volatile.Write(ref _pendingRetries, count);

    /// <summary>Series baseline checkpoints written to the state topic (acknowledged).</summary>
    public long Checkpointed => Interlocked.Read(ref _checkpointed);

    /// <summary>
    /// Series of the checkpoint cycles in progress not yet written, over all shards (0 when checkpoints are off). A
    /// cycle is paced over half <c>Pipeline:CheckpointInterval</c>: one still pending past that means Kafka or the
    /// shards are behind.
    /// </summary>
    public long CheckpointsPending
    {
        get
        {
            var sum = 0L;
            foreach (var shard in Volatile.Read(ref _checkpointing) ?? [])
                sum += shard.Pending;
            return sum;
        }
    }

    internal void ObserveCheckpointing(ShardCheckpointing[]? shards) => Volatile.Write(ref _checkpointing, shards);

    /// <summary>Series baselines restored from the state topic when partitions were assigned.</summary>
    public long Restored => Interlocked.Read(ref _restored);

    /// <summary>Series whose newest checkpoint was older than <c>Pipeline:StateTtl</c> when partitions were assigned: not restored, and their checkpoints removed (at most 100,000 a takeover).</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Windows of anomalies the decision stage has diagnosed and decided.</summary>
    public long DecidedWindows => Interlocked.Read(ref _decidedWindows);

    /// <summary>
    /// Wall-clock time the decision stage's deciding loop spent on anomalies (gathering, diagnosing, planning and carrying
    /// out their windows). Anomalies are written to their topic by another loop meanwhile, up to a storm's worth ahead.
    /// </summary>
    public TimeSpan DecisionBusy => TimeSpan.FromTicks(Interlocked.Read(ref _decisionBusyTicks));

    /// <summary>The longest a window took to decide, and how many anomalies it held (the decision stage's worst stall).</summary>
    public (TimeSpan Elapsed, int Anomalies) LongestWindow
    {
        get
        {
            lock (_windowGate)
                return (TimeSpan.FromTicks(_longestWindowTicks), _longestWindowAnomalies);
        }
    }

    internal void AddDecisionBusy(TimeSpan elapsed) => Interlocked.Add(ref _decisionBusyTicks, elapsed.Ticks);

    internal void AddDecidedWindow(int anomalies, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _decidedWindows);
        lock (_windowGate)
        {
            if (elapsed.Ticks <= _longestWindowTicks)
                return;
            _longestWindowTicks = elapsed.Ticks;
            _longestWindowAnomalies = anomalies;
        }
    }

    internal void AddCheckpointed() => Interlocked.Increment(ref _checkpointed);

    internal void AddRestored(long n) => Interlocked.Add(ref _restored, n);

    internal void AddExpired(long n) => Interlocked.Add(ref _expired, n);

    internal void AddSeriesOnSeveralPartitions() => Interlocked.Increment(ref _seriesOnSeveralPartitions);

    internal void AddRecord() => Interlocked.Increment(ref _records);

    internal void AddPoints(long n) => Interlocked.Add(ref _points, n);

    internal void AddDeadLettered() => Interlocked.Increment(ref _deadLettered);

    internal void AddAnomaly() => Interlocked.Increment(ref _anomalies);

    internal void AddDecision() => Interlocked.Increment(ref _decisions);

    internal void AddRefusedPoints(long n) => Interlocked.Add(ref _refusedPoints, n);

    internal void AddDetectedPoints(long n) => Interlocked.Add(ref _detectedPoints, n);

    internal void AddDetectorCounters(long outOfOrderDelta) => Interlocked.Add(ref _outOfOrderPoints, outOfOrderDelta);
}
