namespace FinScale.Remediation.Cluster;

/// <summary>A pod as the cluster view knows it.</summary>
/// <param name="Namespace">Namespace of the pod.</param>
/// <param name="Name">Name of the pod.</param>
/// <param name="Node">Node it runs on; null while unscheduled.</param>
/// <param name="Workload">Deployment that owns it (through its ReplicaSet); null for a bare pod.</param>
/// <param name="Service">Logical service (<c>service.name</c>, else the <c>app.kubernetes.io/name</c> or <c>app</c> label).</param>
/// <param name="Version">Release (<c>version</c> or <c>app.kubernetes.io/version</c> label); tells a canary from stable.</param>
/// <param name="Ready">True when the pod reports Ready.</param>
/// <param name="Annotations">Annotations of the pod.</param>
public sealed record PodInfo(
    string Namespace,
    string Name,
    string? Node,
    string? Workload,
    string? Service,
    string? Version,
    bool Ready,
    IReadOnlyDictionary<string, string> Annotations);
