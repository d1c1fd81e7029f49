using System.ComponentModel.DataAnnotations;

namespace FinScale.Remediation.Diagnosis;

/// <summary>
/// How diagnosis reads anomalies: which metrics mean what, and the thresholds that turn anomalous pods into
/// a pod, node or service fault. Metric names of the trace-derived series are copied here (not referenced
/// from Detection) because Remediation depends on Contracts only.
/// </summary>
public sealed class DiagnosisOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Diagnosis";

    /// <summary>
    /// Globs of error metrics. Checked first, so <c>http.server.errors.rate</c> is an error rate, not throughput.
    /// </summary>
    public IList<string> ErrorMetrics { get; init; } = ["*error*", "*failed*"];

    /// <summary>Globs of throughput metrics (requests or calls per unit of time). Checked after errors.</summary>
    public IList<string> ThroughputMetrics { get; init; } =
        ["http.server.request.duration.rate", "*.rate", "*calls*", "*request*count*", "*throughput*"];

    /// <summary>Globs of latency metrics. Checked after throughput.</summary>
    public IList<string> LatencyMetrics { get; init; } = ["*duration*", "*latency*"];

    /// <summary>Globs of saturation metrics. Checked last.</summary>
    public IList<string> SaturationMetrics { get; init; } = ["*cpu*", "*memory*", "*saturation*", "*queue*"];

    /// <summary>Globs of the service-graph series (an edge per client/server pair).</summary>
    public IList<string> ServiceGraphMetrics { get; init; } = ["traces.service_graph.*"];

    /// <summary>Edge attribute naming the calling service of a service-graph series.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClientAttribute { get; set; } = "client";

    /// <summary>Edge attribute naming the called service of a service-graph series.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ServerAttribute { get; set; } = "server";

    /// <summary>Edge attribute naming the called service's namespace, when the edge has one.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ServerNamespaceAttribute { get; set; } = "server.k8s.namespace.name";

    /// <summary>Span-metrics attribute holding the status code; a calls series whose status is <see cref="ErrorStatusValue"/> counts as errors.</summary>
    [Required(AllowEmptyStrings = false)]
    public string StatusCodeAttribute { get; set; } = "status.code";

    /// <summary>Value of <see cref="StatusCodeAttribute"/> on calls that failed.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ErrorStatusValue { get; set; } = "STATUS_CODE_ERROR";

    /// <summary>
    /// Share of a service's pods from which a problem is service-wide rather than a few bad pods (also the share
    /// of pods whose throughput must rise for a surge, and of canary pods for a canary regression).
    /// </summary>
    [Range(0.01, 1.0)]
    public double ServiceWideShare { get; set; } = 0.5;

    /// <summary>
    /// Fewest anomalous pods that can make a problem service-wide (unless they are all of its pods), so one bad
    /// pod of two is a pod fault with a healthy peer, not a service fault.
    /// </summary>
    [Range(1, 10_000)]
    public int MinPodsForServiceWide { get; set; } = 2;

    /// <summary>Fewest anomalous pods on one node, with nothing of their workloads anomalous elsewhere, for a node fault.</summary>
    [Range(1, 10_000)]
    public int MinPodsForNodeFault { get; set; } = 2;

    /// <summary>Anomalies that opened longer than this before <c>now</c> are not diagnosed (reported as unattributed).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxAnomalyAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The role of an anomaly's metric: errors, then throughput, then latency, then saturation; else other.</summary>
    /// <param name="metric">Metric name.</param>
    /// <param name="attributes">Series attributes (a calls series with an error status is errors).</param>
    public MetricRole RoleOf(string metric, IReadOnlyDictionary<string, string>? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (Glob.IsMatchAny(ErrorMetrics, metric))
            return MetricRole.Errors;
        if (Glob.IsMatchAny(ThroughputMetrics, metric))
            return ThroughputOrErrors(attributes);

        if (Glob.IsMatchAny(LatencyMetrics, metric))
            return MetricRole.Latency;
        return Glob.IsMatchAny(SaturationMetrics, metric) ? MetricRole.Saturation : MetricRole.Other;
    }

    /// <summary>A throughput series' role: <see cref="MetricRole.Errors"/> when it counts error responses (its status attribute says so).</summary>
    internal MetricRole ThroughputOrErrors(IReadOnlyDictionary<string, string>? attributes) =>
        attributes is not null && attributes.TryGetValue(StatusCodeAttribute, out var status)
        && string.Equals(status, ErrorStatusValue, StringComparison.OrdinalIgnoreCase)
            ? MetricRole.Errors
            : MetricRole.Throughput;
}
