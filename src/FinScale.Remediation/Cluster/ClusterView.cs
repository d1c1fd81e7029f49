namespace FinScale.Remediation.Cluster;

/// <summary>
/// A snapshot of the cluster that decisions read: pods, nodes, deployments, VirtualServices and the
/// service call graph. Immutable; the Kubernetes project keeps a current one by list+watch and hands
/// out snapshots, and tests build them from JSON.
/// </summary>
public sealed class ClusterView
{
    private readonly Dictionary<(string Namespace, string Name), PodInfo> _pods;
    private readonly Dictionary<string, NodeInfo> _nodes;
    private readonly Dictionary<(string Namespace, string Name), WorkloadInfo> _workloads;

    /// <summary>Creates a snapshot taken at <paramref name="asOf"/> (wall clock of the list; null when unknown).</summary>
    public ClusterView(
        IEnumerable<PodInfo> pods,
        IEnumerable<NodeInfo> nodes,
        IEnumerable<WorkloadInfo> workloads,
        IEnumerable<VirtualServiceInfo>? virtualServices = null,
        IEnumerable<ServiceEdge>? edges = null,
        DateTimeOffset? asOf = null)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(workloads);
        Pods = [.. pods];
        Nodes = [.. nodes];
        Workloads = [.. workloads];
        VirtualServices = [.. virtualServices ?? []];
        Edges = [.. (edges ?? []).Distinct()];
        AsOf = asOf;
        Known = true;
        _pods = Pods.ToDictionary(p => (p.Namespace, p.Name));
        _nodes = Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        _workloads = Workloads.ToDictionary(w => (w.Namespace, w.Name));
    }

    /// <summary>An empty cluster: every target is unknown.</summary>
    public static ClusterView Empty { get; } = new([], [], []);

    /// <summary>
    /// No cluster to read (shadow mode without Kubernetes access, or before the first list): diagnosis and planning
    /// then take pods, nodes and workloads from the anomalies' attributes instead of calling them missing.
    /// </summary>
    public static ClusterView Unknown { get; } = new([], [], []) { Known = false };

    /// <summary>False for <see cref="Unknown"/>: the snapshot says nothing about what exists.</summary>
    public bool Known { get; private init; }

    /// <summary>Every pod.</summary>
    public IReadOnlyList<PodInfo> Pods { get; }

    /// <summary>Every node.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>Every deployment.</summary>
    public IReadOnlyList<WorkloadInfo> Workloads { get; }

    /// <summary>Every VirtualService that splits traffic by subset.</summary>
    public IReadOnlyList<VirtualServiceInfo> VirtualServices { get; }

    /// <summary>Caller → callee edges of the service graph.</summary>
    public IReadOnlyList<ServiceEdge> Edges { get; }

    /// <summary>When the snapshot was taken, if known.</summary>
    public DateTimeOffset? AsOf { get; }

    /// <summary>The pod, or null when it does not exist (any more).</summary>
    public PodInfo? Pod(string ns, string name) => _pods.GetValueOrDefault((ns, name));

    /// <summary>The node, or null when unknown.</summary>
    public NodeInfo? Node(string name) => _nodes.GetValueOrDefault(name);

    /// <summary>The deployment, or null when unknown.</summary>
    public WorkloadInfo? Workload(string ns, string name) => _workloads.GetValueOrDefault((ns, name));

    /// <summary>The pods a deployment owns.</summary>
    public IEnumerable<PodInfo> PodsOf(string ns, string workload) =>
        Pods.Where(p => p.Namespace == ns && string.Equals(p.Workload, workload, StringComparison.Ordinal));

    /// <summary>The pods scheduled on a node.</summary>
    public IEnumerable<PodInfo> PodsOn(string node) => Pods.Where(p => string.Equals(p.Node, node, StringComparison.Ordinal));
}
