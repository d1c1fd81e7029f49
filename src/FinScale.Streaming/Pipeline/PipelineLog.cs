using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FinScale.Streaming.Pipeline;

/// <summary>The pipeline's log events, with stable ids.</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Consuming {Topic} as group {GroupId} on {BootstrapServers} with {Shards} detection shards")]
    public static partial void Started(ILogger logger, string topic, string groupId, string bootstrapServers, int shards);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    public static partial void Assigned(ILogger logger, string partitions);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}")]
    public static partial void Revoked(ILogger logger, string partitions);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Partitions lost: {Partitions}")]
    public static partial void Lost(ILogger logger, string partitions);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Dead-lettered {Topic}[{Partition}]@{Offset}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Detection shard {Shard} is full: pausing partitions")]
    public static partial void Paused(ILogger logger, int shard);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Detection caught up: resuming partitions")]
    public static partial void Resumed(ILogger logger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Kafka client error: {Error}")]
    public static partial void ClientError(ILogger logger, Error error);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "No new input for {Idle}: stopping")]
    public static partial void Idle(ILogger logger, TimeSpan idle);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Warning, Message = "Detection:MaxSeries={MaxSeries} does not fit this process's memory: the GC may use {AvailableMiB} MiB (in a container, 75 % of its memory limit), room for about {Cap} series at up to {BytesPerSeries} B each; tracking at most {Cap} (raise the memory limit to track more)")]
    public static partial void SeriesCapLowered(ILogger logger, int maxSeries, long availableMiB, int cap, long bytesPerSeries);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning, Message = "No new input for {Quiet}, but not caught up: {Assigned} partitions assigned, end not reached on {Behind}; stopping anyway (Pipeline:UntilIdle)")]
    public static partial void IdleNotCaughtUp(ILogger logger, TimeSpan quiet, int assigned, string behind);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Stopped: {Records} records, {Points} points, {Anomalies} anomalies, {Decisions} decisions, {DeadLettered} dead-lettered")]
    public static partial void Stopped(ILogger logger, long records, long points, long anomalies, long decisions, long deadLettered);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Could not store offset {Offset} of {Partition}: {Reason}")]
    public static partial void StoreFailed(ILogger logger, long offset, string partition, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Consume error (will retry): {Reason}")]
    public static partial void ConsumeError(ILogger logger, string reason);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Commit failed: {Reason}")]
    public static partial void CommitFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Series cap reached: {Series} series tracked, {Refused} updates of new series refused so far (raise Detection:MaxSeries, or the memory limit if it lowered the cap at start, or drop identifying attributes that explode cardinality)")]
    public static partial void SeriesCapReached(ILogger logger, int series, long refused);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "OTLP metrics: {DataPoints} data points -> {Emitted} series updates; skipped {NoValue} without recorded value, {NonFinite} non-finite, {NoTime} without time, {Future} in the future, {Temporality} of unspecified temporality, {Stale} stale, {Malformed} malformed; {Resets} counter resets; {Defaulted} resources without service.name")]
    public static partial void OtlpMetricsSummary(ILogger logger, long dataPoints, long emitted, long noValue, long nonFinite, long noTime, long future, long temporality, long stale, long malformed, long resets, long defaulted);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "OTLP spans: {Spans} read, {Malformed} malformed, {Future} in the future; {Accepted} into windows, {Late} late; service graph: {Paired} pairs, {Virtual} virtual edges, {Expired} expired unpaired, {PendingDropped} dropped (store full)")]
    public static partial void OtlpSpansSummary(ILogger logger, long spans, long malformed, long future, long accepted, long late, long paired, long @virtual, long expired, long pendingDropped);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Audit topic {Topic}: its partitions could not be read, so this run's audit records carry no hash chain (finscale audit verify will count them as unchained)")]
    public static partial void AuditUnchained(ILogger logger, string topic);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "{Series} series arrived on more than one input partition: their baselines cannot follow a partition to another instance. Key records by resource (the Collector's partition_metrics_by_resource_attributes, partition_traces_by_id)")]
    public static partial void SeriesOnSeveralPartitions(ILogger logger, long series);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "State topic {Topic}: a baseline checkpoint was not written ({Reason}); the series is checkpointed again when it next changes")]
    public static partial void CheckpointFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Warning, Message = "State topic {Topic}: not read to its end within {Timeout}; the partitions' remaining series start cold")]
    public static partial void RestoreIncomplete(ILogger logger, string topic, TimeSpan timeout);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "State topic {Topic}: {Count} records are not baseline checkpoints and were skipped")]
    public static partial void RestoreCorrupt(ILogger logger, string topic, int count);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Restored {Restored} series baselines for {Partitions} from {Topic} in {Millis} ms ({Refused} refused; {Aged} checkpoints older than Pipeline:StateTtl left out, {Removed} series' checkpoints removed)")]
    public static partial void Restored(ILogger logger, int restored, string partitions, string topic, long millis, int refused, int aged, int removed);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "State topic {Topic} is unavailable ({Reason}): baselines are not checkpointed in this run, and partitions taken over start cold")]
    public static partial void CheckpointsOff(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "{Count} enforced action(s) on {Topic} were started by an earlier run that stopped before auditing their outcome: reading their targets to audit what became of them")]
    public static partial void OpenIntents(ILogger logger, int count, string topic);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Warning, Message = "Topics:Intents is empty: enforced actions are sent without a write-ahead record, so one a crash interrupts between the cluster's answer and its audit record goes unaudited")]
    public static partial void WriteAheadOff(ILogger logger);
}
