namespace FinScale.Kubernetes.Cluster;

/// <summary>What the cluster view lists and how often. Section <c>Kubernetes:ClusterView</c>.</summary>
public sealed class ClusterViewOptions
{
    /// <summary>Time between two lists of the cluster (1 second to 1 hour). A decision reads a snapshot at most this old,
    /// plus the time a list takes.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Namespaces whose pods, deployments, ReplicaSets, VirtualServices and DestinationRules are listed; all
    /// namespaces when empty. Nodes are cluster-scoped and always listed.</summary>
    public IList<string> Namespaces { get; } = [];

    /// <summary>Objects per list page (<c>limit</c>; 1 to 5000), so a large cluster is listed in chunks.</summary>
    public int PageSize { get; set; } = 500;
}
