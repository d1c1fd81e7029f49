using System.Collections.Concurrent;
using FinScale.Contracts;
using FinScale.Streaming.Pipeline;

namespace FinScale.Host.Bench;

/// <summary>Notes the wall-clock time at which each opening anomaly is handed to the producer; never blocks.</summary>
internal sealed class LatencyObserver(TimeProvider time) : IPipelineObserver
{
    private readonly ConcurrentQueue<(long EventMs, double ObservedMs)> _seen = new();

    /// <summary>Opening anomalies seen so far: the event time of the point that opened it and when it was seen (Unix ms).</summary>
    public IReadOnlyCollection<(long EventMs, double ObservedMs)> Seen => _seen;

    /// <inheritdoc/>
    public void OnAnomaly(Anomaly anomaly)
    {
        if (anomaly.State == AnomalyState.Open)
            _seen.Enqueue((anomaly.EventTime.ToUnixTimeMilliseconds(), (time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds));
    }

    /// <inheritdoc/>
    public void OnDecision(RemediationDecision decision)
    {
    }
}
