using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Executors;

/// <summary>Evicts a pod through the policy/v1 Eviction API. A PodDisruptionBudget refusal (HTTP 429) is
/// <see cref="ActionStatus.Blocked"/> and never falls back to a delete.</summary>
public sealed class PodEvictionExecutor : IKubernetesActionExecutor<EvictPod>
{
    private readonly IKubernetes _client;
    private readonly KubernetesCaller _caller;

    /// <summary>Creates the executor; <paramref name="logger"/> receives retries and failures.</summary>
    public PodEvictionExecutor(IKubernetes client, KubernetesActionOptions options, TimeProvider timeProvider, ILogger<PodEvictionExecutor>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _caller = new KubernetesCaller(options ?? throw new ArgumentNullException(nameof(options)), timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)), logger);
    }

    /// <inheritdoc/>
    public async Task<ActionOutcome> ExecuteAsync(EvictPod action, ExecutionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var what = $"Pod {action.Namespace}/{action.Pod}";
        if (mode == ExecutionMode.Shadow)
        {
            return Outcomes.Shadow("eviction of " + what);
        }

        var read = await _caller.CallAsync(t => _client.CoreV1.ReadNamespacedPodAsync(action.Pod, action.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        if (!read.Ok)
        {
            return Outcomes.FromError(read, what);
        }

        if (read.Value?.Metadata?.DeletionTimestamp is { } since)
        {
            return Outcomes.AlreadyInState(read, $"{what} is already terminating (since {since:O})");
        }

        var eviction = new V1Eviction
        {
            ApiVersion = "policy/v1",
            Kind = "Eviction",
            Metadata = new V1ObjectMeta { Name = action.Pod, NamespaceProperty = action.Namespace },
        };
        var result = await _caller.CallAsync(
            t => _client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, action.Pod, action.Namespace, dryRun: Outcomes.DryRun(mode), fieldManager: _caller.FieldManager, cancellationToken: t),
            cancellationToken).ConfigureAwait(false);
        if (result.DisruptionBudget)
        {
            return Outcomes.Blocked(result, $"{what}: eviction refused by a PodDisruptionBudget: {result.Message}");
        }

        if (result.HttpStatus == 404 && result.Attempts > 1)
        {
            // An attempt that timed out may have evicted the pod before the retry arrived.
            return Outcomes.FromError(result, what) with { Message = $"{what} is gone (an earlier attempt that timed out may have evicted it): {result.Message}" };
        }

        return result.Ok ? Outcomes.Written(result, mode, $"{what} evicted") : Outcomes.FromError(result, what);
    }
}
