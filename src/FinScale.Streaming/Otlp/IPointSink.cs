namespace FinScale.Streaming.Otlp;

/// <summary>Receives the series updates a decoder derives from one record.</summary>
internal interface IPointSink
{
    /// <summary>One update to series <paramref name="seriesId"/> at event time <paramref name="timestampMs"/>.</summary>
    void Add(int seriesId, long timestampMs, double value);
}
