using FinScale.Kubernetes.Cluster;
using FinScale.Kubernetes.LeaderElection;

namespace FinScale.Kubernetes;

/// <summary>How the action service reaches the cluster and how hard it tries. Section <c>Kubernetes</c>.</summary>
public sealed class KubernetesActionOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Kubernetes";

    /// <summary>
    /// True to read the cluster (the cluster view diagnosis uses) and carry out dry-run and enforced decisions. False (the
    /// default): no cluster is contacted, diagnosis trusts the telemetry's attributes, and only shadow mode is possible.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Use the pod's service account (in-cluster configuration). Exclusive with <see cref="KubeconfigPath"/>.</summary>
    public bool InCluster { get; set; }

    /// <summary>Path of a kubeconfig file; used when <see cref="InCluster"/> is false.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Kubeconfig context to use; its current context when empty.</summary>
    public string? Context { get; set; }

    /// <summary>How long one API call may take before it is abandoned and retried.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per API call, the first included (1 to 10). Retried: 5xx, throttling 429, timeouts, connection errors.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Delay before the first retry; it doubles per retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of one retry delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Field manager name sent with every write.</summary>
    public string FieldManager { get; set; } = "finscale";

    /// <summary>Lease-based leader election, so only one replica acts.</summary>
    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>The periodic list of the cluster that decisions read (<see cref="ClusterViewSource"/>).</summary>
    public ClusterViewOptions ClusterView { get; set; } = new();
}
