namespace FinScale.Kubernetes.Actions;

/// <summary>An action an executor carries out on the cluster; the policy decides it, an executor applies it.</summary>
/// <param name="DecisionId">Id of the decision the action carries out; executors record it on the object and
/// check it before acting, so the same decision is never applied twice.</param>
/// <param name="Reason">Why, in words an on-call engineer reads.</param>
public abstract record KubernetesAction(string DecisionId, string Reason)
{
    /// <summary>The decision's idempotency key (episode, action kind and target), when it has one. Executors write it on
    /// the target (<see cref="FinScaleAnnotations.IdempotencyKey"/>) with the change and skip a target that already
    /// carries it, so a decision taken again after a crash (same episode, same target) is not carried out twice.</summary>
    public string? IdempotencyKey { get; init; }
}
