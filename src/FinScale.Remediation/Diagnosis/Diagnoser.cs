using FinScale.Contracts;
using FinScale.Remediation.Cluster;

namespace FinScale.Remediation.Diagnosis;

/// <summary>
/// Decides what is wrong from the anomalies of a window and a cluster view. Pure: no I/O, no clock, the same
/// input gives the same findings in the same order. The policy turns findings into actions.
/// </summary>
/// <remarks>
/// Precedence, narrowest trustworthy cause first:
/// <list type="number">
/// <item>Anomalies that name nothing the view knows (a pod gone, an unknown node, no target at all, too old) are <see cref="FindingKind.Unattributed"/>.</item>
/// <item>Throughput rising on at least the service-wide share of a service's pods, or on a service-level series: <see cref="FindingKind.TrafficSurge"/>; its latency and saturation anomalies go with it.</item>
/// <item>At least <see cref="DiagnosisOptions.MinPodsForNodeFault"/> anomalous pods on one node and none of their workloads' pods anomalous elsewhere: <see cref="FindingKind.NodeFault"/>.</item>
/// <item>A service with latency or error anomalies that calls an anomalous service (cluster edges or service-graph anomalies) is explained by the deepest anomalous callee of the chain: no finding of its own, named in the callee's <see cref="Finding.AffectedCallers"/>.</item>
/// <item>Per remaining service: only the canary version anomalous → <see cref="FindingKind.CanaryRegression"/>; fewer than the service-wide share of pods → <see cref="FindingKind.PodFault"/> per deployment; else <see cref="FindingKind.ServiceFault"/>.</item>
/// </list>
/// </remarks>
public static class Diagnoser
{
    /// <summary>The findings of <paramref name="window"/> against <paramref name="cluster"/>; never throws on odd anomalies, it reports them.</summary>
    /// <param name="window">The anomalies of the window, in any order; duplicates (same id) count once.</param>
    /// <param name="cluster">The cluster snapshot; pod → node, workload and version come from it first, the anomaly's attributes second.</param>
    /// <param name="options">Metric roles and thresholds.</param>
    /// <param name="now">Event time of the decision; anomalies older than <see cref="DiagnosisOptions.MaxAnomalyAge"/> before it are not diagnosed.</param>
    /// <returns>Findings ordered by kind, namespace, node, service, workload; each finding's anomalies by event time, then id.</returns>
    public static IReadOnlyList<Finding> Diagnose(IReadOnlyList<Anomaly> window, ClusterView cluster, DiagnosisOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        return window.Count == 0 ? [] : new DiagnosisRun(cluster, options, now).Run(window);
    }
}
