namespace FinScale.Kubernetes.Actions;

/// <summary>Set a deployment's replica count through its scale subresource.</summary>
/// <param name="Namespace">Namespace of the deployment.</param>
/// <param name="Deployment">Name of the deployment.</param>
/// <param name="Replicas">Desired replica count (0 or more).</param>
/// <param name="DecisionId">Id of the decision.</param>
/// <param name="Reason">Why.</param>
public sealed record ScaleDeployment(string Namespace, string Deployment, int Replicas, string DecisionId, string Reason)
    : KubernetesAction(DecisionId, Reason);
