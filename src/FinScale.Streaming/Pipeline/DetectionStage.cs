using System.Diagnostics;
using System.Threading.Channels;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Streaming.Telemetry;

namespace FinScale.Streaming.Pipeline;

/// <summary>One detection shard: baselines its series and hands anomalies on. One reader per shard keeps per-series order.</summary>
internal sealed class DetectionStage
{
    private readonly ChannelReader<ShardBatch> _input;
    private readonly ChannelWriter<AnomalyEnvelope> _output;
    private readonly ShardDetector _detector;
    private readonly PipelineStats _stats;
    private readonly ExemplarIndex? _exemplars;
    private readonly List<DetectedAnomaly> _found = [];
    private readonly Prescale.PrescaleTap? _prescale;
    private readonly List<Prescale.PrescaleSignal> _signals = [];
    private readonly ShardCheckpointing? _checkpointing;
    private readonly ShardBatchPool? _batches;

    public DetectionStage(
        ChannelReader<ShardBatch> input,
        ChannelWriter<AnomalyEnvelope> output,
        ShardDetector detector,
        PipelineStats stats,
        ExemplarIndex? exemplars = null,
        Prescale.PrescaleTap? prescale = null,
        ShardCheckpointing? checkpointing = null,
        ShardBatchPool? batches = null)
    {
        _batches = batches;
        _prescale = prescale;
        _checkpointing = checkpointing;
        _input = input;
        _output = output;
        _detector = detector;
        _stats = stats;
        _exemplars = exemplars;
    }

    /// <summary>Processes batches until the input completes. Does not complete the shared output: the pipeline does, once every shard is done.</summary>
    public async Task RunAsync(CancellationToken abort)
    {
        while (true)
        {
            if (!_input.TryRead(out var batch))
            {
                if (!await WaitForBatchAsync(abort))
                    break;
                continue;
            }

            // Baselines restored for newly assigned partitions arrive before any of their points.
            _checkpointing?.Restore(_detector);
            var late = _detector.OutOfOrderPoints + _detector.NonFinitePoints;
            _found.Clear();
            _detector.Process(batch.Points, _found);
            _stats.AddDetectorCounters(_detector.OutOfOrderPoints + _detector.NonFinitePoints - late);

            foreach (var found in _found)
            {
                var ticket = batch.TicketAt(found.PointIndex);
                ticket.AddPending(); // held until the anomaly and its decision are written
                if (found.Anomaly.State == AnomalyState.Open)
                {
                    FinScaleTelemetry.RecordDetectionLatency(Stopwatch.GetElapsedTime(batch.StartedAt));
                    FinScaleTelemetry.RecordAnomaly(found.Anomaly);
                }

                await _output.WriteAsync(new AnomalyEnvelope(WithTrace(found.Anomaly, batch.Points[found.PointIndex]), ticket), abort);
            }

            if (_prescale is not null)
            {
                _signals.Clear();
                _prescale.Observe(batch.Points, _signals);
                foreach (var signal in _signals)
                {
                    var ticket = batch.TicketAt(signal.PointIndex);
                    ticket.AddPending(); // held until the pre-scale decision is audited
                    await _output.WriteAsync(new AnomalyEnvelope(signal.Finding.Anomalies[0], ticket) { Prescale = signal.Finding }, abort);
                }
            }

            // The points have passed detection.
            for (var i = 0; i < batch.Count; i++)
                batch.TicketAt(i).Complete();
            _stats.AddDetectedPoints(batch.Count);
            _batches?.Return(batch); // nothing above keeps the batch: anomalies hold their tickets, not it
            _checkpointing?.WriteIfDue(_detector);
        }

        // A graceful stop leaves the freshest baselines for whoever takes the partitions next.
        _checkpointing?.Write(_detector);
    }

    /// <summary>
    /// Waits for the next batch (false once the input is complete). While checkpoint work may fall due and no batch comes,
    /// it goes on with it every <see cref="IdleCheckpointTick"/>: a shard whose input stopped would otherwise leave a
    /// cycle unwritten, or never start the next, until input came back or the run stopped.
    /// </summary>
    private async ValueTask<bool> WaitForBatchAsync(CancellationToken abort)
    {
        while (_checkpointing is { } checkpointing && checkpointing.HasWork(_detector))
        {
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(abort);
            tick.CancelAfter(IdleCheckpointTick);
            try
            {
                return await _input.WaitToReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                checkpointing.WriteIfDue(_detector);
            }
        }

        return await _input.WaitToReadAsync(abort);
    }

    /// <summary>How often an idle shard goes on with its checkpoint work.</summary>
    internal static readonly TimeSpan IdleCheckpointTick = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An opening anomaly gets the trace id (and span id, when the example named one) of the point that opened it, when
    /// that point had one (looked up only here, which is rare, so points never carry it). A resolution is about a normal
    /// point: it gets none.
    /// </summary>
    private Anomaly WithTrace(Anomaly anomaly, in SeriesPoint point)
    {
        if (_exemplars is null || anomaly.State != AnomalyState.Open || anomaly.TraceId is not null)
            return anomaly;
        return _exemplars.FindExample(point.SeriesId, point.TimestampMs) is { } example
            ? anomaly with { TraceId = example.TraceId, SpanId = example.SpanId }
            : anomaly;
    }
}
