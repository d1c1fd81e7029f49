namespace FinScale.Remediation.Cluster;

/// <summary>A node as the cluster view knows it.</summary>
/// <param name="Name">Name of the node.</param>
/// <param name="Unschedulable">True when the node is cordoned.</param>
/// <param name="Annotations">Annotations of the node (FinScale marks the nodes it cordons).</param>
public sealed record NodeInfo(string Name, bool Unschedulable, IReadOnlyDictionary<string, string> Annotations);
