using FinScale.Contracts;

namespace FinScale.Streaming.Pipeline;

/// <summary>Carries out a decision and says what became of it. The only place that may touch a cluster.</summary>
public interface IRemediationExecutor
{
    /// <summary>The modes this executor carries out.</summary>
    IReadOnlySet<ExecutionMode> Modes { get; }

    /// <summary>Carries out <paramref name="decision"/> and returns it with its outcome.</summary>
    ValueTask<RemediationDecision> ExecuteAsync(RemediationDecision decision, CancellationToken cancellationToken);
}
