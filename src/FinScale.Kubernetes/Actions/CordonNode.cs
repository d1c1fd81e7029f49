namespace FinScale.Kubernetes.Actions;

/// <summary>Mark a node unschedulable (<c>kubectl cordon</c>), noting on it that FinScale did so.</summary>
/// <param name="Node">Name of the node.</param>
/// <param name="DecisionId">Id of the decision; recorded in an annotation on the node.</param>
/// <param name="Reason">Why.</param>
public sealed record CordonNode(string Node, string DecisionId, string Reason)
    : KubernetesAction(DecisionId, Reason);
