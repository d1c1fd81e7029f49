namespace FinScale.Kubernetes;

/// <summary>What became of an action sent to the cluster.</summary>
public enum ActionStatus
{
    /// <summary>The API accepted and applied the change.</summary>
    Executed,

    /// <summary>The object already was in the requested state (or this decision was already applied); nothing was sent.</summary>
    AlreadyInState,

    /// <summary>The cluster refused for a protective reason (a PodDisruptionBudget, a human override); not retried.</summary>
    Blocked,

    /// <summary>The target object does not exist.</summary>
    NotFound,

    /// <summary>The action could not be carried out; the outcome carries the API's status and message.</summary>
    Failed,

    /// <summary>Sent with <c>dryRun=All</c>: the server validated the change and answered without persisting it.</summary>
    DryRun,

    /// <summary>Shadow mode: nothing was sent.</summary>
    Shadow,

    /// <summary>A verification (<see cref="Executors.ActionVerifier"/>) read the target and found the change absent; nothing was sent.</summary>
    NotApplied,
}
