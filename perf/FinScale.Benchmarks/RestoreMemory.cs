using System.Globalization;
using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Streaming.Embedded;
using FinScale.Streaming.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinScale.Benchmarks;

/// <summary>
/// Managed memory of taking partitions over: <c>series</c> mature series' checkpoints (12.5 days at 90-minute steps,
/// both profiles full) are written to a state topic on the in-process embedded broker, then restored into two fresh
/// shards the way <c>finscale run</c> does it (<c>streamed</c>: each state queued for its shard as it is read, at most
/// <see cref="MetricsPipeline.RestoreQueueBytes"/> waiting), or the way it did before (<c>gathered</c>: every key and
/// state held in a dictionary until the read ends, then queued). Reports the peak GC heap and committed bytes above
/// the start, sampled every millisecond, and the live bytes after. Run with
/// <c>dotnet run -c Release --project perf/FinScale.Benchmarks -- --restore [series] [streamed|gathered]</c>.
/// </summary>
/// <remarks>The embedded broker keeps about 5 MiB per partition: 32 state partitions hold about 160,000 mature states.</remarks>
public static class RestoreMemory
{
    private const int StatePartitions = 32;
    private const int ShardCount = 2;

    /// <summary>Runs the measurement and prints <c>restore mode=.. series=.. peak_heap_mb=.. peak_committed_mb=.. live_mb=.. seconds=..</c>.</summary>
    public static void Run(ReadOnlySpan<string> args)
    {
        var series = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var streamed = args.Length < 2 || args[1] != "gathered";
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("state", StatePartitions);
        var endpoint = FinScale.Streaming.Kafka.KafkaEndpoint.Open(new FinScale.Streaming.Configuration.KafkaOptions { BootstrapServers = cluster.BootstrapServers });
        WriteCheckpoints(endpoint, series);

        // The instance taking over: a catalog and shards of its own.
        var catalog = new SeriesCatalog(series);
        using var producer = new ProducerBuilder<byte[]?, byte[]>(endpoint.ProducerConfig("restore-bench")).Build();
        var checkpoints = new StateCheckpoints(producer, "state", StatePartitions, catalog, _ => null, new PipelineStats(), NullLogger.Instance);
        using var applied = new ManualResetEventSlim();
        var shards = Enumerable.Range(0, ShardCount).Select(_ => new ShardCheckpointing(checkpoints, TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance) { RestoresApplied = applied }).ToArray();
        var detectors = Enumerable.Range(0, ShardCount).Select(s => new ShardDetector(new DetectorOptions(), catalog, s, ShardCount)).ToArray();
        var channels = Enumerable.Range(0, ShardCount).Select(_ => Channel.CreateBounded<ShardBatch>(4)).ToArray();
        var pool = new ShardBatchPool(16, 16);
        var running = Enumerable.Range(0, ShardCount).Select(s => Task.Run(async () =>
        {
            await foreach (var batch in channels[s].Reader.ReadAllAsync())
            {
                shards[s].Restore(detectors[s]);
                pool.Return(batch);
            }
        })).ToArray();

        var inputs = Enumerable.Range(0, StatePartitions).Select(p => new TopicPartition("input", p)).ToList();
        var config = endpoint.ConsumerConfig("restore-" + Guid.NewGuid().ToString("N"), "restore");
        config.EnableAutoCommit = false;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        using var sampler = new PeakSampler();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (streamed)
        {
            StateCheckpoints.Read(config, "state", inputs, TimeSpan.FromMinutes(5), TimeSpan.Zero, TimeProvider.System, NullLogger.Instance, (key, state) =>
            {
                var id = catalog.GetOrAdd(key.AsSpan());
                shards[ShardDetector.ShardOf(id, ShardCount)].Enqueue(id, state);
                MetricsPipeline.WaitForRestoreRoom(shards, channels, pool, applied, MetricsPipeline.RestoreQueueBytes, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);
            });
        }
        else
        {
            Gathered(config, inputs, catalog, shards);
        }

        // The partitions' first records: every shard applies what is left.
        MetricsPipeline.WaitForRestoreRoom(shards, channels, pool, applied, 0, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);
        var seconds = watch.Elapsed.TotalSeconds;
        sampler.Dispose();
        foreach (var c in channels)
            c.Writer.Complete();
        Task.WaitAll(running);
        var restored = detectors.Sum(d => d.SeriesCount);
        if (restored != series)
            throw new InvalidOperationException($"restored {restored} of {series} series (the embedded broker's retention dropped some: fewer series)");
        var live = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(detectors);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"restore mode={(streamed ? "streamed" : "gathered")} series={series} peak_heap_mb={(sampler.PeakHeap - before) / 1048576.0:F1} peak_committed_mb={(sampler.PeakCommitted - committedBefore) / 1048576.0:F1} live_mb={live / 1048576.0:F1} seconds={seconds:F1}"));
    }

    /// <summary>The previous restore: every key and state gathered until the read ends, then queued (a method of its own, so nothing it held outlives it).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Gathered(ConsumerConfig config, List<TopicPartition> inputs, SeriesCatalog catalog, ShardCheckpointing[] shards)
    {
        var latest = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        StateCheckpoints.Read(config, "state", inputs, TimeSpan.FromMinutes(5), TimeSpan.Zero, TimeProvider.System, NullLogger.Instance, (key, state) =>
        {
            if (state is null)
                latest.Remove(key);
            else
                latest[key] = state;
        });
        foreach (var (key, state) in latest.ToList())
        {
            var id = catalog.GetOrAdd(key.AsSpan());
            shards[ShardDetector.ShardOf(id, ShardCount)].Enqueue(id, state);
        }
    }

    /// <summary>Learns <paramref name="series"/> mature series on one shard and writes every state to the state topic.</summary>
    private static void WriteCheckpoints(FinScale.Streaming.Kafka.KafkaEndpoint endpoint, int series)
    {
        var catalog = new SeriesCatalog(series);
        for (var i = 0; i < series; i++)
            catalog.GetOrAdd(DetectorMemory.KeyOf(i));

        var detector = new ShardDetector(new DetectorOptions(), catalog) { TrackChanges = true };
        var points = new SeriesPoint[series];
        var rng = new Random(42);
        for (var r = 0; r < 200; r++)
        {
            var ts = 1_767_225_600_000L + (r * 5_400_000L);
            var daily = Math.Sin(2 * Math.PI * (ts % 86_400_000) / 86_400_000.0);
            for (var i = 0; i < series; i++)
                points[i] = new SeriesPoint(i, ts, 100 + (20 * daily) + (5 * ((rng.NextDouble() * 2) - 1)) + (i % 7));
            detector.Process(points, []);
        }

        using var producer = new ProducerBuilder<byte[]?, byte[]>(endpoint.ProducerConfig("restore-bench-writer")).Build();
        var checkpoints = new StateCheckpoints(producer, "state", StatePartitions, catalog, id => new TopicPartition("input", id % StatePartitions), new PipelineStats(), NullLogger.Instance);
        var changed = new List<int>();
        detector.DrainChanged(changed);
        GC.Collect();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        checkpoints.Write(detector, changed, 0, changed.Count, wait: true);
        var writing = watch.Elapsed;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (producer.Flush(TimeSpan.FromMinutes(2)) > 0)
            throw new InvalidOperationException("checkpoints not acknowledged");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"checkpoint write: {writing.TotalMicroseconds / series:F2} us and {(double)allocated / series:F0} B allocated per series on the writing thread ({series} mature series, until handed to the producer; {watch.Elapsed.TotalSeconds:F1} s until acknowledged)"));
    }

    /// <summary>Samples the GC heap (allocated, including garbage not yet collected) and committed bytes every millisecond.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _stop = new();

        public PeakSampler()
        {
            _thread = new Thread(() =>
            {
                do
                {
                    PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(false));
                    PeakCommitted = Math.Max(PeakCommitted, GC.GetGCMemoryInfo().TotalCommittedBytes);
                }
                while (!_stop.Wait(1));
            }) { IsBackground = true };
            _thread.Start();
        }

        public long PeakHeap { get; private set; }

        public long PeakCommitted { get; private set; }

        public void Dispose()
        {
            if (_stop.IsSet)
                return;
            _stop.Set();
            _thread.Join();
        }
    }
}
