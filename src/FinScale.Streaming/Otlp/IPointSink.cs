namespace FinScale.Streaming.Otlp;

/// <summary>Receives the series updates a decoder derives from one record.</summary>
internal interface IPointSink
{
    /// <summary>One update to series <paramref name="seriesId"/> at event time <paramref name="timestampMs"/>.</summary>
    void Add(int seriesId, long timestampMs, double value);

    /// <summary>
    /// The update just added to <paramref name="seriesId"/> at <paramref name="timestampMs"/> came from a data point with
    /// an exemplar: <paramref name="traceId"/> (never zero) is its example trace and <paramref name="spanId"/> the span
    /// within it (0 when the exemplar names none). Called only for such points, after <see cref="Add"/>; a sink that has
    /// no use for trace ids ignores it.
    /// </summary>
    void AddExemplar(int seriesId, long timestampMs, UInt128 traceId, ulong spanId)
    {
    }
}
