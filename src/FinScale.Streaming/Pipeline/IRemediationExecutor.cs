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
}
