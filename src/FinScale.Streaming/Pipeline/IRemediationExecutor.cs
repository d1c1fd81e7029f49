using FinScale.Contracts;
using FinScale.Remediation.Planning;

namespace FinScale.Streaming.Pipeline;

/// <summary>Carries out a decision and says what became of it. The only place that may touch a cluster.</summary>
public interface IRemediationExecutor
{
    /// <summary>The modes this executor carries out.</summary>
    IReadOnlySet<ExecutionMode> Modes { get; }

    /// <summary>
    /// Carries out <paramref name="decision"/> in its mode and returns the decision with its outcome, the request sent
    /// (or that would have been, in shadow) and the API's answer. Never throws for a failed call: the failure is the outcome.
    /// </summary>
    ValueTask<RemediationDecision> ExecuteAsync(PlannedDecision decision, CancellationToken cancellationToken);

    /// <summary>
    /// The intent of an enforced decision, written to the intents topic (and acknowledged) before
    /// <see cref="ExecuteAsync"/> sends anything: the decision as decided (<see cref="DecisionOutcome.Recommended"/>),
    /// with the request about to be sent where the executor can describe it.
    /// </summary>
    RemediationDecision Intent(PlannedDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Decision;
    }

    /// <summary>
    /// Settles an intent left open on the intents topic (the run that wrote it stopped before the answer):
    /// the decision with the outcome found on the cluster. Never repeats the action. Never throws for a failed call.
    /// </summary>
    ValueTask<RemediationDecision> ReconcileAsync(RemediationDecision intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return ValueTask.FromResult(intent with
        {
            Outcome = DecisionOutcome.Failed,
            Response = "intent not verified after a restart: this run has no cluster configured to read the target from",
        });
    }
}
