using System.Globalization;
using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Executors;

/// <summary>Rollout-restarts a deployment with a strategic-merge patch of its pod template's annotations
/// (<c>kubectl.kubernetes.io/restartedAt</c>), recording the decision id so the same decision restarts once.</summary>
public sealed class DeploymentRestartExecutor : IKubernetesActionExecutor<RestartDeployment>
{
    private readonly IKubernetes _client;
    private readonly KubernetesCaller _caller;
    private readonly TimeProvider _time;

    /// <summary>Creates the executor; <paramref name="logger"/> receives retries and failures.</summary>
    public DeploymentRestartExecutor(IKubernetes client, KubernetesActionOptions options, TimeProvider timeProvider, ILogger<DeploymentRestartExecutor>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _caller = new KubernetesCaller(options ?? throw new ArgumentNullException(nameof(options)), timeProvider, logger);
    }

    /// <inheritdoc/>
    public async Task<ActionOutcome> ExecuteAsync(RestartDeployment action, ExecutionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var what = $"Deployment {action.Namespace}/{action.Deployment}";
        if (mode == ExecutionMode.Shadow)
        {
            return Outcomes.Shadow("restart of " + what);
        }

        var read = await _caller.CallAsync(t => _client.AppsV1.ReadNamespacedDeploymentAsync(action.Deployment, action.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        if (!read.Ok)
        {
            return Outcomes.FromError(read, what);
        }

        if (Outcomes.AlreadyApplied(action, read.Value?.Metadata?.Annotations))
        {
            return Outcomes.KeyApplied(read, action, what);
        }

        var annotations = read.Value?.Spec?.Template?.Metadata?.Annotations;
        if (annotations is not null && annotations.TryGetValue(FinScaleAnnotations.RestartDecision, out var applied)
            && string.Equals(applied, action.DecisionId, StringComparison.Ordinal))
        {
            return Outcomes.AlreadyInState(read, $"{what} was already restarted for decision {action.DecisionId}");
        }

        // The idempotency key rides in the same patch as the restart: both are applied, or neither.
        var patch = Outcomes.WithKey(new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["annotations"] = new JsonObject
                        {
                            [FinScaleAnnotations.RestartedAt] = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
                            [FinScaleAnnotations.RestartDecision] = action.DecisionId,
                        },
                    },
                },
            },
        }, action);
        var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
        var result = await _caller.CallAsync(
            t => _client.AppsV1.PatchNamespacedDeploymentAsync(body, action.Deployment, action.Namespace, dryRun: Outcomes.DryRun(mode), fieldManager: _caller.FieldManager, cancellationToken: t),
            cancellationToken).ConfigureAwait(false);
        return result.Ok ? Outcomes.Written(result, mode, $"{what} restarted (rollout)") : Outcomes.FromError(result, what);
    }
}
