namespace FinScale.Kubernetes.Actions;

/// <summary>Make a node FinScale cordoned schedulable again; a node someone else cordoned is left alone.</summary>
/// <param name="Node">Name of the node.</param>
/// <param name="DecisionId">Id of the decision.</param>
/// <param name="Reason">Why.</param>
public sealed record UncordonNode(string Node, string DecisionId, string Reason)
    : KubernetesAction(DecisionId, Reason);
