namespace FinScale.Remediation.Cluster;

/// <summary>A provider that always hands out one snapshot: <see cref="ClusterView.Unknown"/> where no cluster is configured, or a fixed view in tests.</summary>
/// <param name="view">The snapshot to hand out.</param>
public sealed class StaticClusterViewProvider(ClusterView view) : IClusterViewProvider
{
    /// <summary>No cluster to read.</summary>
    public static StaticClusterViewProvider Unknown { get; } = new(ClusterView.Unknown);

    /// <inheritdoc/>
    public ClusterView Current { get; } = view ?? throw new ArgumentNullException(nameof(view));
}
