namespace FinScale.Kubernetes.LeaderElection;

/// <summary>The coordination.k8s.io/v1 Lease the replicas compete for, and its timing.</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>When true, only the replica holding the Lease sends requests to the cluster (dry-run or enforce).</summary>
    public bool Enabled { get; set; }

    /// <summary>Namespace of the Lease (the pod's own namespace in a cluster).</summary>
    public string LeaseNamespace { get; set; } = "default";

    /// <summary>Name of the Lease.</summary>
    public string LeaseName { get; set; } = "finscale-leader";

    /// <summary>This replica's identity (the pod name); the host name when empty.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a lease holds without renewal; whole seconds, at least 1 (the Lease stores seconds).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives leadership up; less than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between acquire or renew attempts; less than <see cref="RenewDeadline"/>.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
