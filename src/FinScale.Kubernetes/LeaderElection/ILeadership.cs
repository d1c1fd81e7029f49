namespace FinScale.Kubernetes.LeaderElection;

/// <summary>Whether this replica leads, and word when that changes.</summary>
public interface ILeadership
{
    /// <summary>Raised with true when this replica starts leading and false when it stops.</summary>
    event Action<bool>? LeadershipChanged;

    /// <summary>True while this replica holds the lease.</summary>
    bool IsLeader { get; }

    /// <summary>This candidate's identity.</summary>
    string Identity { get; }

    /// <summary>The lease holder's identity as last read, when known.</summary>
    string? CurrentLeader => null;
}
