using FinScale.Telemetry.Kafka.Delivery;

namespace FinScale.Telemetry.Kafka;

/// <summary>Thread-safe delivery counters of one Kafka exporter; read them at any time, e.g. to export them as metrics of their own.</summary>
/// <remarks>
/// A record is counted once, when its fate is known: <see cref="RecordsSent"/> when a broker acknowledged it,
/// <see cref="RecordsDropped"/> when it was refused by the full local queue, failed, timed out after
/// <see cref="KafkaExporterOptions.MessageTimeout"/>, or was still queued when shutdown gave up waiting.
/// The spans and data points inside dropped records are added to <see cref="SpansDropped"/> and
/// <see cref="DataPointsDropped"/>, so an operator can see how much telemetry was lost rather than how many envelopes.
/// </remarks>
public sealed class KafkaExporterStatistics
{
    private long _recordsSent;
    private long _recordsDropped;
    private long _recordsQueueFull;
    private long _recordsInFlight;
    private long _spansSent;
    private long _spansDropped;
    private long _dataPointsSent;
    private long _dataPointsDropped;
    private long _serializationFailures;
    private string? _lastError;

    /// <summary>Gets the number of records a broker acknowledged.</summary>
    public long RecordsSent => Interlocked.Read(ref _recordsSent);

    /// <summary>Gets the number of records dropped for any reason (queue full, delivery failure or timeout, shutdown).</summary>
    public long RecordsDropped => Interlocked.Read(ref _recordsDropped);

    /// <summary>Gets the part of <see cref="RecordsDropped"/> refused at once because the local queue was full (the memory bound at work).</summary>
    public long RecordsDroppedQueueFull => Interlocked.Read(ref _recordsQueueFull);

    /// <summary>Gets the number of records handed to the producer whose delivery is not settled yet.</summary>
    public long RecordsInFlight => Interlocked.Read(ref _recordsInFlight);

    /// <summary>Gets the number of spans in acknowledged records.</summary>
    public long SpansSent => Interlocked.Read(ref _spansSent);

    /// <summary>Gets the number of spans in dropped records.</summary>
    public long SpansDropped => Interlocked.Read(ref _spansDropped);

    /// <summary>Gets the number of metric data points in acknowledged records.</summary>
    public long DataPointsSent => Interlocked.Read(ref _dataPointsSent);

    /// <summary>Gets the number of metric data points in dropped records.</summary>
    public long DataPointsDropped => Interlocked.Read(ref _dataPointsDropped);

    /// <summary>Gets the number of export batches (or parts of one) that could not be serialized and were dropped before reaching Kafka.</summary>
    public long SerializationFailures => Interlocked.Read(ref _serializationFailures);

    /// <summary>Gets the text of the most recent delivery or client error, or null when there was none.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    internal void OnQueued() => Interlocked.Increment(ref _recordsInFlight);

    internal void OnSent(TelemetrySignal signal, int items)
    {
        Interlocked.Increment(ref _recordsSent);
        Interlocked.Decrement(ref _recordsInFlight);
        Interlocked.Add(ref signal == TelemetrySignal.Traces ? ref _spansSent : ref _dataPointsSent, items);
    }

    /// <summary>Counts a record that had been counted in flight and then was refused, failed or timed out.</summary>
    internal void OnQueuedRecordDropped(TelemetrySignal signal, int items, string error, bool queueFull)
    {
        Interlocked.Decrement(ref _recordsInFlight);
        if (queueFull)
        {
            Interlocked.Increment(ref _recordsQueueFull);
        }

        Drop(signal, 1, items, error);
    }

    /// <summary>Counts a record refused before it was counted in flight (the exporter was shut down).</summary>
    internal void OnRefused(TelemetrySignal signal, int items, string error) => Drop(signal, 1, items, error);

    /// <summary>Counts the records still in flight when shutdown stopped waiting for them.</summary>
    internal void OnAbandoned(TelemetrySignal signal, long records, long items, string error)
    {
        Interlocked.Add(ref _recordsInFlight, -records);
        Drop(signal, records, items, error);
    }

    internal void OnSerializationFailure(TelemetrySignal signal, int items, string error)
    {
        Interlocked.Increment(ref _serializationFailures);
        Interlocked.Add(ref signal == TelemetrySignal.Traces ? ref _spansDropped : ref _dataPointsDropped, items);
        RecordError(error);
    }

    internal void RecordError(string error) => Volatile.Write(ref _lastError, error);

    private void Drop(TelemetrySignal signal, long records, long items, string error)
    {
        Interlocked.Add(ref _recordsDropped, records);
        Interlocked.Add(ref signal == TelemetrySignal.Traces ? ref _spansDropped : ref _dataPointsDropped, items);
        RecordError(error);
    }
}
