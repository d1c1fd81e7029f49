using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Streaming.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinScale.Streaming.Tests.Pipeline;

/// <summary>
/// Restored baselines reach the shards while the state topic is read, never more than a bounded number of bytes at
/// once: an idle shard is handed an empty batch, which makes it apply its queue, and the reading thread waits.
/// </summary>
public class BaselineRestoreTests
{
    /// <summary>Longest a wait for room may take: a shard that never applied its queue would fail the test, not hang it.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task WaitForRestoreRoom_KeepsTheQueuedStatesUnderTheBound_AndEveryStateIsApplied()
    {
        const int series = 3_000, shardCount = 2;
        const long most = 64 * 1024;
        var catalog = new SeriesCatalog(series);
        var source = new ShardDetector(new DetectorOptions(), catalog);
        for (var i = 0; i < series; i++)
            catalog.GetOrAdd($"queue.depth{{k8s.pod.name=\"worker-{i:D5}\"}}");
        for (var t = 0; t < 150; t++)
            source.Process(Enumerable.Range(0, series).Select(i => new SeriesPoint(i, 1_700_000_000_000 + (t * 60_000L), 100 + ((i + t) % 9))).ToArray(), []);
        var states = Enumerable.Range(0, series).Select(i => source.ExportState(i)!).ToArray();
        Assert.True(states.Sum(s => (long)s.Length) > 10 * most, "the states are many times the bound");

        // Two shards as the pipeline runs them (DetectionStage): each applies its restores before every batch it reads.
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = "127.0.0.1:1" }).Build();
        var checkpoints = new StateCheckpoints(producer, "state", 1, catalog, _ => null, new PipelineStats(), NullLogger.Instance);
        using var applied = new ManualResetEventSlim();
        var shards = Enumerable.Range(0, shardCount).Select(_ => new ShardCheckpointing(checkpoints, TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance) { RestoresApplied = applied }).ToArray();
        var detectors = Enumerable.Range(0, shardCount).Select(s => new ShardDetector(new DetectorOptions(), catalog, s, shardCount)).ToArray();
        var channels = Enumerable.Range(0, shardCount).Select(_ => Channel.CreateBounded<ShardBatch>(4)).ToArray();
        var pool = new ShardBatchPool(16, 16);
        var anomalies = Channel.CreateUnbounded<AnomalyEnvelope>();
        var stats = new PipelineStats();
        var running = Enumerable.Range(0, shardCount)
            .Select(s => Task.Run(() => new DetectionStage(channels[s].Reader, anomalies.Writer, detectors[s], stats, checkpointing: shards[s], batches: pool).RunAsync(CancellationToken.None)))
            .ToArray();

        // The reading thread's side: queue each state for its shard, then wait for room.
        var largest = 0L;
        for (var i = 0; i < series; i++)
        {
            shards[ShardDetector.ShardOf(i, shardCount)].Enqueue(i, states[i]);
            MetricsPipeline.WaitForRestoreRoom(shards, channels, pool, applied, most, Patience, TimeProvider.System, CancellationToken.None);
            largest = Math.Max(largest, shards.Sum(s => s.QueuedBytes));
        }

        // The last ones wait for the shards' next batch, as they would for the partitions' first records.
        MetricsPipeline.WaitForRestoreRoom(shards, channels, pool, applied, 0, Patience, TimeProvider.System, CancellationToken.None);
        foreach (var c in channels)
            c.Writer.Complete();
        await Task.WhenAll(running);

        Assert.InRange(largest, 1, most);
        Assert.Equal(0, shards.Sum(s => s.QueuedBytes));
        Assert.Equal(series, detectors.Sum(d => d.SeriesCount));
        for (var i = 0; i < series; i += 97)
            Assert.Equal(states[i], detectors[ShardDetector.ShardOf(i, shardCount)].ExportState(i));
    }

    [Fact]
    public void Restore_OfANullState_ForgetsTheSeries()
    {
        var catalog = new SeriesCatalog(10);
        var id = catalog.GetOrAdd("queue.depth{k8s.pod.name=\"worker-1\"}");
        var detector = new ShardDetector(new DetectorOptions(), catalog);
        detector.Process(Enumerable.Range(0, 50).Select(t => new SeriesPoint(id, 1_700_000_000_000 + (t * 60_000L), 100 + (t % 5))).ToArray(), []);
        var state = detector.ExportState(id)!;
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = "127.0.0.1:1" }).Build();
        var shard = new ShardCheckpointing(new StateCheckpoints(producer, "state", 1, catalog, _ => null, new PipelineStats(), NullLogger.Instance), TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance);
        var fresh = new ShardDetector(new DetectorOptions(), catalog);

        shard.Enqueue(id, state);
        shard.Enqueue(id, null);
        shard.Restore(fresh);

        Assert.Equal(0, fresh.SeriesCount);
        Assert.Null(fresh.ExportState(id));
        Assert.Equal(0, shard.QueuedBytes);

        // Forgotten, it starts anew: its first point is its first.
        fresh.Process([new SeriesPoint(id, 1_800_000_000_000, 42)], []);
        Assert.Equal(1, fresh.SeriesCount);
        Assert.Equal(1_800_000_000_000, fresh.LastSeenMs(id));
    }
}
