namespace FinScale.Kubernetes.Actions;

/// <summary>Evict a pod through the policy/v1 Eviction API, so PodDisruptionBudgets are honoured.</summary>
/// <param name="Namespace">Namespace of the pod.</param>
/// <param name="Pod">Name of the pod.</param>
/// <param name="DecisionId">Id of the decision.</param>
/// <param name="Reason">Why.</param>
public sealed record EvictPod(string Namespace, string Pod, string DecisionId, string Reason)
    : KubernetesAction(DecisionId, Reason);
