namespace FinScale.Remediation.Cluster;

/// <summary>Hands out the latest cluster snapshot; kept current by list+watch where a cluster is configured.</summary>
public interface IClusterViewProvider
{
    /// <summary>The latest snapshot (<see cref="ClusterView.Unknown"/> when there is no cluster to read).</summary>
    ClusterView Current { get; }
}
