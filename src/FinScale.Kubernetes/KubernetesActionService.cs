using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Executors;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes;

/// <summary>Carries out actions on the cluster: picks the executor for an action and runs it in the given mode.</summary>
public sealed class KubernetesActionService
{
    private readonly PodEvictionExecutor _evictions;
    private readonly DeploymentRestartExecutor _restarts;
    private readonly NodeCordonExecutor _cordons;
    private readonly DeploymentScaleExecutor _scales;
    private readonly TrafficShiftExecutor _traffic;
    private readonly ActionVerifier _verifier;

    /// <summary>Creates the service over <paramref name="client"/>; <paramref name="loggerFactory"/> (optional) receives retries and failures.</summary>
    public KubernetesActionService(IKubernetes client, IOptions<KubernetesActionOptions> options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _evictions = new PodEvictionExecutor(client, o, timeProvider, loggerFactory?.CreateLogger<PodEvictionExecutor>());
        _restarts = new DeploymentRestartExecutor(client, o, timeProvider, loggerFactory?.CreateLogger<DeploymentRestartExecutor>());
        _cordons = new NodeCordonExecutor(client, o, timeProvider, loggerFactory?.CreateLogger<NodeCordonExecutor>());
        _scales = new DeploymentScaleExecutor(client, o, timeProvider, loggerFactory?.CreateLogger<DeploymentScaleExecutor>());
        _traffic = new TrafficShiftExecutor(client, o, timeProvider, loggerFactory?.CreateLogger<TrafficShiftExecutor>());
        _verifier = new ActionVerifier(client, o, timeProvider, loggerFactory?.CreateLogger<ActionVerifier>());
    }

    /// <summary>Whether <paramref name="action"/>'s change is on its target, read without writing; see <see cref="ActionVerifier.VerifyAsync"/>.</summary>
    public Task<ActionOutcome> VerifyAsync(KubernetesAction action, CancellationToken cancellationToken) => _verifier.VerifyAsync(action, cancellationToken);

    /// <summary>Applies <paramref name="action"/> in <paramref name="mode"/>; see <see cref="IKubernetesActionExecutor{TAction}"/>.</summary>
    public Task<ActionOutcome> ExecuteAsync(KubernetesAction action, ExecutionMode mode, CancellationToken cancellationToken) => action switch
    {
        EvictPod a => _evictions.ExecuteAsync(a, mode, cancellationToken),
        RestartDeployment a => _restarts.ExecuteAsync(a, mode, cancellationToken),
        CordonNode a => _cordons.ExecuteAsync(a, mode, cancellationToken),
        UncordonNode a => _cordons.ExecuteAsync(a, mode, cancellationToken),
        ScaleDeployment a => _scales.ExecuteAsync(a, mode, cancellationToken),
        ShiftTraffic a => _traffic.ExecuteAsync(a, mode, cancellationToken),
        null => throw new ArgumentNullException(nameof(action)),
        _ => Task.FromResult(new ActionOutcome(ActionStatus.Failed, $"no executor for {action.GetType().Name}")),
    };
}
