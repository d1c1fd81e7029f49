namespace FinScale.Kubernetes.Actions;

/// <summary>Set the route weights of an Istio VirtualService's subsets (e.g. stable 100 / canary 0).</summary>
/// <param name="Namespace">Namespace of the VirtualService.</param>
/// <param name="VirtualService">Name of the VirtualService.</param>
/// <param name="Weights">Weight per destination subset; the weights sum to 100. Every HTTP route that sends
/// traffic to one of these subsets must route only to these subsets, and each subset must appear in a route.</param>
/// <param name="DecisionId">Id of the decision.</param>
/// <param name="Reason">Why.</param>
public sealed record ShiftTraffic(
    string Namespace,
    string VirtualService,
    IReadOnlyDictionary<string, int> Weights,
    string DecisionId,
    string Reason)
    : KubernetesAction(DecisionId, Reason);
