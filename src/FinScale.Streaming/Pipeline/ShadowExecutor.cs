using FinScale.Contracts;
using FinScale.Remediation.Planning;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Shadow mode without a cluster: records the decision exactly as it would have been executed and touches nothing.
/// Decisions reach it through the same diagnosis, policy and guards as enforced ones.
/// </summary>
public sealed class ShadowExecutor : IRemediationExecutor
{
    private static readonly HashSet<ExecutionMode> ShadowOnly = [ExecutionMode.Shadow];

    /// <inheritdoc/>
    public IReadOnlySet<ExecutionMode> Modes => ShadowOnly;

    /// <inheritdoc/>
    public ValueTask<RemediationDecision> ExecuteAsync(PlannedDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Decision.Mode != ExecutionMode.Shadow)
            throw new InvalidOperationException($"the shadow executor cannot carry out a {decision.Decision.Mode} decision");
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(decision.Decision);
    }
}
