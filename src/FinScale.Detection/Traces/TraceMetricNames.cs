namespace FinScale.Detection.Traces;

/// <summary>
/// Names of the series derived from spans and of their attributes. RED series follow the Collector's spanmetrics
/// connector dimensions; service-graph series follow its servicegraph connector. Resource attribute keys are those
/// of <see cref="FinScale.Contracts.WellKnownAttributes"/>.
/// </summary>
public static class TraceMetricNames
{
    /// <summary>Calls per second over the window, per service, span name, kind, status (and instance).</summary>
    public const string Calls = "traces.span.metrics.calls";

    /// <summary>Mean span duration over the window, ms.</summary>
    public const string DurationMean = "traces.span.metrics.duration.mean";

    /// <summary>Median span duration over the window, ms, from the duration histogram.</summary>
    public const string DurationP50 = "traces.span.metrics.duration.p50";

    /// <summary>90th percentile span duration over the window, ms, from the duration histogram.</summary>
    public const string DurationP90 = "traces.span.metrics.duration.p90";

    /// <summary>99th percentile span duration over the window, ms, from the duration histogram.</summary>
    public const string DurationP99 = "traces.span.metrics.duration.p99";

    /// <summary>ERROR calls / all calls over the window, per service, span name and kind (no status attribute).</summary>
    public const string ErrorRatio = "traces.span.metrics.error_ratio";

    /// <summary>Requests per second over the window along one service-graph edge.</summary>
    public const string GraphCalls = "traces.service_graph.request.calls";

    /// <summary>Failed requests per second (either side ERROR) over the window along one edge.</summary>
    public const string GraphFailed = "traces.service_graph.request.failed";

    /// <summary>99th percentile of the server side's span duration along one edge, ms.</summary>
    public const string GraphServerDurationP99 = "traces.service_graph.request.server.duration.p99";

    /// <summary>99th percentile of the client side's span duration along one edge, ms.</summary>
    public const string GraphClientDurationP99 = "traces.service_graph.request.client.duration.p99";

    /// <summary>Mean of the server side's span duration along one edge, ms.</summary>
    public const string GraphServerDurationMean = "traces.service_graph.request.server.duration.mean";

    /// <summary>Attribute: the span name.</summary>
    public const string SpanNameAttribute = "span.name";

    /// <summary>Attribute: the span kind as <c>SPAN_KIND_SERVER</c> etc.</summary>
    public const string SpanKindAttribute = "span.kind";

    /// <summary>Attribute: the status code as <c>STATUS_CODE_UNSET</c>, <c>STATUS_CODE_OK</c> or <c>STATUS_CODE_ERROR</c>.</summary>
    public const string StatusCodeAttribute = "status.code";

    /// <summary>Edge attribute: the client side's service.name.</summary>
    public const string ClientAttribute = "client";

    /// <summary>Edge attribute: the server side's service.name (or the peer.service of a virtual node).</summary>
    public const string ServerAttribute = "server";

    /// <summary>Edge attribute: the client side's k8s.namespace.name, when it has one.</summary>
    public const string ClientNamespaceAttribute = "client.k8s.namespace.name";

    /// <summary>Edge attribute: the server side's k8s.namespace.name, when it has one.</summary>
    public const string ServerNamespaceAttribute = "server.k8s.namespace.name";

    /// <summary>Edge attribute, only on edges that are not a plain client/server pair: <see cref="VirtualNode"/> or <see cref="MessagingSystem"/>.</summary>
    public const string ConnectionTypeAttribute = "connection_type";

    /// <summary><see cref="ConnectionTypeAttribute"/> of an edge to an uninstrumented callee named by a client span's peer.service.</summary>
    public const string VirtualNode = "virtual_node";

    /// <summary><see cref="ConnectionTypeAttribute"/> of a producer/consumer pair.</summary>
    public const string MessagingSystem = "messaging_system";

    /// <summary>The span kind as the spanmetrics connector writes it (<c>SPAN_KIND_SERVER</c> etc.); unknown values read as unspecified.</summary>
    public static string KindText(SpanKind kind) => kind switch
    {
        SpanKind.Internal => "SPAN_KIND_INTERNAL",
        SpanKind.Server => "SPAN_KIND_SERVER",
        SpanKind.Client => "SPAN_KIND_CLIENT",
        SpanKind.Producer => "SPAN_KIND_PRODUCER",
        SpanKind.Consumer => "SPAN_KIND_CONSUMER",
        _ => "SPAN_KIND_UNSPECIFIED",
    };

    /// <summary>The status code as the spanmetrics connector writes it; unknown values read as unset.</summary>
    public static string StatusText(SpanStatus status) => status switch
    {
        SpanStatus.Ok => "STATUS_CODE_OK",
        SpanStatus.Error => "STATUS_CODE_ERROR",
        _ => "STATUS_CODE_UNSET",
    };
}
