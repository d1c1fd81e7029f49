using FinScale.Contracts;
using FinScale.Kubernetes.Actions;

namespace FinScale.Kubernetes.Executors;

/// <summary>Carries out one kind of action: reads the object, decides whether anything is to do, writes a patch.</summary>
/// <typeparam name="TAction">The action this executor applies.</typeparam>
public interface IKubernetesActionExecutor<in TAction>
    where TAction : KubernetesAction
{
    /// <summary>Applies <paramref name="action"/> in <paramref name="mode"/>. Idempotent; never throws for API errors
    /// (they come back as <see cref="ActionStatus.Failed"/>); throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    Task<ActionOutcome> ExecuteAsync(TAction action, ExecutionMode mode, CancellationToken cancellationToken);
}
