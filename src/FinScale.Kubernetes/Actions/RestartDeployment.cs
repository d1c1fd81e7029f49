namespace FinScale.Kubernetes.Actions;

/// <summary>Rollout-restart a deployment, as <c>kubectl rollout restart</c> does.</summary>
/// <param name="Namespace">Namespace of the deployment.</param>
/// <param name="Deployment">Name of the deployment.</param>
/// <param name="DecisionId">Id of the decision; recorded in the pod template so a repeat is skipped.</param>
/// <param name="Reason">Why.</param>
public sealed record RestartDeployment(string Namespace, string Deployment, string DecisionId, string Reason)
    : KubernetesAction(DecisionId, Reason);
