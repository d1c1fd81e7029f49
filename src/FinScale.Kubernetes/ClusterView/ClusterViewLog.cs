using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Cluster;

/// <summary>Log messages of the cluster view, with stable event ids.</summary>
internal static partial class ClusterViewLog
{
    [LoggerMessage(EventId = 4111, Level = LogLevel.Debug, Message = "Cluster view refreshed: {Pods} pods, {Nodes} nodes, {Workloads} deployments, {VirtualServices} VirtualServices")]
    public static partial void Refreshed(ILogger logger, int pods, int nodes, int workloads, int virtualServices);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Cluster view refresh failed ({Reason}); keeping the snapshot of {AsOf} ({Failures} failed refreshes so far)")]
    public static partial void RefreshFailed(ILogger logger, string reason, long failures, string asOf);
}
