using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Istio;
using k8s;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Executors;

/// <summary>
/// Reads a target and says whether an action's change is on it, without writing anything: how a restarted run settles a
/// decision whose intent it recorded but whose outcome it never saw (it died between the two). The evidence per kind is
/// what the executors leave behind: the idempotency key on the object (written in the same patch as the change for a
/// restart, a cordon and a traffic shift), the deployment's replica count for a scale (the scale subresource takes no
/// annotation, so its key is marked in a second call that a crash can miss), and for an eviction the pod being gone or
/// terminating.
/// </summary>
public sealed class ActionVerifier
{
    private readonly IKubernetes _client;
    private readonly KubernetesCaller _caller;

    /// <summary>Creates the verifier; reads are retried as the executors' are.</summary>
    public ActionVerifier(IKubernetes client, KubernetesActionOptions options, TimeProvider timeProvider, ILogger<ActionVerifier>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _caller = new KubernetesCaller(options ?? throw new ArgumentNullException(nameof(options)), timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)), logger);
    }

    /// <summary>
    /// Whether <paramref name="action"/>'s change is on its target: <see cref="ActionStatus.AlreadyInState"/> (it is),
    /// <see cref="ActionStatus.NotApplied"/> (it is not), or the read's failure
    /// (<see cref="ActionStatus.Failed"/>, <see cref="ActionStatus.NotFound"/> for a target that is gone, except a pod,
    /// whose absence is the eviction's effect). Throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<ActionOutcome> VerifyAsync(KubernetesAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        switch (action)
        {
            case EvictPod a:
            {
                var what = $"Pod {a.Namespace}/{a.Pod}";
                var read = await _caller.CallAsync(t => _client.CoreV1.ReadNamespacedPodAsync(a.Pod, a.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
                if (read.HttpStatus == 404)
                    return Outcomes.AlreadyInState(read, $"{what} is gone (evicted)");
                if (!read.Ok)
                    return Outcomes.FromError(read, what);
                return read.Value?.Metadata?.DeletionTimestamp is { } since
                    ? Outcomes.AlreadyInState(read, $"{what} is terminating (since {since:O})")
                    : NotApplied($"{what} is still running, not terminating");
            }

            case RestartDeployment a:
            {
                var what = $"Deployment {a.Namespace}/{a.Deployment}";
                var read = await _caller.CallAsync(t => _client.AppsV1.ReadNamespacedDeploymentAsync(a.Deployment, a.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
                if (!read.Ok)
                    return Outcomes.FromError(read, what);
                if (Outcomes.AlreadyApplied(a, read.Value?.Metadata?.Annotations))
                    return Outcomes.AlreadyInState(read, $"{what} carries idempotency key {a.IdempotencyKey}: restarted");
                var template = read.Value?.Spec?.Template?.Metadata?.Annotations;
                return template is not null && template.TryGetValue(FinScaleAnnotations.RestartDecision, out var by) && string.Equals(by, a.DecisionId, StringComparison.Ordinal)
                    ? Outcomes.AlreadyInState(read, $"{what} was restarted for decision {a.DecisionId}")
                    : NotApplied($"{what} carries neither the idempotency key nor the decision's restart annotation");
            }

            case CordonNode a:
            {
                var what = $"Node {a.Node}";
                var read = await _caller.CallAsync(t => _client.CoreV1.ReadNodeAsync(a.Node, cancellationToken: t), cancellationToken).ConfigureAwait(false);
                if (!read.Ok)
                    return Outcomes.FromError(read, what);
                var annotations = read.Value?.Metadata?.Annotations;
                if (Outcomes.AlreadyApplied(a, annotations))
                    return Outcomes.AlreadyInState(read, $"{what} carries idempotency key {a.IdempotencyKey}: cordoned");
                return annotations is not null && annotations.TryGetValue(FinScaleAnnotations.CordonedBy, out var by) && string.Equals(by, a.DecisionId, StringComparison.Ordinal)
                    ? Outcomes.AlreadyInState(read, $"{what} was cordoned for decision {a.DecisionId}")
                    : NotApplied($"{what} carries neither the idempotency key nor the decision's cordon annotation");
            }

            case UncordonNode a:
            {
                var what = $"Node {a.Node}";
                var read = await _caller.CallAsync(t => _client.CoreV1.ReadNodeAsync(a.Node, cancellationToken: t), cancellationToken).ConfigureAwait(false);
                if (!read.Ok)
                    return Outcomes.FromError(read, what);
                return read.Value?.Spec?.Unschedulable == true ? NotApplied($"{what} is still cordoned") : Outcomes.AlreadyInState(read, $"{what} is schedulable");
            }

            case ScaleDeployment a:
            {
                var what = $"Deployment {a.Namespace}/{a.Deployment}";
                var read = await _caller.CallAsync(t => _client.AppsV1.ReadNamespacedDeploymentAsync(a.Deployment, a.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
                if (!read.Ok)
                    return Outcomes.FromError(read, what);
                if (Outcomes.AlreadyApplied(a, read.Value?.Metadata?.Annotations))
                    return Outcomes.AlreadyInState(read, $"{what} carries idempotency key {a.IdempotencyKey}: scaled");
                var replicas = read.Value?.Spec?.Replicas ?? 1; // the API's default
                return replicas == a.Replicas
                    ? Outcomes.AlreadyInState(read, $"{what} has {replicas} replicas, as the decision asked")
                    : NotApplied($"{what} has {replicas} replicas, not the {a.Replicas} the decision asked for");
            }

            case ShiftTraffic a:
            {
                var what = $"VirtualService {a.Namespace}/{a.VirtualService}";
                var read = await _caller.CallAsync(
                    t => _client.CustomObjects.GetNamespacedCustomObjectAsync<VirtualService>(VirtualService.Group, VirtualService.Version, a.Namespace, VirtualService.Plural, a.VirtualService, t),
                    cancellationToken).ConfigureAwait(false);
                if (!read.Ok)
                    return Outcomes.FromError(read, what);
                if (Outcomes.AlreadyApplied(a, read.Value?.Metadata?.Annotations))
                    return Outcomes.AlreadyInState(read, $"{what} carries idempotency key {a.IdempotencyKey}: shifted");
                if (a.Weights is { Count: > 0 } weights && TrafficShiftExecutor.Apply(read.Value!, weights, out var changed) is null && !changed)
                    return Outcomes.AlreadyInState(read, $"{what} routes the weights the decision asked for");
                return NotApplied($"{what} carries neither the idempotency key nor the decision's weights");
            }

            default:
                return Outcomes.Failed($"no verification for {action.GetType().Name}");
        }
    }

    private static ActionOutcome NotApplied(string message) => new(ActionStatus.NotApplied, message);
}
