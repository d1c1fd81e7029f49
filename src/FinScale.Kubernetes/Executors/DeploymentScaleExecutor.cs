using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Executors;

/// <summary>Sets a deployment's replicas through the scale subresource (read, then merge patch of <c>spec.replicas</c>).
/// The scale subresource carries no annotations, so a decision's idempotency key is checked on the deployment before
/// and written on it by a second merge patch after the scale: a crash between the two leaves the replica count set, and
/// the decision taken again finds the deployment already at that count (an absolute count repeats harmlessly).</summary>
public sealed class DeploymentScaleExecutor : IKubernetesActionExecutor<ScaleDeployment>
{
    private readonly IKubernetes _client;
    private readonly KubernetesCaller _caller;

    /// <summary>Creates the executor; <paramref name="logger"/> receives retries and failures.</summary>
    public DeploymentScaleExecutor(IKubernetes client, KubernetesActionOptions options, TimeProvider timeProvider, ILogger<DeploymentScaleExecutor>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _caller = new KubernetesCaller(options ?? throw new ArgumentNullException(nameof(options)), timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)), logger);
    }

    /// <inheritdoc/>
    public async Task<ActionOutcome> ExecuteAsync(ScaleDeployment action, ExecutionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var what = $"Deployment {action.Namespace}/{action.Deployment}";
        if (action.Replicas < 0)
        {
            return Outcomes.Failed($"{what}: replicas must be 0 or more, is {action.Replicas}");
        }

        if (mode == ExecutionMode.Shadow)
        {
            return Outcomes.Shadow($"scale of {what} to {action.Replicas}");
        }

        if (action.IdempotencyKey is not null)
        {
            var deployment = await _caller.CallAsync(t => _client.AppsV1.ReadNamespacedDeploymentAsync(action.Deployment, action.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
            if (!deployment.Ok)
            {
                return Outcomes.FromError(deployment, what);
            }

            if (Outcomes.AlreadyApplied(action, deployment.Value?.Metadata?.Annotations))
            {
                return Outcomes.KeyApplied(deployment, action, what);
            }
        }

        var read = await _caller.CallAsync(t => _client.AppsV1.ReadNamespacedDeploymentScaleAsync(action.Deployment, action.Namespace, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        if (!read.Ok)
        {
            return Outcomes.FromError(read, what);
        }

        var current = read.Value?.Spec?.Replicas ?? 0;
        if (current == action.Replicas)
        {
            return Outcomes.AlreadyInState(read, $"{what} already has {current} replicas");
        }

        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = action.Replicas } };
        var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
        var result = await _caller.CallAsync(
            t => _client.AppsV1.PatchNamespacedDeploymentScaleAsync(body, action.Deployment, action.Namespace, dryRun: Outcomes.DryRun(mode), fieldManager: _caller.FieldManager, cancellationToken: t),
            cancellationToken).ConfigureAwait(false);
        if (!result.Ok)
        {
            return Outcomes.FromError(result, what);
        }

        var message = $"{what} scaled from {current} to {action.Replicas} replicas";
        if (mode == ExecutionMode.Enforce && action.IdempotencyKey is not null)
        {
            var key = new V1Patch(Outcomes.WithKey(new JsonObject(), action).ToJsonString(), V1Patch.PatchType.MergePatch);
            var marked = await _caller.CallAsync(
                t => _client.AppsV1.PatchNamespacedDeploymentAsync(key, action.Deployment, action.Namespace, fieldManager: _caller.FieldManager, cancellationToken: t),
                cancellationToken).ConfigureAwait(false);
            if (!marked.Ok)
            {
                message += $" (its idempotency key could not be recorded: {marked.Message})";
            }
        }

        return Outcomes.Written(result, mode, message);
    }
}
