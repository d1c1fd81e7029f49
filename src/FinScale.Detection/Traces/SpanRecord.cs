namespace FinScale.Detection.Traces;

/// <summary>OTLP span kind (values as in <c>Span.SpanKind</c>).</summary>
public enum SpanKind
{
    /// <summary>Not given, or a value this build does not know.</summary>
    Unspecified = 0,

    /// <summary>Internal operation.</summary>
    Internal = 1,

    /// <summary>Handles a remote request.</summary>
    Server = 2,

    /// <summary>Makes a remote request.</summary>
    Client = 3,

    /// <summary>Sends a message.</summary>
    Producer = 4,

    /// <summary>Receives a message.</summary>
    Consumer = 5,
}

/// <summary>OTLP span status code (values as in <c>Status.StatusCode</c>).</summary>
public enum SpanStatus
{
    /// <summary>Not set (or a value this build does not know).</summary>
    Unset = 0,

    /// <summary>Explicitly successful.</summary>
    Ok = 1,

    /// <summary>Failed.</summary>
    Error = 2,
}

/// <summary>Where spans come from: the identifying resource attributes, decoded once per OTLP <c>ResourceSpans</c>.</summary>
/// <param name="ServiceName">service.name (never empty: <c>unknown_service</c> when the resource has none).</param>
/// <param name="Namespace">k8s.namespace.name.</param>
/// <param name="Deployment">k8s.deployment.name.</param>
/// <param name="Pod">k8s.pod.name.</param>
/// <param name="Node">k8s.node.name.</param>
/// <param name="Version">service.version.</param>
public sealed record SpanResource(string ServiceName, string? Namespace, string? Deployment, string? Pod, string? Node, string? Version);

/// <summary>One decoded span: what RED metrics and the service graph need of it, and nothing more.</summary>
/// <param name="TraceId">The 16-byte trace id.</param>
/// <param name="SpanId">The 8-byte span id.</param>
/// <param name="ParentSpanId">The parent's span id; 0 for a root span.</param>
/// <param name="Resource">The emitting resource.</param>
/// <param name="Name">Span name.</param>
/// <param name="Kind">Span kind.</param>
/// <param name="Status">Status code.</param>
/// <param name="StartUnixNano">Start time, ns since the Unix epoch.</param>
/// <param name="EndUnixNano">End time, ns since the Unix epoch (event time of the span).</param>
/// <param name="PeerService">peer.service (or, failing that, server.address / db.system) of a client span: names an uninstrumented callee.</param>
public readonly record struct SpanRecord(
    UInt128 TraceId,
    ulong SpanId,
    ulong ParentSpanId,
    SpanResource Resource,
    string Name,
    SpanKind Kind,
    SpanStatus Status,
    long StartUnixNano,
    long EndUnixNano,
    string? PeerService)
{
    /// <summary>Duration in milliseconds (never negative).</summary>
    public double DurationMs => Math.Max(0, EndUnixNano - StartUnixNano) / 1e6;
}
