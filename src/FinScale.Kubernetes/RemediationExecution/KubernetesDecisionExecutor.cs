using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinScale.Kubernetes.RemediationExecution;

/// <summary>
/// Carries out remediation decisions on the cluster: maps a <see cref="DecisionAction"/> to a
/// <see cref="KubernetesAction"/>, runs it through <see cref="KubernetesActionService"/> in the decision's mode, and
/// returns the decision with its outcome, the request (<see cref="RemediationDecision.Request"/>) and the API's
/// answer (<see cref="RemediationDecision.Response"/>) filled in for the audit.
/// </summary>
/// <remarks>
/// Only a decision whose outcome is <see cref="DecisionOutcome.Recommended"/> (decided, not yet carried out) is acted
/// on; any other (held back by a guard, no action, already carried out) comes back unchanged. Shadow decisions go
/// through the same mapping and validation as enforced ones and carry the same request text, but the executors send
/// nothing in shadow mode.
/// </remarks>
public sealed class KubernetesDecisionExecutor
{
    private readonly KubernetesActionService _actions;
    private readonly ILogger _logger;

    /// <summary>Creates the executor over <paramref name="actions"/>; <paramref name="logger"/> receives one entry per decision.</summary>
    public KubernetesDecisionExecutor(KubernetesActionService actions, ILogger<KubernetesDecisionExecutor>? logger = null)
    {
        _actions = actions ?? throw new ArgumentNullException(nameof(actions));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Carries out <paramref name="action"/> in its decision's mode and returns the decision with
    /// <see cref="RemediationDecision.Outcome"/>, <see cref="RemediationDecision.Request"/> and
    /// <see cref="RemediationDecision.Response"/> set. API errors, a missing target and bad parameters come back as
    /// outcomes (<see cref="DecisionOutcome.Failed"/>, <see cref="DecisionOutcome.Blocked"/>), never as exceptions;
    /// cancelling <paramref name="cancellationToken"/> throws.</summary>
    public async Task<RemediationDecision> ExecuteAsync(DecisionAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var decision = action.Decision ?? throw new ArgumentException("no decision", nameof(action));
        if (decision.Outcome != DecisionOutcome.Recommended || decision.Action is ActionKind.None or ActionKind.Unknown)
        {
            return decision;
        }

        var (mapped, problem) = Map(action);
        if (mapped is null)
        {
            var failed = decision with { Outcome = DecisionOutcome.Failed, Response = problem };
            DecisionLog.Carried(_logger, decision.DecisionId, decision.Action, decision.Target?.ToString() ?? "(none)", decision.Mode, failed.Outcome, problem!);
            return failed;
        }

        var request = DescribeRequest(mapped, decision.Mode);
        ActionOutcome outcome;
        try
        {
            outcome = await _actions.ExecuteAsync(mapped, decision.Mode, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An answer the client could not read, say: audited as a failure so the pipeline keeps going.
            DecisionLog.Unexpected(_logger, ex, decision.DecisionId);
            outcome = new ActionOutcome(ActionStatus.Failed, $"unexpected {ex.GetType().Name}: {ex.Message}");
        }

        var result = decision with
        {
            Outcome = OutcomeOf(outcome.Status, decision.Mode),
            Request = request,
            Response = ResponseOf(outcome),
        };
        DecisionLog.Carried(_logger, decision.DecisionId, decision.Action, decision.Target?.ToString() ?? "(none)", decision.Mode, result.Outcome, result.Response!);
        return result;
    }

    /// <summary>The intent written, and acknowledged, just before <paramref name="action"/> is sent in enforce mode: the
    /// decision as decided and the request it is about to send (from which <see cref="ReconcileAsync"/> reads a scale's
    /// replica count and a shift's weights back). Pure.</summary>
    public static RemediationDecision Intent(DecisionAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action.Decision with { Request = DescribeRequest(action), Response = null };
    }

    /// <summary>
    /// Settles an intent (see <see cref="Intent"/>) that was never followed by its outcome, because the run that wrote it
    /// stopped in between: reads the target without writing (<see cref="KubernetesActionService.VerifyAsync"/>)
    /// and returns the decision as <see cref="DecisionOutcome.Executed"/> when the change is there, or
    /// <see cref="DecisionOutcome.Failed"/> when it is not or the target cannot be read. Never repeats the action: a
    /// decision is acted on while its anomaly is fresh, and an anomaly still present decides again (under the same
    /// idempotency key). Throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<RemediationDecision> ReconcileAsync(RemediationDecision intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var (replicas, weights) = ParametersOf(intent.Request);
        var (mapped, problem) = Map(new DecisionAction(intent, replicas, weights));
        RemediationDecision result;
        if (mapped is null)
        {
            result = intent with { Outcome = DecisionOutcome.Failed, Response = $"intent not verified after a restart: {problem}" };
        }
        else
        {
            ActionOutcome found;
            try
            {
                found = await _actions.VerifyAsync(mapped, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                found = new ActionOutcome(ActionStatus.Failed, $"unexpected {ex.GetType().Name}: {ex.Message}");
            }

            result = found.Status switch
            {
                ActionStatus.AlreadyInState => intent with
                {
                    Outcome = DecisionOutcome.Executed,
                    Response = $"reconciled after a restart (the run that sent it stopped before recording its answer): {found.Message}",
                },
                ActionStatus.NotApplied => intent with
                {
                    Outcome = DecisionOutcome.Failed,
                    Response = $"not applied: the run that recorded this intent stopped before the change reached the target ({found.Message}); not repeated",
                },
                _ => intent with { Outcome = DecisionOutcome.Failed, Response = "intent not verified after a restart: " + ResponseOf(found) },
            };
        }

        DecisionLog.Carried(_logger, result.DecisionId, result.Action, result.Target?.ToString() ?? "(none)", result.Mode, result.Outcome, result.Response!);
        return result;
    }

    /// <summary>The replica count and weights an intent's request text carries (see <see cref="DescribeRequest(KubernetesAction, ExecutionMode)"/>).</summary>
    internal static (int? Replicas, IReadOnlyDictionary<string, int>? Weights) ParametersOf(string? request)
    {
        if (string.IsNullOrEmpty(request))
        {
            return (null, null);
        }

        const string weightsMarker = "spec.http[].route[].weight: ";
        var at = request.IndexOf(weightsMarker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var weights = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var pair in request[(at + weightsMarker.Length)..].Split(", ", StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.LastIndexOf('=');
                if (eq > 0 && int.TryParse(pair[(eq + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var w))
                {
                    weights[pair[..eq]] = w;
                }
            }

            return (null, weights);
        }

        var body = request.IndexOf(" {", StringComparison.Ordinal);
        if (body < 0)
        {
            return (null, null);
        }

        try
        {
            return (JsonNode.Parse(request[(body + 1)..])?["spec"]?["replicas"]?.GetValue<int>(), null);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return (null, null);
        }
    }

    /// <summary>The request <paramref name="action"/> sends in its decision's mode (the same text for shadow and
    /// enforce; dry-run adds <c>?dryRun=All</c>), e.g. <c>POST /api/v1/namespaces/ns/pods/p/eviction</c>; null when
    /// the decision sends nothing (no action) or cannot be mapped. Pure.</summary>
    public static string? DescribeRequest(DecisionAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (action.Decision is null || action.Decision.Action is ActionKind.None or ActionKind.Unknown)
        {
            return null;
        }

        var (mapped, _) = Map(action);
        return mapped is null ? null : DescribeRequest(mapped, action.Decision.Mode);
    }

    /// <summary>The write request the executor for <paramref name="action"/> sends in <paramref name="mode"/>: method,
    /// path (with <c>?dryRun=All</c> in dry-run mode) and the patch body. Shadow describes what enforce would send. The
    /// executors read the object first and skip the write when it is already in the requested state. Pure.</summary>
    public static string DescribeRequest(KubernetesAction action, ExecutionMode mode)
    {
        ArgumentNullException.ThrowIfNull(action);
        var query = mode == ExecutionMode.DryRun ? "?dryRun=All" : string.Empty;
        return action switch
        {
            EvictPod a => $"POST /api/v1/namespaces/{E(a.Namespace)}/pods/{E(a.Pod)}/eviction{query}",
            RestartDeployment a => $"PATCH /apis/apps/v1/namespaces/{E(a.Namespace)}/deployments/{E(a.Deployment)}{query} " + new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject
                        {
                            ["annotations"] = new JsonObject
                            {
                                [FinScaleAnnotations.RestartedAt] = "(time of sending)",
                                [FinScaleAnnotations.RestartDecision] = a.DecisionId,
                            },
                        },
                    },
                },
            }.ToJsonString(),
            CordonNode a => $"PATCH /api/v1/nodes/{E(a.Node)}{query} " + new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [FinScaleAnnotations.CordonedBy] = a.DecisionId } },
                ["spec"] = new JsonObject { ["unschedulable"] = true },
            }.ToJsonString(),
            UncordonNode a => $"PATCH /api/v1/nodes/{E(a.Node)}{query} " + new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [FinScaleAnnotations.CordonedBy] = null } },
                ["spec"] = new JsonObject { ["unschedulable"] = null },
            }.ToJsonString(),
            ScaleDeployment a => $"PATCH /apis/apps/v1/namespaces/{E(a.Namespace)}/deployments/{E(a.Deployment)}/scale{query} "
                + new JsonObject { ["spec"] = new JsonObject { ["replicas"] = a.Replicas } }.ToJsonString(),
            ShiftTraffic a => $"PATCH /apis/{Istio.VirtualService.Group}/{Istio.VirtualService.Version}/namespaces/{E(a.Namespace)}/virtualservices/{E(a.VirtualService)}{query} "
                + "spec.http[].route[].weight: "
                + string.Join(", ", (a.Weights ?? new Dictionary<string, int>()).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")),
            _ => $"(no request: {action.GetType().Name} has no executor)",
        };
    }

    /// <summary>The Kubernetes action a decision calls for, or why there is none.</summary>
    internal static (KubernetesAction? Action, string? Problem) Map(DecisionAction action)
    {
        var d = action.Decision;
        if (d.Target is not { } target || string.IsNullOrWhiteSpace(target.Name))
        {
            return (null, $"{Kind(d.Action)} decision has no target");
        }

        string? Expect(string kind, bool namespaced)
        {
            if (!string.Equals(target.Kind, kind, StringComparison.OrdinalIgnoreCase))
            {
                return $"{Kind(d.Action)} acts on a {kind}, the target is {target}";
            }

            return namespaced && string.IsNullOrWhiteSpace(target.Namespace) ? $"{Kind(d.Action)} target {target} has no namespace" : null;
        }

        var reason = d.Reason;
        (KubernetesAction? Action, string? Problem) result = d.Action switch
        {
            ActionKind.RestartPod => Expect("Pod", true) is { } p ? (null, p) : (new EvictPod(target.Namespace, target.Name, d.DecisionId, reason), null),
            ActionKind.RestartDeployment => Expect("Deployment", true) is { } p ? (null, p) : (new RestartDeployment(target.Namespace, target.Name, d.DecisionId, reason), null),
            ActionKind.CordonNode => Expect("Node", false) is { } p ? (null, p) : (new CordonNode(target.Name, d.DecisionId, reason), null),
            ActionKind.Scale => Expect("Deployment", true) is { } p ? (null, p)
                : action.Replicas is not { } replicas ? (null, $"scale decision for {target} carries no replica count")
                : (new ScaleDeployment(target.Namespace, target.Name, replicas, d.DecisionId, reason), null),
            ActionKind.ShiftTraffic => Expect("VirtualService", true) is { } p ? (null, p)
                : action.Weights is not { Count: > 0 } weights ? (null, $"shift_traffic decision for {target} carries no weights")
                : (new ShiftTraffic(target.Namespace, target.Name, weights, d.DecisionId, reason), null),
            _ => (null, $"no executor for action {Kind(d.Action)}"),
        };

        // The key travels with the action: the executors check it on the target before acting and write it with the change.
        return result.Action is null || string.IsNullOrEmpty(d.IdempotencyKey) ? result : (result.Action with { IdempotencyKey = d.IdempotencyKey }, null);
    }

    /// <summary>The decision outcome an action's status means. A target already in state counts as executed (the
    /// decision's effect holds), except in dry-run mode, where nothing is ever executed.</summary>
    internal static DecisionOutcome OutcomeOf(ActionStatus status, ExecutionMode mode) => status switch
    {
        ActionStatus.Executed => DecisionOutcome.Executed,
        ActionStatus.AlreadyInState => mode == ExecutionMode.DryRun ? DecisionOutcome.DryRun : DecisionOutcome.Executed,
        ActionStatus.DryRun => DecisionOutcome.DryRun,
        ActionStatus.Blocked => DecisionOutcome.Blocked,
        ActionStatus.Shadow => DecisionOutcome.Recommended,
        _ => DecisionOutcome.Failed,
    };

    /// <summary><c>HTTP {status}: {message}</c> (the message alone when no answer came; the attempts when more than
    /// one), then the object a dry run would produce.</summary>
    internal static string ResponseOf(ActionOutcome outcome)
    {
        var text = outcome.HttpStatus is { } status ? $"HTTP {status}: {outcome.Message}" : outcome.Message;
        if (outcome.Attempts > 1)
        {
            text += $" ({outcome.Attempts} attempts)";
        }

        return outcome.ServerAnswer is null ? text : text + "\n" + outcome.ServerAnswer;
    }

    private static string E(string segment) => Uri.EscapeDataString(segment);

    private static string Kind(ActionKind kind) => kind switch
    {
        ActionKind.RestartPod => "restart_pod",
        ActionKind.RestartDeployment => "restart_deployment",
        ActionKind.CordonNode => "cordon_node",
        ActionKind.ShiftTraffic => "shift_traffic",
        ActionKind.Scale => "scale",
        ActionKind.None => "none",
        _ => kind.ToString(),
    };
}
