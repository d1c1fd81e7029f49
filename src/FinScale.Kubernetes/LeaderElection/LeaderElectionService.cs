using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace FinScale.Kubernetes.LeaderElection;

/// <summary>Lease-based leader election (a coordination.k8s.io/v1 Lease through KubernetesClient's
/// <see cref="LeaderElector"/>), so that of several replicas only one acts. Executors are called only while
/// <see cref="IsLeader"/> is true.</summary>
public sealed class LeaderElectionService : ILeadership, IDisposable
{
    private readonly LeaderElector _elector;
    private volatile bool _leading;

    /// <summary>Creates a candidate for the lease <paramref name="options"/> names.</summary>
    public LeaderElectionService(IKubernetes client, LeaderElectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        Identity = string.IsNullOrWhiteSpace(options.Identity) ? Environment.MachineName : options.Identity;
        var lease = new LeaseLock(client, options.LeaseNamespace, options.LeaseName, Identity);
        _elector = new LeaderElector(new LeaderElectionConfig(lease)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        _elector.OnStartedLeading += () => SetLeading(true);
        _elector.OnStoppedLeading += () => SetLeading(false);
    }

    /// <summary>Raised with true when this replica starts leading and false when it stops.</summary>
    public event Action<bool>? LeadershipChanged;

    /// <summary>This candidate's identity, written as the Lease's holder while it leads.</summary>
    public string Identity { get; }

    /// <summary>True while this replica holds the lease.</summary>
    public bool IsLeader => _leading;

    /// <summary>The holder of the lease as last observed, or null.</summary>
    public string? CurrentLeader => _elector.GetLeader();

    /// <summary>Competes for the lease until <paramref name="cancellationToken"/> is cancelled: acquires it, renews it
    /// while leading, and competes again after losing it. Returns (does not throw) on cancellation; the lease then
    /// expires after its duration and another replica takes over.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _elector.RunAndTryToHoldLeadershipForeverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            SetLeading(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _elector.Dispose();

    private void SetLeading(bool leading)
    {
        if (_leading == leading)
        {
            return;
        }

        _leading = leading;
        LeadershipChanged?.Invoke(leading);
    }
}
