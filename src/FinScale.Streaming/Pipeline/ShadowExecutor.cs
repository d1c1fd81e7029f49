using FinScale.Contracts;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Shadow mode: records the decision exactly as it would have been executed and touches nothing.
/// Decisions reach it through the same policy and guards as enforced ones.
/// </summary>
public sealed class ShadowExecutor : IRemediationExecutor
{
    private static readonly HashSet<ExecutionMode> ShadowOnly = [ExecutionMode.Shadow];

    /// <inheritdoc/>
    public IReadOnlySet<ExecutionMode> Modes => ShadowOnly;

    /// <inheritdoc/>
    public ValueTask<RemediationDecision> ExecuteAsync(RemediationDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Mode != ExecutionMode.Shadow)
            throw new InvalidOperationException($"the shadow executor cannot carry out a {decision.Mode} decision");
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(decision);
    }
}
