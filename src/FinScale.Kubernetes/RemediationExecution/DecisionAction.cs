using FinScale.Contracts;

namespace FinScale.Kubernetes.RemediationExecution;

/// <summary>
/// What <see cref="KubernetesDecisionExecutor"/> carries out: a decision and the numbers its action needs that the
/// audit record (<see cref="RemediationDecision"/>) does not carry. The planner decides the numbers; the executor
/// applies them and never picks its own.
/// </summary>
/// <param name="Decision">The decision; its <see cref="RemediationDecision.Action"/>, <see cref="RemediationDecision.Target"/>
/// and <see cref="RemediationDecision.Mode"/> say what to do, to what, and how (shadow, dry-run, enforce). Targets by kind:
/// <c>restart_pod</c> → Pod (namespace, name); <c>restart_deployment</c> and <c>scale</c> → Deployment;
/// <c>cordon_node</c> → Node (no namespace); <c>shift_traffic</c> → VirtualService.</param>
/// <param name="Replicas">For <see cref="ActionKind.Scale"/>: the replica count to set (0 or more); ignored otherwise.</param>
/// <param name="Weights">For <see cref="ActionKind.ShiftTraffic"/>: the weight per subset of the VirtualService
/// (0–100 each, summing to 100, e.g. stable 100 / canary 0); ignored otherwise.</param>
public sealed record DecisionAction(RemediationDecision Decision, int? Replicas = null, IReadOnlyDictionary<string, int>? Weights = null);
