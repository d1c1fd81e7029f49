namespace FinScale.Detection.Traces;

/// <summary>
/// Told which trace exemplifies a series point: the trace id of an example request behind it (an OTLP exemplar, or a
/// span of the window the point summarises). Called on the thread that derives the point, before the point is handed
/// on, and only for points that have an example.
/// </summary>
public interface IExemplarSink
{
    /// <summary>Series <paramref name="seriesId"/>'s point at <paramref name="timestampMs"/> is exemplified by trace
    /// <paramref name="traceId"/> (never zero), span <paramref name="spanId"/> within it (0 when not known).</summary>
    void Add(int seriesId, long timestampMs, UInt128 traceId, ulong spanId);
}
