using FinScale.Contracts;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Kubernetes.RemediationExecution;
using FinScale.Remediation;
using FinScale.Remediation.Planning;
using FinScale.Streaming.Pipeline;

namespace FinScale.Host.Remediation;

/// <summary>
/// The pipeline's executor when a cluster is configured: every mode goes through <see cref="KubernetesDecisionExecutor"/>
/// (shadow describes the request and sends nothing). With leader election on, only the leader sends requests; a
/// dry-run or enforced decision on another instance is held back by the leadership guard and audited as such.
/// </summary>
internal sealed class KubernetesRemediationExecutor : IRemediationExecutor
{
    private static readonly HashSet<ExecutionMode> AllModes = [ExecutionMode.Shadow, ExecutionMode.DryRun, ExecutionMode.Enforce];
    private readonly KubernetesDecisionExecutor _executor;
    private readonly ILeadership? _leadership;

    public KubernetesRemediationExecutor(KubernetesDecisionExecutor executor, ILeadership? leadership)
    {
        _executor = executor;
        _leadership = leadership;
    }

    public IReadOnlySet<ExecutionMode> Modes => AllModes;

    public async ValueTask<RemediationDecision> ExecuteAsync(PlannedDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var action = new DecisionAction(decision.Decision, decision.Replicas, decision.Weights);
        if (decision.Decision.Mode != ExecutionMode.Shadow && _leadership is { IsLeader: false } l)
        {
            return decision.Decision with
            {
                Outcome = DecisionOutcome.HeldBack,
                Guard = Guards.Leadership,
                Reason = $"{decision.Decision.Reason}; held back by {Guards.Leadership}: this instance ({l.Identity}) does not hold the leader lease (leader: {l.CurrentLeader ?? "none"})",
                Request = KubernetesDecisionExecutor.DescribeRequest(action),
            };
        }

        return await _executor.ExecuteAsync(action, cancellationToken);
    }

    public RemediationDecision Intent(PlannedDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return KubernetesDecisionExecutor.Intent(new DecisionAction(decision.Decision, decision.Replicas, decision.Weights));
    }

    public async ValueTask<RemediationDecision> ReconcileAsync(RemediationDecision intent, CancellationToken cancellationToken) =>
        await _executor.ReconcileAsync(intent, cancellationToken);
}
