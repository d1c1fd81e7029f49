namespace FinScale.Detection.Traces;

/// <summary>One span by its ids: the example behind a derived point. Zero ids mean none.</summary>
/// <param name="TraceId">The 16-byte trace id, in wire order.</param>
/// <param name="SpanId">The 8-byte span id within that trace, in wire order; 0 when not known.</param>
public readonly record struct SpanRef(UInt128 TraceId, ulong SpanId);
