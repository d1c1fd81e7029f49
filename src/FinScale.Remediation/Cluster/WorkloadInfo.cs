namespace FinScale.Remediation.Cluster;

/// <summary>A deployment as the cluster view knows it.</summary>
/// <param name="Namespace">Namespace of the deployment.</param>
/// <param name="Name">Name of the deployment.</param>
/// <param name="Service">Logical service its pods report as (<c>service.name</c>).</param>
/// <param name="Replicas">Desired replicas.</param>
/// <param name="Annotations">Annotations of the deployment.</param>
public sealed record WorkloadInfo(string Namespace, string Name, string? Service, int Replicas, IReadOnlyDictionary<string, string> Annotations);
