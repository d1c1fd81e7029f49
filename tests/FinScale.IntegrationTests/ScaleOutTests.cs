using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary>Two <c>finscale run</c> pipelines in one consumer group share the partitions (cooperative-sticky assignment).</summary>
public sealed class ScaleOutTests(EmbeddedClusterFixture cluster) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task Run_TwoInstancesInOneGroup_SplitThePartitionsAndProcessEveryRecordOnce()
    {
        using var h = await PipelineHarness.CreateAsync(cluster, partitions: 4, avroOnly: true);
        var series = Enumerable.Range(0, 16)
            .Select(i => Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes($"pod-{i}"), 120, 100, 5, seed: 100 + i))
            .ToArray();
        var group = $"group-{Guid.NewGuid():N}";

        // Both members run until every record is processed (their counters are read live), then stop: drain, commit, leave.
        var pipelines = new[] { h.CreatePipeline(group), h.CreatePipeline(group) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var running = Task.WhenAll(pipelines.Select(p => p.RunAsync(stop.Token)));

        // Both join the group before the records arrive, so each owns its share of the partitions when they do.
        while (!(pipelines.All(p => p.Stats.AssignedPartitions > 0) && pipelines.Sum(p => p.Stats.AssignedPartitions) == 4) && !stop.IsCancellationRequested)
            await Task.Delay(100);
        await h.PublishAsync(Workloads.Merge(series));
        while (pipelines.Sum(p => p.Stats.Records) < 16 * 120 && !stop.IsCancellationRequested)
            await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(1)); // a duplicate, if there were one, would show now
        await stop.CancelAsync();
        await running;
        var runs = pipelines.Select(p => p.Stats).ToArray();

        Assert.Equal(16 * 120, runs.Sum(s => s.Records));
        Assert.All(runs, s => Assert.True(s.Records > 0, "both instances got partitions"));
        Assert.All(runs, s => Assert.Equal(0, s.SeriesOnSeveralPartitions));

        // Nothing is left for a third member of the group: every offset was committed.
        var again = await h.RunAsync(group, TimeSpan.FromSeconds(2));
        Assert.Equal(0, again.Records);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_InstanceTakingOverAPartition_RestoresItsBaselinesFromTheCheckpoint_AndCatchesASpikeAtOnce(bool checkpoints)
    {
        using var h = await PipelineHarness.CreateAsync(cluster, partitions: 2, avroOnly: true);
        var interval = checkpoints ? TimeSpan.FromMinutes(1) : TimeSpan.Zero;
        var pods = Enumerable.Range(0, 4).Select(i => $"pod-{i}").ToArray();
        var history = pods.Select((p, i) => Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes(p), 240, 100, 5, seed: 200 + i)).ToArray();
        var group = $"group-{Guid.NewGuid():N}";

        // The first instance learns four hours of every series, commits, and leaves (its last checkpoint written at stop).
        await h.PublishAsync(Workloads.Merge(history));
        var first = await h.RunAsync(group, checkpointInterval: interval);
        Assert.Equal(4 * 240, first.Records);
        Assert.Equal(checkpoints ? 4 : 0, first.Checkpointed);

        // The next minutes: pod-1 spikes at once. A new instance takes the partitions over from the committed offsets.
        var next = pods.Select((p, i) => Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes(p), 250, 100, 5, seed: 200 + i, spikeAt: i == 1 ? 241 : null, spikeValue: 900).Skip(240).ToList()).ToArray();
        await h.PublishAsync(Workloads.Merge(next));
        // The default idle time: the run's idle clock waits for the group to hand it the partitions and for their end.
        var second = await h.RunAsync(group, checkpointInterval: interval);

        Assert.Equal(4 * 10, second.Records);
        Assert.Equal(checkpoints ? 4 : 0, second.Restored);
        var anomalies = (await h.ReadAnomaliesAsync()).Select(r => r.Value).ToList();
        if (checkpoints)
        {
            // Warm from the checkpoint: the spike two points after the takeover is an anomaly, on pod-1 only.
            var a = Assert.Single(anomalies);
            Assert.Equal("pod-1", a.Attribute("k8s.pod.name"));
            Assert.Equal(Workloads.Start.AddMinutes(241), a.EventTime);
        }
        else
        {
            // Cold: ten points are all warm-up, and the same spike goes unseen.
            Assert.Empty(anomalies);
        }
    }

    [Fact]
    public async Task Run_TakingOver_RestoresEachSeriesOnce_AndASeriesWhoseCheckpointWasTombstonedStartsCold()
    {
        using var h = await PipelineHarness.CreateAsync(cluster, partitions: 2, avroOnly: true);
        var interval = TimeSpan.FromMinutes(1);
        var pods = Enumerable.Range(0, 4).Select(i => $"pod-{i}").ToArray();
        List<MetricSample> Stretch(int pod, int from, int to, int? spikeAt = null) =>
            Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes(pods[pod]), to, 100, 5, seed: 300 + pod, spikeAt: spikeAt, spikeValue: 900).Skip(from).ToList();
        var group = $"group-{Guid.NewGuid():N}";

        // Two instances in turn learn the series and each checkpoints them at stop: the state topic (which the embedded
        // broker never compacts) holds two states of every series, the newer last.
        await h.PublishAsync(Workloads.Merge(Enumerable.Range(0, 4).Select(p => Stretch(p, 0, 240)).ToArray()));
        Assert.Equal(4, (await h.RunAsync(group, checkpointInterval: interval)).Checkpointed);
        await h.PublishAsync(Workloads.Merge(Enumerable.Range(0, 4).Select(p => Stretch(p, 240, 245)).ToArray()));
        var second = await h.RunAsync(group, checkpointInterval: interval);
        Assert.Equal(4, second.Restored);
        Assert.Equal(4, second.Checkpointed);

        // An operator resets pod-1's baseline: a tombstone after its states, in their partition.
        var states = await h.ReadRawAsync(h.Topics.State);
        Assert.Equal(8, states.Count);
        var pod1 = states.Where(r => System.Text.Encoding.UTF8.GetString(r.Message.Key!).Contains("\"pod-1\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, pod1.Count);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(h.Endpoint.ProducerConfig("tombstone")).Build())
        {
            await producer.ProduceAsync(pod1[0].TopicPartition, new Message<byte[]?, byte[]> { Key = pod1[0].Message.Key, Value = null! });
        }

        // pod-1 and pod-2 spike two points into the next instance's run: pod-2 resumes warm and is caught; pod-1 starts
        // cold, its five points are warm-up, and its spike goes unseen.
        await h.PublishAsync(Workloads.Merge(Enumerable.Range(0, 4).Select(p => Stretch(p, 245, 250, spikeAt: p is 1 or 2 ? 246 : null)).ToArray()));
        var third = await h.RunAsync(group, checkpointInterval: interval);

        Assert.Equal(4 * 5, third.Records);
        Assert.Equal(3, third.Restored);
        var a = Assert.Single((await h.ReadAnomaliesAsync()).Select(r => r.Value));
        Assert.Equal("pod-2", a.Attribute("k8s.pod.name"));
        Assert.Equal(Workloads.Start.AddMinutes(246), a.EventTime);
    }

    [Fact]
    public async Task Run_TakingOver_DoesNotRestoreASeriesSilentLongerThanTheStateTtl_AndRemovesItsCheckpoint()
    {
        using var h = await PipelineHarness.CreateAsync(cluster, partitions: 2, avroOnly: true);
        var interval = TimeSpan.FromMinutes(1);
        var pods = new[] { "checkout-old-7c9d8", "checkout-new-4hkzp" };
        var group = $"group-{Guid.NewGuid():N}";
        await h.PublishAsync(Workloads.Merge(pods.Select((p, i) => Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes(p), 150, 100, 5, seed: 400 + i)).ToArray()));
        Assert.Equal(2, (await h.RunAsync(group, checkpointInterval: interval)).Checkpointed);

        // The old pod's newest checkpoint, as if written 20 days ago (past the default TTL of 14 days): the record again,
        // stamped then, after the fresh one.
        var states = await h.ReadRawAsync(h.Topics.State);
        var old = Assert.Single(states, r => System.Text.Encoding.UTF8.GetString(r.Message.Key!).Contains(pods[0], StringComparison.Ordinal));
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(h.Endpoint.ProducerConfig("aged")).Build())
        {
            await producer.ProduceAsync(old.TopicPartition, new Message<byte[]?, byte[]>
            {
                Key = old.Message.Key,
                Value = old.Message.Value,
                Timestamp = new Timestamp(DateTimeOffset.UtcNow.AddDays(-20)),
            });
        }

        var next = await h.RunAsync(group, checkpointInterval: interval);

        Assert.Equal(1, next.Restored);
        Assert.Equal(1, next.Expired);
        var after = await h.ReadRawAsync(h.Topics.State);
        var last = after.Last(r => r.Message.Key!.AsSpan().SequenceEqual(old.Message.Key));
        Assert.Null(last.Message.Value); // a tombstone: compaction drops the old pod's checkpoints
        Assert.Equal(old.TopicPartition, last.TopicPartition);
        Assert.NotNull(after.Last(r => System.Text.Encoding.UTF8.GetString(r.Message.Key!).Contains(pods[1], StringComparison.Ordinal)).Message.Value);
    }
}
