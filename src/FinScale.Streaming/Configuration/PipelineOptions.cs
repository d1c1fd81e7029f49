using System.ComponentModel.DataAnnotations;

namespace FinScale.Streaming.Configuration;

/// <summary>Shape of the consume → detect → decide pipeline.</summary>
public sealed class PipelineOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pipeline";

    /// <summary>Detection shards; series are spread over them by key so per-series order holds. 0 means one per core.</summary>
    [Range(0, 256)]
    public int Shards { get; set; }

    /// <summary>
    /// How often each detection shard writes the baselines of the series it changed to the state topic
    /// (<c>Topics:State</c>), and an instance assigned a partition restores that partition's series from it. Zero turns
    /// checkpoints (and restores) off. Each checkpoint writes every changed series once (about 0.6 KB young, 1.0 KB
    /// with full daily and weekly profiles): at 100 k active series, 60–100 MB per checkpoint, so the default of five
    /// minutes costs 0.2–0.35 MB/s of broker traffic.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A series whose newest checkpoint is older than this (its record's timestamp) is not restored, and its checkpoint is
    /// removed from the state topic with a tombstone: it stopped reporting that long ago (a pod replaced by a rollout).
    /// Without it every series ever checkpointed came back at each takeover and held a place under the series cap for
    /// good. A series still reporting is checkpointed every interval, so it never ages. Zero keeps every checkpoint.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan StateTtl { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Longest a newly assigned partition waits for its baselines to be read from the state topic.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RestoreTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Batches each bounded channel holds before the consumer pauses its partitions.</summary>
    [Range(1, 100_000)]
    public int ChannelCapacity { get; set; } = 64;

    /// <summary>Most series points in one batch handed to a shard.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchPoints { get; set; } = 4096;

    /// <summary>Longest a partly filled batch waits before it is handed on.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Entries of the table that remembers the example trace id of exemplified points (OTLP exemplars, example spans of
    /// trace windows) until their shard detects them, so anomalies and the decisions auditing them carry a trace id.
    /// Rounded up to a power of two; 40 bytes each (the default, 65,536, is 2.5 MiB). Size it to the exemplified series
    /// points in flight; when it is too small, older entries are overwritten and those anomalies have no trace id; a
    /// larger table costs decode time once it no longer fits in cache. 0 turns trace ids off.
    /// </summary>
    [Range(0, Pipeline.ExemplarIndex.MaxCapacity)]
    public int ExemplarIndexCapacity { get; set; } = Pipeline.ExemplarIndex.DefaultCapacity;

    /// <summary>
    /// When set, the run ends (successfully) once the end of every assigned partition is reached, no new input came for
    /// this long and nothing is in flight. Counted from the group's assignment, not from the start.
    /// </summary>
    public TimeSpan? UntilIdle { get; set; }

    /// <summary>The shard count in effect.</summary>
    public int EffectiveShards => Shards > 0 ? Shards : Math.Max(1, Environment.ProcessorCount);
}
