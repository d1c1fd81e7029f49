using FinScale.Contracts;

namespace FinScale.Remediation.Diagnosis;

/// <summary>A service by namespace and name; ordered ordinally so findings come out in a stable order.</summary>
internal readonly record struct ServiceKey(string Namespace, string Name) : IComparable<ServiceKey>
{
    public int CompareTo(ServiceKey other)
    {
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";
}

/// <summary>
/// An anomaly placed in the cluster: the service it belongs to and, for a pod-level series, the pod, its
/// workload, its node (only when the view knows the node) and its version.
/// </summary>
/// <param name="Anomaly">The anomaly.</param>
/// <param name="Role">What its metric measures.</param>
/// <param name="Service">The service it is about (for a service-graph edge: the server).</param>
/// <param name="KnownService">False when the cluster view has no workload or pod of the service.</param>
/// <param name="Workload">Owning deployment of the pod, or the deployment the series names.</param>
/// <param name="Pod">The pod; null for a service-level series.</param>
/// <param name="Node">The pod's node when the view knows that node; null otherwise.</param>
/// <param name="Version">The pod's (or the series') version.</param>
/// <param name="Caller">For a service-graph edge: the calling service.</param>
internal sealed record Evidence(
    Anomaly Anomaly,
    MetricRole Role,
    ServiceKey Service,
    bool KnownService,
    string? Workload,
    string? Pod,
    string? Node,
    string? Version,
    string? Caller)
{
    /// <summary>Throughput that rose: load, not a fault.</summary>
    public bool IsRisingThroughput => Role == MetricRole.Throughput && Anomaly.ZScore > 0;

    /// <summary>The symptoms a caller shows when a callee misbehaves.</summary>
    public bool IsCallerSymptom => Role is MetricRole.Latency or MetricRole.Errors;
}
