using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using FinScale.Detection;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinScale.IntegrationTests;

/// <summary>
/// A shard's checkpoint is written a share at a time after its detection rounds, paced over half the interval, and never
/// with more than <see cref="StateCheckpoints.MaxInFlight"/> records unacknowledged: a round never stops for a whole
/// shard's states (3.5 s for 500,000 series when they were written at once).
/// </summary>
public sealed class CheckpointPacingTests(EmbeddedClusterFixture cluster) : IClassFixture<EmbeddedClusterFixture>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Cycle_WritesItsSeriesLinearlyOverHalfTheInterval_ThenAllAtStop()
    {
        const int series = 1_000;
        var (catalog, detector) = Shard(series);
        var time = new ManualTime();
        var stats = new PipelineStats();
        var (producer, checkpoints) = Checkpoints(cluster.BootstrapServers, await NewStateTopicAsync(), catalog, stats);
        using var _ = producer;
        var shard = new ShardCheckpointing(checkpoints, Interval, time, NullLogger.Instance);

        // Before the interval has passed: nothing.
        time.Advance(TimeSpan.FromSeconds(9));
        shard.WriteIfDue(detector);
        Assert.Equal(0, shard.Pending);
        Assert.Equal(0, Written(producer, stats));

        // The cycle starts with every changed series pending; its first round writes one.
        time.Advance(TimeSpan.FromSeconds(1));
        shard.WriteIfDue(detector);
        Assert.Equal(series - 1, shard.Pending);

        // A quarter of the interval later, half of the cycle's series are due (linear over half the interval).
        time.Advance(Interval / 4);
        shard.WriteIfDue(detector);
        Assert.Equal(series / 2, shard.Pending);
        Assert.Equal(series / 2, Written(producer, stats));

        // Half the interval after the cycle started: all of them; the next cycle waits for the interval.
        time.Advance(Interval / 4);
        shard.WriteIfDue(detector);
        Assert.Equal(0, shard.Pending);
        Assert.Equal(series, Written(producer, stats));

        // Changed again meanwhile: the next cycle takes them once the interval has passed since this one started...
        Feed(detector, series, at: 1);
        time.Advance(Interval / 4);
        shard.WriteIfDue(detector);
        Assert.Equal(0, shard.Pending);
        time.Advance(Interval / 4);
        shard.WriteIfDue(detector);
        Assert.Equal(series - 1, shard.Pending);

        // ...and a stop writes the rest at once, with the series changed since.
        Feed(detector, 10, at: 2);
        shard.Write(detector);
        Assert.Equal(0, shard.Pending);
        Assert.Equal((2 * series) + 10, Written(producer, stats));
        Assert.Equal(0, checkpoints.InFlight);
    }

    [Fact]
    public async Task IdleShard_StartsAndFinishesItsCheckpointCycle_WithoutBatches()
    {
        const int series = 500;
        var (catalog, detector) = Shard(series);
        var stats = new PipelineStats();
        var (producer, checkpoints) = Checkpoints(cluster.BootstrapServers, await NewStateTopicAsync(), catalog, stats);
        using var _ = producer;
        var shard = new ShardCheckpointing(checkpoints, TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger.Instance);
        var input = System.Threading.Channels.Channel.CreateUnbounded<ShardBatch>();
        var stage = new DetectionStage(input.Reader, System.Threading.Channels.Channel.CreateUnbounded<AnomalyEnvelope>().Writer, detector, stats, checkpointing: shard);

        // The series changed before the shard went idle; no batch ever comes. The cycle falls due after the interval and
        // is written over the next second, by the shard's idle ticks alone.
        var running = stage.RunAsync(CancellationToken.None);
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(60);
        while (stats.Checkpointed < series && TimeProvider.System.GetUtcNow() < deadline)
            await Task.Delay(100);

        Assert.Equal(series, stats.Checkpointed);
        Assert.Equal(0, shard.Pending);
        Assert.False(running.IsCompleted, "the shard still waits for input");
        input.Writer.Complete();
        await running;
    }

    [Fact]
    public void PacedWrite_StopsAtMaxInFlight_WhenTheBrokerDoesNotAcknowledge()
    {
        var series = StateCheckpoints.MaxInFlight + 1_000;
        var (catalog, detector) = Shard(series);
        var changed = new List<int>();
        detector.DrainChanged(changed);
        Assert.Equal(series, changed.Count);

        // A broker address that refuses every connection: records wait in the producer's queue, unacknowledged.
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var (producer, checkpoints) = Checkpoints("127.0.0.1:" + ((IPEndPoint)refusing.LocalEndPoint!).Port, "state", catalog, new PipelineStats());
        using var _ = producer;

        var reached = checkpoints.Write(detector, changed, 0, changed.Count, wait: false);

        Assert.Equal(StateCheckpoints.MaxInFlight, reached);
        Assert.Equal(StateCheckpoints.MaxInFlight, checkpoints.InFlight);
        Assert.Equal(reached, checkpoints.Write(detector, changed, reached, changed.Count, wait: false)); // still full: nothing more
    }

    /// <summary>A state topic of the test's own, two partitions, on the embedded cluster.</summary>
    private async Task<string> NewStateTopicAsync()
    {
        var topic = $"state-{Guid.NewGuid():N}";
        await cluster.CreateTopicAsync(topic, 2);
        return topic;
    }

    /// <summary>Checkpoints of <paramref name="catalog"/>'s series to <paramref name="topic"/> (two partitions; series i's home is input partition i mod 2), and the producer behind them for the caller to dispose.</summary>
    private static (IProducer<byte[]?, byte[]> Producer, StateCheckpoints Checkpoints) Checkpoints(string bootstrapServers, string topic, SeriesCatalog catalog, PipelineStats stats)
    {
        var endpoint = KafkaEndpoint.Open(new KafkaOptions { BootstrapServers = bootstrapServers });
        var producer = new ProducerBuilder<byte[]?, byte[]>(endpoint.ProducerConfig("checkpoints")).Build();
        return (producer, new StateCheckpoints(producer, topic, 2, catalog, id => new TopicPartition("input", id % 2), stats, NullLogger.Instance));
    }

    private static (SeriesCatalog Catalog, ShardDetector Detector) Shard(int series)
    {
        var catalog = new SeriesCatalog(series);
        for (var i = 0; i < series; i++)
            Assert.Equal(i, catalog.GetOrAdd($"queue.depth{{k8s.pod.name=\"worker-{i:D5}\"}}"));
        var detector = new ShardDetector(new DetectorOptions(), catalog) { TrackChanges = true };
        Feed(detector, series, at: 0);
        return (catalog, detector);
    }

    private static void Feed(ShardDetector detector, int series, int at)
    {
        var points = Enumerable.Range(0, series).Select(i => new SeriesPoint(i, 1_700_000_000_000 + (at * 60_000L), 100 + (i % 7))).ToArray();
        detector.Process(points, []);
    }

    /// <summary>Checkpoints acknowledged, after waiting for every one handed to the producer.</summary>
    private static long Written(IProducer<byte[]?, byte[]> producer, PipelineStats stats)
    {
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return stats.Checkpointed;
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
