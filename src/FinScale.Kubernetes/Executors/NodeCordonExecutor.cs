using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Executors;

/// <summary>Cordons and uncordons nodes with a merge patch of <c>spec.unschedulable</c>, marking the nodes FinScale
/// cordoned (<see cref="FinScaleAnnotations.CordonedBy"/>) so that a human's uncordon is detected and respected, and a
/// human's cordon is never undone.</summary>
public sealed class NodeCordonExecutor : IKubernetesActionExecutor<CordonNode>, IKubernetesActionExecutor<UncordonNode>
{
    private readonly IKubernetes _client;
    private readonly KubernetesCaller _caller;

    /// <summary>Creates the executor; <paramref name="logger"/> receives retries and failures.</summary>
    public NodeCordonExecutor(IKubernetes client, KubernetesActionOptions options, TimeProvider timeProvider, ILogger<NodeCordonExecutor>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _caller = new KubernetesCaller(options ?? throw new ArgumentNullException(nameof(options)), timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)), logger);
    }

    /// <summary>The decision under which FinScale cordoned <paramref name="node"/>, or null.</summary>
    public static string? CordonedByDecision(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Metadata?.Annotations is { } a && a.TryGetValue(FinScaleAnnotations.CordonedBy, out var id) ? id : null;
    }

    /// <summary>True when FinScale cordoned <paramref name="node"/> and someone has since made it schedulable again.</summary>
    public static bool WasUncordonedByHuman(V1Node node) =>
        CordonedByDecision(node) is not null && node.Spec?.Unschedulable != true;

    /// <inheritdoc/>
    public async Task<ActionOutcome> ExecuteAsync(CordonNode action, ExecutionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var what = $"Node {action.Node}";
        if (mode == ExecutionMode.Shadow)
        {
            return Outcomes.Shadow("cordon of " + what);
        }

        var read = await _caller.CallAsync(t => _client.CoreV1.ReadNodeAsync(action.Node, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        if (!read.Ok)
        {
            return Outcomes.FromError(read, what);
        }

        var node = read.Value!;
        if (Outcomes.AlreadyApplied(action, node.Metadata?.Annotations))
        {
            return Outcomes.KeyApplied(read, action, what);
        }

        var by = CordonedByDecision(node);
        if (node.Spec?.Unschedulable == true)
        {
            return Outcomes.AlreadyInState(read, by is null ? $"{what} is already cordoned (not by FinScale)" : $"{what} is already cordoned by FinScale (decision {by})");
        }

        if (by is not null)
        {
            return Outcomes.Blocked(read, $"{what} was uncordoned by someone after FinScale cordoned it (decision {by}); not overriding a human");
        }

        var patch = Outcomes.WithKey(new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [FinScaleAnnotations.CordonedBy] = action.DecisionId } },
            ["spec"] = new JsonObject { ["unschedulable"] = true },
        }, action);
        return await PatchAsync(action.Node, patch, mode, what + " cordoned", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<ActionOutcome> ExecuteAsync(UncordonNode action, ExecutionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var what = $"Node {action.Node}";
        if (mode == ExecutionMode.Shadow)
        {
            return Outcomes.Shadow("uncordon of " + what);
        }

        var read = await _caller.CallAsync(t => _client.CoreV1.ReadNodeAsync(action.Node, cancellationToken: t), cancellationToken).ConfigureAwait(false);
        if (!read.Ok)
        {
            return Outcomes.FromError(read, what);
        }

        var node = read.Value!;
        var by = CordonedByDecision(node);
        if (node.Spec?.Unschedulable != true)
        {
            return Outcomes.AlreadyInState(read, by is null ? $"{what} is already schedulable" : $"{what} is already schedulable: uncordoned by someone after FinScale cordoned it (decision {by})");
        }

        if (by is null)
        {
            return Outcomes.Blocked(read, $"{what} was cordoned by someone other than FinScale; leaving it cordoned");
        }

        // Merge patch: null removes the field and the annotation.
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [FinScaleAnnotations.CordonedBy] = null } },
            ["spec"] = new JsonObject { ["unschedulable"] = null },
        };
        return await PatchAsync(action.Node, patch, mode, what + " uncordoned", cancellationToken).ConfigureAwait(false);
    }

    private async Task<ActionOutcome> PatchAsync(string node, JsonObject patch, ExecutionMode mode, string message, CancellationToken cancellationToken)
    {
        var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
        var result = await _caller.CallAsync(
            t => _client.CoreV1.PatchNodeAsync(body, node, dryRun: Outcomes.DryRun(mode), fieldManager: _caller.FieldManager, cancellationToken: t),
            cancellationToken).ConfigureAwait(false);
        return result.Ok ? Outcomes.Written(result, mode, message) : Outcomes.FromError(result, "Node " + node);
    }
}
