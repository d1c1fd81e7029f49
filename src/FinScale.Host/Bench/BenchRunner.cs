using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Confluent.Kafka;
using FinScale.Host.Commands;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Bench;

/// <summary>
/// <c>finscale bench</c> end to end: produces the OTLP workload in rounds that fit the broker's retention, measures a bare
/// consumer and the full pipeline over the same records, then the append-to-anomaly latency at half the measured rate.
/// </summary>
/// <remarks>
/// Round one is produced and read by the bare consumer before the pipeline starts, so its two measurements run alone.
/// The pipeline then keeps running (its baselines must stay warm), so later rounds are consumed by it while they are
/// produced (its time includes the producer's share of the cores, a pessimistic reading) and the bare consumer reads
/// each later round after the pipeline finished it.
/// </remarks>
internal sealed class BenchRunner(IHost host, BenchSettings settings, TextWriter output)
{
    /// <summary>Bytes of a round per partition: under the embedded broker's ~5 MiB retention, with room for batch overhead.</summary>
    private const long RoundBytesPerPartition = 4L * 1024 * 1024;

    /// <summary>Ticks of every pod by default: past the ensemble scorer's warm-up (Detection:Ensemble:WarmUp, 100 points), so spikes can open anomalies.</summary>
    private const int DefaultTicks = 120;

    /// <summary>Ticks before spikes are injected into the throughput workload (past the ensemble's warm-up).</summary>
    private const int SpikesFromTick = 105;

    /// <summary>Most ticks of the throughput workload: a day at the default step of 10 s.</summary>
    private const int MaxTicks = 8640;

    private readonly TimeProvider _time = TimeProvider.System;

    /// <summary>Event time of tick 0: the last planned tick is the bench's start, so every tick is in the past and the live phase follows on.</summary>
    private DateTimeOffset _origin;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var endpoint = host.Services.GetRequiredService<KafkaEndpoint>();
        var topics = host.Services.GetRequiredService<IOptions<TopicOptions>>().Value;
        var pipelineOptions = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var pipeline = host.Services.GetRequiredService<MetricsPipeline>();
        await RunCommand.PrepareAsync(host, ct);
        var topic = topics.OtlpMetrics;
        int partitions;
        using (var admin = endpoint.CreateAdminClient())
            partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;

        var start = _time.GetUtcNow();
        var workload = new OtlpBenchWorkload(settings.Series, settings.PointsPerRecord, start);
        var recordBytes = new OtlpBenchWorkload(1, settings.PointsPerRecord, start).Encode(0, 0, start).Length + workload.Key(0).Length;
        var resourcesPerPartition = (workload.Resources + partitions - 1) / partitions;
        var ticksPerRound = (int)Math.Clamp(RoundBytesPerPartition / ((long)resourcesPerPartition * recordBytes), 1, 8640);
        var ticks = settings.Records is { } records ? (int)Math.Max(1, (records + workload.Resources - 1) / workload.Resources) : DefaultTicks;
        if (ticks > MaxTicks)
            throw new ArgumentException("--records asks for more than 8,640 ticks of every pod (a day at 10 s)");
        _origin = start - (settings.TickStep * (settings.Seconds is null ? ticks : MaxTicks));

        await output.WriteLineAsync($"finscale bench: Kafka at {endpoint.BootstrapServers}{(endpoint.IsEmbedded || host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value.Properties.ContainsKey("fetch.wait.max.ms") ? " (embedded broker in a child process; consumers' fetch.wait.max.ms=10: the mock holds an empty fetch for the full wait)" : string.Empty)}, topic {topic} ({partitions} partitions)");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"workload: {workload.Series:N0} series = {workload.Resources:N0} pods x {workload.SeriesPerResource} ({workload.Gauges} gauges + {workload.Histograms} cumulative histograms x 5); {workload.PointsPerRecord} OTLP data points and ~{recordBytes / 1024.0:F1} KiB per record; one record per pod per tick, ticks {settings.TickStep.TotalSeconds:F0} s apart in event time"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"rounds of up to {ticksPerRound} ticks ({(long)ticksPerRound * workload.Resources:N0} records, <= {RoundBytesPerPartition >> 20} MiB per partition: the embedded broker keeps ~5 MiB per partition)"));

        using var watermarks = new ConsumerBuilder<byte[]?, byte[]>(endpoint.ConsumerConfig("finscale-bench-watermarks", "bench-watermarks")).Build();
        var observer = new LatencyObserver(_time);
        using var gc = new GcPauseRecorder();
        pipeline.Observer = observer;
        var stats = pipeline.Stats;

        var bare = new Totals();
        var full = new Totals();
        var expectedDetected = 0L;
        var producedRecords = 0L;
        var overlapped = 0;
        long heapBefore = 0, heapAfter = 0;
        long processPeakBeforePipeline = 0;
        using var stopPipeline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? run = null;
        MemorySampler? memory = null;
        var tick = 0;
        var round = 0;
        try
        {
            while (tick < ticks || (settings.Seconds is { } s && full.Seconds < s && tick < MaxTicks))
            {
                var roundTicks = Math.Min(ticksPerRound, settings.Seconds is null ? ticks - tick : MaxTicks - tick);
                round++;
                var begin = Offsets(watermarks, topic, partitions, high: true);
                var produceStarted = Stopwatch.GetTimestamp();
                var (roundRecords, roundBytes) = ProduceRound(endpoint, topic, partitions, workload, tick, roundTicks, ref expectedDetected, ct);
                var produceSeconds = Stopwatch.GetElapsedTime(produceStarted).TotalSeconds;
                producedRecords += roundRecords;
                tick += roundTicks;
                var end = Offsets(watermarks, topic, partitions, high: true);
                var produced = end.Zip(begin, (e, b) => e - b).Sum();
                if (produced != roundRecords)
                    throw new InvalidOperationException($"round {round}: {roundRecords} records delivered but the partitions grew by {produced}");
                var points = roundRecords * workload.PointsPerRecord;

                if (run is null)
                {
                    var b = BareConsume(endpoint, topic, begin, end, ct);
                    bare.Add(b.Records, points, b.Bytes, b.Seconds);
                    await ReportRoundAsync(round, "bare consumer", roundRecords, points, b.Bytes, b.Seconds, $"(produced in {produceSeconds:F2} s)");

                    // The pipeline's share of memory: from here on, without the bare consumer and the producer of round one.
                    heapBefore = GC.GetTotalMemory(forceFullCollection: true);
                    processPeakBeforePipeline = PeakWorkingSet();
                    ResetPeakRss();
                    gc.Start();
                    memory = new MemorySampler();
                    run = Task.Run(() => pipeline.RunAsync(stopPipeline.Token), CancellationToken.None);
                    var (first, done) = await WaitForPipelineAsync(stats, run, producedRecords, expectedDetected, 0, ct);
                    var seconds = Stopwatch.GetElapsedTime(first, done).TotalSeconds;
                    full.Add(roundRecords, points, roundBytes, seconds);
                    await ReportRoundAsync(round, "full pipeline", roundRecords, points, roundBytes, seconds, "(fresh group; from its first record to the last point detected)");
                }
                else
                {
                    overlapped++;
                    var (_, done) = await WaitForPipelineAsync(stats, run, producedRecords, expectedDetected, produceStarted, ct);
                    var seconds = Stopwatch.GetElapsedTime(produceStarted, done).TotalSeconds;
                    full.Add(roundRecords, points, roundBytes, seconds);
                    await ReportRoundAsync(round, "full pipeline", roundRecords, points, roundBytes, seconds, $"(live while producing it in {produceSeconds:F2} s)");
                    var b = BareConsume(endpoint, topic, begin, end, ct);
                    bare.Add(b.Records, points, b.Bytes, b.Seconds);
                    await ReportRoundAsync(round, "bare consumer", roundRecords, points, b.Bytes, b.Seconds, "(after the pipeline finished it)");
                }
            }

            if (stats.Records != producedRecords)
                throw new InvalidOperationException($"the pipeline consumed {stats.Records} records of the {producedRecords} produced");
            var gcThroughput = gc.Stop();
            heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            var detectedPoints = stats.DetectedPoints;
            var anomalies = stats.Anomalies;

            var latency = await LatencyPhaseAsync(endpoint, topic, partitions, workload, ticks: tick, full.RecordsPerSecond / 2, observer, stats, gc.Start, ct);
            var gcLatency = gc.Stop();

            var checkpointedWhileMeasuring = stats.Checkpointed;
            await stopPipeline.CancelAsync();
            await run!;
            run = null;

            var peakPipeline = PeakRss();
            await memory!.DisposeAsync();
            var ratio = full.PointsPerSecond / bare.PointsPerSecond;
            var exemplarBytes = pipelineOptions.ExemplarIndexCapacity > 0 ? (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(pipelineOptions.ExemplarIndexCapacity, 2)) * ExemplarIndex.BytesPerEntry : 0;
            var perSeries = (double)(heapAfter - heapBefore) / workload.Series;
            await output.WriteLineAsync();
            await output.WriteLineAsync("== report ==");
            await WriteAsync($"records: {producedRecords:N0} in {round} round(s), {bare.Points:N0} OTLP data points, {bare.Bytes / 1e6:F1} MB; bare consumer and pipeline saw every record (no loss to retention)");
            await WriteAsync($"bare consumer (ceiling): {bare.RecordsPerSecond:N0} records/s, {bare.PointsPerSecond:N0} data points/s, {bare.Bytes / bare.Seconds / 1e6:F1} MB/s");
            await WriteAsync($"full pipeline:           {full.RecordsPerSecond:N0} records/s, {full.PointsPerSecond:N0} data points/s, {full.Bytes / full.Seconds / 1e6:F1} MB/s; {detectedPoints / full.Seconds:N0} series updates/s ({detectedPoints:N0} series points detected, {anomalies:N0} anomalies)");
            await WriteAsync($"ratio pipeline/bare: {ratio:F3}{(overlapped > 0 ? $" ({overlapped} of {round} rounds measured live while produced)" : string.Empty)}");
            await output.WriteLineAsync(latency.Summary);
            await output.WriteLineAsync($"{gcLatency} (latency phase); {gcThroughput} (throughput rounds); server GC {System.Runtime.GCSettings.IsServerGC}, latency mode {System.Runtime.GCSettings.LatencyMode}");
            await WriteAsync($"peak RSS: {peakPipeline / 1048576.0:F0} MiB while the pipeline ran (VmHWM reset at its start; includes the bench's producers in later rounds and the latency phase); {processPeakBeforePipeline / 1048576.0:F0} MiB before it (workload generation, producer, bare consumer); the broker runs in its own process unless --bootstrap-servers");
            await output.WriteLineAsync($"memory while the pipeline ran, {memory.Describe()}; {NativeHeap.State}");
            await WriteAsync($"GC heap per series: {perSeries:F0} B ({(heapAfter - heapBefore) / 1048576.0:F1} MiB over {workload.Series:N0} series: catalog keys, decoder's hash and stream maps, detector state, plus per-run fixed allocations such as the {exemplarBytes / 1048576.0:0.#} MiB exemplar index and channel buffers; {(double)(heapAfter - heapBefore - exemplarBytes) / workload.Series:F0} B without the exemplar index); native librdkafka buffers are not in it");
            var (longest, longestAnomalies) = stats.LongestWindow;
            await WriteAsync($"decision stage: {stats.DecidedWindows:N0} windows decided, deciding busy {stats.DecisionBusy.TotalMilliseconds:N0} ms in all (diagnosing, planning, auditing; anomalies are written meanwhile), longest window {longest.TotalMilliseconds:F1} ms for {longestAnomalies:N0} anomalies");
            await WriteAsync($"series: {stats.Series:N0} interned, {stats.SeriesRefused:N0} refused; points out of order {stats.OutOfOrderPoints:N0}, dead-lettered records {stats.DeadLettered:N0}");
            if (pipelineOptions.CheckpointInterval > TimeSpan.Zero)
                await WriteAsync($"checkpoints every {pipelineOptions.CheckpointInterval.TotalSeconds:F0} s: {checkpointedWhileMeasuring:N0} series states written while measuring, {stats.Checkpointed - checkpointedWhileMeasuring:N0} more at stop");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench points_per_s={full.PointsPerSecond:F0} ratio={ratio:F3} p99_ms={(double.IsNaN(latency.P99) ? "nan" : latency.P99.ToString("F1", CultureInfo.InvariantCulture))} rss_mb={peakPipeline / 1048576.0:F0}"));
            return CommandRunner.Ok;
        }
        finally
        {
            if (memory is not null)
                await memory.DisposeAsync();
            if (run is not null)
            {
                await stopPipeline.CancelAsync();
                try
                {
                    await run;
                }
                catch (Exception ex) when (ex is OperationCanceledException or PipelineFailedException)
                {
                    // Already failing: the first error is the one reported.
                }
            }
        }
    }

    private Task WriteAsync(FormattableString line) => output.WriteLineAsync(line.ToString(CultureInfo.InvariantCulture));

    private Task ReportRoundAsync(int round, string what, long records, long points, long bytes, double seconds, string note) =>
        WriteAsync($"round {round}, {what}: {records:N0} records, {points:N0} data points, {bytes / 1e6:F1} MB in {seconds:F3} s = {points / seconds:N0} points/s, {bytes / seconds / 1e6:F1} MB/s {note}");

    /// <summary>Produces ticks [<paramref name="fromTick"/>, +<paramref name="count"/>) of every pod; pod r goes to partition r mod partitions.</summary>
    private (long Records, long Bytes) ProduceRound(KafkaEndpoint endpoint, string topic, int partitions, OtlpBenchWorkload workload, int fromTick, int count, ref long expectedDetected, CancellationToken ct)
    {
        var config = endpoint.ProducerConfig("bench");
        config.QueueBufferingMaxKbytes = 64 * 1024; // bounds the producer's native memory in this process
        var failed = 0L;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).SetErrorHandler((_, e) => { if (e.IsFatal) Interlocked.Increment(ref failed); }).Build();
        Action<DeliveryReport<byte[], byte[]>> report = r =>
        {
            if (r.Error.IsError)
                Interlocked.Increment(ref failed);
        };
        long records = 0, bytes = 0;
        var arrays = new ExactLengthArrays();
        for (var t = fromTick; t < fromTick + count; t++)
        {
            ct.ThrowIfCancellationRequested();
            var eventTime = _origin + (settings.TickStep * t);
            for (var r = 0; r < workload.Resources; r++)
            {
                var spike = t >= SpikesFromTick && t % 5 == 0 && r % 10 == 0 ? ((t * 13) + r) % workload.Gauges : -1;
                var value = arrays.CopyOf(workload.Encode(r, t, eventTime, spike));
                var key = workload.Key(r);
                Produce(producer, new TopicPartition(topic, new Partition(r % partitions)), new Message<byte[], byte[]> { Key = key, Value = value }, report);
                records++;
                bytes += key.Length + value.Length;
                expectedDetected += workload.Gauges + (t > 0 ? 5L * workload.Histograms : 0);
            }
        }

        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
            ct.ThrowIfCancellationRequested();
        if (Interlocked.Read(ref failed) > 0)
            throw new InvalidOperationException($"{failed} records were not delivered");
        return (records, bytes);
    }

    private static void Produce(IProducer<byte[], byte[]> producer, TopicPartition tp, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> report)
    {
        while (true)
        {
            try
            {
                producer.Produce(tp, message, report);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private static long[] Offsets(IConsumer<byte[]?, byte[]> consumer, string topic, int partitions, bool high)
    {
        var offsets = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(p)), TimeSpan.FromSeconds(10));
            offsets[p] = high ? w.High.Value : w.Low.Value;
        }

        return offsets;
    }

    /// <summary>Reads [begin, end) of every partition and only counts the bytes: the ceiling of this broker and client here.</summary>
    private static (long Records, long Bytes, double Seconds) BareConsume(KafkaEndpoint endpoint, string topic, long[] begin, long[] end, CancellationToken ct)
    {
        var config = endpoint.ConsumerConfig("finscale-bench-bare-" + Guid.NewGuid().ToString("N"), "bench-bare");
        config.EnableAutoCommit = false;
        MetricsPipeline.ApplyPrefetchLimits(config); // the pipeline's client configuration, so the ceiling is comparable
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        var low = Offsets(consumer, topic, begin.Length, high: false);
        for (var p = 0; p < begin.Length; p++)
        {
            if (low[p] > begin[p])
                throw new InvalidOperationException($"partition {p}: the broker dropped offsets {begin[p]}..{low[p] - 1} to retention before they were read; use more partitions");
        }

        var remaining = new HashSet<int>(Enumerable.Range(0, begin.Length).Where(p => end[p] > begin[p]));
        consumer.Assign(remaining.Select(p => new TopicPartitionOffset(topic, new Partition(p), new Offset(begin[p]))));
        long records = 0, bytes = 0, first = 0, last = 0;
        var idleSince = Stopwatch.GetTimestamp();
        while (remaining.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
            {
                if (Stopwatch.GetElapsedTime(idleSince) > TimeSpan.FromSeconds(30))
                    throw new InvalidOperationException($"bare consumer: nothing for 30 s with {remaining.Count} partitions unfinished ({records} records read)");
                continue;
            }

            idleSince = last = Stopwatch.GetTimestamp();
            if (first == 0)
                first = last;
            records++;
            bytes += (r.Message.Key?.Length ?? 0) + r.Message.Value.Length;
            if (r.Offset.Value + 1 >= end[r.Partition.Value])
                remaining.Remove(r.Partition.Value);
        }

        consumer.Close();
        return (records, bytes, Stopwatch.GetElapsedTime(first, last).TotalSeconds);
    }

    /// <summary>
    /// Waits until the pipeline has consumed <paramref name="records"/> and detected the points they carry; returns when its
    /// first record arrived (or <paramref name="startedAt"/>) and when the last point passed detection.
    /// </summary>
    private static async Task<(long First, long Done)> WaitForPipelineAsync(PipelineStats stats, Task run, long records, long expectedDetected, long startedAt, CancellationToken ct)
    {
        var before = stats.Records;
        var first = startedAt;
        var lastDetected = -1L;
        var lastChange = Stopwatch.GetTimestamp();
        while (true)
        {
            if (run.IsCompleted)
            {
                await run;
                throw new InvalidOperationException("the pipeline stopped before it consumed the workload");
            }

            var now = Stopwatch.GetTimestamp();
            var consumed = stats.Records;
            var detected = stats.DetectedPoints;
            if (first == 0 && consumed > before)
                first = now;
            if (detected != lastDetected)
            {
                lastDetected = detected;
                lastChange = now;
            }

            if (consumed >= records && detected >= expectedDetected)
                return (first, now);

            // Some points were dropped by the decoder (counted in its counters): done once nothing moved for a second.
            if (consumed >= records && detected == stats.Points && Stopwatch.GetElapsedTime(lastChange) > TimeSpan.FromSeconds(1))
                return (first, lastChange);
            if (Stopwatch.GetElapsedTime(lastChange) > TimeSpan.FromSeconds(120))
                throw new TimeoutException($"the pipeline made no progress for 2 minutes: {consumed} of {records} records, {detected} points detected");
            await Task.Delay(1, ct);
        }
    }

    /// <summary>
    /// Produces the next ticks live at <paramref name="recordsPerSecond"/>, each record stamped (Kafka timestamp and every
    /// point's event time) with the wall clock when it is handed to the producer; some carry a spike. Returns the
    /// distribution of (anomaly seen by the pipeline's observer − record timestamp) over the spikes. The first
    /// <see cref="BenchSettings.LatencyWarmUp"/> is produced the same way but measured apart (see there);
    /// <paramref name="measuring"/> is called when the measured part starts.
    /// </summary>
    private async Task<LatencyResult> LatencyPhaseAsync(KafkaEndpoint endpoint, string topic, int partitions, OtlpBenchWorkload workload, int ticks, double recordsPerSecond, LatencyObserver observer, PipelineStats stats, Action measuring, CancellationToken ct)
    {
        var warmUp = (long)(recordsPerSecond * settings.LatencyWarmUp.TotalSeconds);
        var measured = (long)Math.Max(1, recordsPerSecond * settings.LatencyPhase.TotalSeconds);
        var total = warmUp + measured;
        var every = Math.Max(1, measured / Math.Max(1, settings.LatencySpikes));
        var warmUpEvery = Math.Max(1, warmUp / Math.Max(1, settings.LatencySpikes / 2));
        var config = endpoint.ProducerConfig("bench-live");
        config.LingerMs = 0;
        var failed = 0L;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        Action<DeliveryReport<byte[], byte[]>> report = r =>
        {
            if (r.Error.IsError)
                Interlocked.Increment(ref failed);
        };
        var nextTick = new long[workload.Resources];
        var arrays = new ExactLengthArrays();
        Array.Fill(nextTick, ticks);
        var spikesOf = new int[workload.Resources];
        var stride = SpikeStride(workload.Gauges);
        long nextSpike = -1, spikeCount = 0;
        var spikeTimes = new HashSet<long>();
        var warmUpSpikeTimes = new HashSet<long>();
        var recordsBefore = stats.Records;
        var anomaliesBefore = stats.Anomalies;
        var anomaliesWarmingUp = 0L;
        var started = Stopwatch.GetTimestamp();
        var measuredFrom = warmUp == 0 ? started : 0;
        if (warmUp == 0)
            measuring();
        long sent = 0;
        var lastEventMs = 0L;
        while (sent < total)
        {
            var due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * recordsPerSecond) + 1);
            for (; sent < due; sent++)
            {
                if (sent == warmUp && warmUp > 0)
                {
                    measuredFrom = Stopwatch.GetTimestamp();
                    anomaliesWarmingUp = stats.Anomalies - anomaliesBefore;
                    measuring();
                }

                var r = (int)(sent % workload.Resources);

                // Event times of one pod must advance, so two records within one millisecond are a millisecond apart.
                var nowMs = Math.Max(_time.GetUtcNow().ToUnixTimeMilliseconds(), lastEventMs + (sent % workload.Resources == 0 ? 1 : 0));
                lastEventMs = nowMs;
                var warming = sent < warmUp;
                var k = warming ? sent : sent - warmUp;
                var period = warming ? warmUpEvery : every;
                if (k == 0)
                    nextSpike = period / 2; // each phase spaces its own spikes
                // The spike that is due goes to the first record at or after the due point whose pod has had no more
                // than its share of the spikes so far (so they spread over the pods), and each pod's spikes to a gauge
                // it has not spiked yet: the stride is coprime with the gauge count, so it visits every gauge once. A
                // spike on a series that spiked before would measure the detector's memory of the earlier one (a
                // recurring incident scores lower), not the pipeline's latency.
                var spike = -1;
                if (nextSpike >= 0 && k >= nextSpike && spikesOf[r] <= spikeCount / workload.Resources && spikesOf[r] < workload.Gauges)
                {
                    spike = (int)((((long)spikesOf[r]++ * stride) + 3) % workload.Gauges);
                    spikeCount++;
                    nextSpike += period;
                }

                var stamp = DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
                var value = arrays.CopyOf(workload.Encode(r, nextTick[r]++, stamp, spike));
                if (spike >= 0)
                    (warming ? warmUpSpikeTimes : spikeTimes).Add(nowMs);
                Produce(producer, new TopicPartition(topic, new Partition(r % partitions)), new Message<byte[], byte[]> { Key = workload.Key(r), Value = value, Timestamp = new Timestamp(stamp) }, report);
            }

            producer.Poll(TimeSpan.Zero);
            await Task.Delay(1, ct);
        }

        var produceSeconds = Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;
        producer.Flush(ct);
        var lagAtEnd = recordsBefore + sent - stats.Records;

        // Let the tail arrive: until every record is consumed and detected, or 60 s (a spike not yet detected when the wait
        // ends counts as missed, so the bound is for a stuck run, not a slow one).
        var drain = Stopwatch.GetTimestamp();
        while ((stats.Records < recordsBefore + sent || stats.DetectedPoints < stats.Points) && Stopwatch.GetElapsedTime(drain) < TimeSpan.FromSeconds(60))
            await Task.Delay(5, ct);
        await Task.Delay(200, ct);

        double[] Latencies(HashSet<long> times) => observer.Seen.Where(s => times.Contains(s.EventMs)).GroupBy(s => s.EventMs).Select(g => g.Min(x => x.ObservedMs) - g.Key).Order().ToArray();
        var latencies = Latencies(spikeTimes);
        var warmUpLatencies = Latencies(warmUpSpikeTimes);
        var p50 = Percentile(latencies, 0.50);
        var p99 = Percentile(latencies, 0.99);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"latency, record append -> anomaly emitted: p50 {p50:F1} ms, p99 {p99:F1} ms, max {(latencies.Length > 0 ? latencies[^1] : double.NaN):F1} ms over {latencies.Length} of {spikeTimes.Count} spikes detected; live at {(sent - warmUp) / produceSeconds:N0} records/s ({(sent - warmUp) / produceSeconds * workload.PointsPerRecord:N0} points/s, target half of the measured maximum: {recordsPerSecond:N0} records/s) for {produceSeconds:F1} s; {lagAtEnd:N0} records behind when producing stopped; {failed} not delivered")
            + (warmUp == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture,
                $"\nlatency while warming up (first {settings.LatencyWarmUp.TotalSeconds:F0} s live, not in the figures above): p50 {Percentile(warmUpLatencies, 0.50):F1} ms, p99 {Percentile(warmUpLatencies, 0.99):F1} ms, max {(warmUpLatencies.Length > 0 ? warmUpLatencies[^1] : double.NaN):F1} ms over {warmUpLatencies.Length} of {warmUpSpikeTimes.Count} spikes; {anomaliesWarmingUp:N0} anomalies opened meanwhile (the histograms' rate series shifting to the live cadence)"));
        return new LatencyResult(p50, p99, summary);
    }

    /// <summary>The smallest step of at least 7 that shares no factor with <paramref name="gauges"/>, so that
    /// <c>(n × step + 3) mod gauges</c> for n = 0 .. gauges − 1 names every gauge once.</summary>
    internal static int SpikeStride(int gauges)
    {
        var step = 7;
        while (gauges > 1 && BigInteger.GreatestCommonDivisor(step, gauges) != 1)
            step++;
        return step;
    }

    private static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
            return double.NaN;
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static long PeakWorkingSet()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>Resets VmHWM (Linux: <c>echo 5 &gt; /proc/self/clear_refs</c>) so the peak covers only what follows.</summary>
    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux or not allowed: the peak then covers the whole process lifetime.
        }
    }

    /// <summary>Peak resident set size (VmHWM), in bytes.</summary>
    private static long PeakRss()
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return PeakWorkingSet();
    }

    private sealed record LatencyResult(double P50, double P99, string Summary);

    /// <summary>Sums over rounds.</summary>
    private sealed class Totals
    {
        public long Records { get; private set; }

        public long Points { get; private set; }

        public long Bytes { get; private set; }

        public double Seconds { get; private set; }

        public double RecordsPerSecond => Records / Seconds;

        public double PointsPerSecond => Points / Seconds;

        public void Add(long records, long points, long bytes, double seconds)
        {
            Records += records;
            Points += points;
            Bytes += bytes;
            Seconds += seconds;
        }
    }
}
