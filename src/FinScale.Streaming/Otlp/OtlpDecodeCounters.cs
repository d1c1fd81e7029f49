namespace FinScale.Streaming.Otlp;

/// <summary>
/// What the OTLP decoders did with the data points and spans they read, by rule. One writer (the consume thread);
/// readers on other threads see each counter as a whole value.
/// </summary>
public sealed class OtlpDecodeCounters
{
    internal long DataPointsRead;
    internal long PointsEmitted;
    internal long NoRecordedValue;
    internal long NonFinite;
    internal long MissingTimestamp;
    internal long FutureTimestamp;
    internal long UnspecifiedTemporality;
    internal long Stale;
    internal long Resets;
    internal long MalformedPoints;
    internal long RefusedPoints;
    internal long DefaultedServiceName;
    internal long SpansRead;
    internal long MalformedSpans;
    internal long MalformedExemplar;

    /// <summary>OTLP data points read (before any rule).</summary>
    public long DataPoints => Volatile.Read(ref DataPointsRead);

    /// <summary>Series updates derived from them.</summary>
    public long Emitted => Volatile.Read(ref PointsEmitted);

    /// <summary>Points flagged <c>NO_RECORDED_VALUE</c> (staleness markers): skipped.</summary>
    public long NoRecordedValuePoints => Volatile.Read(ref NoRecordedValue);

    /// <summary>Points whose value is NaN or infinite, or that carry no value: skipped.</summary>
    public long NonFinitePoints => Volatile.Read(ref NonFinite);

    /// <summary>Points with <c>time_unix_nano</c> = 0: skipped.</summary>
    public long MissingTimestampPoints => Volatile.Read(ref MissingTimestamp);

    /// <summary>Points (or spans) timed further in the future than <see cref="Configuration.OtlpOptions.MaxFutureSkew"/>: skipped.</summary>
    public long FutureTimestampPoints => Volatile.Read(ref FutureTimestamp);

    /// <summary>Sum/histogram points whose aggregation temporality is unspecified or unknown: skipped.</summary>
    public long UnspecifiedTemporalityPoints => Volatile.Read(ref UnspecifiedTemporality);

    /// <summary>Cumulative points not newer than the previous point of their stream (duplicates, reordering): skipped.</summary>
    public long StalePoints => Volatile.Read(ref Stale);

    /// <summary>Counter or histogram resets seen (value fell, or the start time moved).</summary>
    public long CounterResets => Volatile.Read(ref Resets);

    /// <summary>Points whose content is inconsistent (e.g. bucket counts that do not match the bounds): skipped.</summary>
    public long MalformedDataPoints => Volatile.Read(ref MalformedPoints);

    /// <summary>Updates refused because the series cap was reached.</summary>
    public long Refused => Volatile.Read(ref RefusedPoints);

    /// <summary>Resources without <c>service.name</c>, keyed as <c>unknown_service</c> (the SDK default).</summary>
    public long DefaultedServiceNames => Volatile.Read(ref DefaultedServiceName);

    /// <summary>Exemplars ignored because their <c>trace_id</c> is not 16 bytes or is all zero (the point itself is used).</summary>
    public long MalformedExemplars => Volatile.Read(ref MalformedExemplar);

    /// <summary>Spans read.</summary>
    public long Spans => Volatile.Read(ref SpansRead);

    /// <summary>Spans skipped for bad ids or timestamps.</summary>
    public long MalformedSpanCount => Volatile.Read(ref MalformedSpans);
}
