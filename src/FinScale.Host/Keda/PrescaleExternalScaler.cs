using FinScale.Host.Keda.Grpc;
using FinScale.Streaming.Prescale;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FinScale.Host.Keda;

/// <summary>
/// KEDA's <c>externalscaler.ExternalScaler</c> over the <see cref="PrescaleBoard"/>: a ScaledObject whose <c>external</c>
/// trigger names a deployment (<c>deployment</c>, and optionally <c>namespace</c>, in its metadata) scales that
/// deployment to the replica count finscale's forecast recommends, ahead of the load rather than after it.
/// </summary>
/// <remarks>
/// The decision is the forecast stage's (it publishes <see cref="PrescaleBoardEntry.RecommendedReplicas"/>); this class
/// only reads the board and answers, and KEDA's HPA acts. The metric's target is 1 per replica, so the HPA's
/// <c>AverageValue</c> arithmetic, <c>ceil(metric / target)</c>, gives exactly the recommended count.
/// </remarks>
internal sealed class PrescaleExternalScaler(PrescaleBoard board, CancellationToken stopping, ILogger logger) : ExternalScaler.ExternalScalerBase
{
    /// <summary>Trigger metadata key naming the deployment whose recommendation scales the ScaledObject (required).</summary>
    public const string DeploymentKey = "deployment";

    /// <summary>Trigger metadata key naming the deployment's namespace (optional: the ScaledObject's own namespace).</summary>
    public const string NamespaceKey = "namespace";

    /// <summary>Prefix of the metric name, followed by <c>namespace-deployment</c>.</summary>
    public const string MetricPrefix = "finscale-prescale-";

    /// <summary>Active while the target has a recommendation of at least one replica; inactive before its first one too.</summary>
    public override Task<IsActiveResponse> IsActive(ScaledObjectRef request, ServerCallContext context) =>
        Task.FromResult(new IsActiveResponse { Result = IsActive(Target(request)) });

    /// <summary>
    /// Sends the current activity, then again each time a publish changes it, until KEDA cancels the call or the server
    /// stops (the stream then ends normally and KEDA reconnects).
    /// </summary>
    public override async Task StreamIsActive(ScaledObjectRef request, IServerStreamWriter<IsActiveResponse> responseStream, ServerCallContext context)
    {
        var target = Target(request);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        bool? sent = null;
        try
        {
            while (true)
            {
                // Wait on the next change before reading the board, so a publish between the read and the wait still wakes us.
                var changed = board.WaitForChangeAsync(stop.Token);
                var active = IsActive(target);
                if (active != sent)
                {
                    await responseStream.WriteAsync(new IsActiveResponse { Result = active }, stop.Token);
                    sent = active;
                }

                await changed;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // KEDA hung up, or finscale is stopping: the stream ends.
        }
    }

    /// <summary>One metric, <c>finscale-prescale-&lt;namespace&gt;-&lt;deployment&gt;</c>, with a target of 1 per replica.</summary>
    public override Task<GetMetricSpecResponse> GetMetricSpec(ScaledObjectRef request, ServerCallContext context)
    {
        var target = Target(request);
        return Task.FromResult(new GetMetricSpecResponse
        {
            MetricSpecs = { new MetricSpec { MetricName = target.MetricName, TargetSize = 1, TargetSizeFloat = 1 } },
        });
    }

    /// <summary>
    /// The target's recommended replicas. Before the forecast has published one, the call fails with
    /// <see cref="StatusCode.FailedPrecondition"/> rather than answering a number: 0 would ask the HPA to scale down to
    /// its minimum, and any other number would be invented. KEDA reports the error, the HPA keeps the current replica
    /// count (or KEDA applies the ScaledObject's <c>fallback</c>, when one is set), and the next poll asks again.
    /// </summary>
    public override Task<GetMetricsResponse> GetMetrics(GetMetricsRequest request, ServerCallContext context)
    {
        var target = Target(request.ScaledObjectRef
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "GetMetrics without a scaledObjectRef")));
        if (!board.TryGet(target.Namespace, target.Deployment, out var entry))
        {
            KedaLog.NoRecommendation(logger, target.Namespace, target.Deployment);
            throw new RpcException(new Status(
                StatusCode.FailedPrecondition,
                $"the forecast has not produced a pre-scale recommendation for {target.Namespace}/{target.Deployment} yet "
                + "(is it a Prescale target, and has its load series had data?): keeping the current replica count"));
        }

        return Task.FromResult(new GetMetricsResponse
        {
            MetricValues =
            {
                new MetricValue { MetricName = target.MetricName, MetricValue_ = entry.RecommendedReplicas, MetricValueFloat = entry.RecommendedReplicas },
            },
        });
    }

    /// <summary>
    /// The metric name of <paramref name="ns"/>/<paramref name="deployment"/>: <see cref="MetricPrefix"/> then both
    /// names, lower case, every character outside <c>[a-z0-9-]</c> replaced by <c>-</c> (a valid HPA metric name).
    /// </summary>
    public static string MetricName(string ns, string deployment)
    {
        var name = (MetricPrefix + ns + "-" + deployment).ToLowerInvariant();
        return string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = source[i];
                span[i] = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' ? c : '-';
            }
        });
    }

    private bool IsActive(ScalerTarget target) =>
        board.TryGet(target.Namespace, target.Deployment, out var entry) && entry.RecommendedReplicas > 0;

    /// <summary>The deployment the ScaledObject's trigger names; <see cref="StatusCode.InvalidArgument"/> when it names none.</summary>
    private static ScalerTarget Target(ScaledObjectRef request)
    {
        if (!request.ScalerMetadata.TryGetValue(DeploymentKey, out var deployment) || string.IsNullOrWhiteSpace(deployment))
        {
            throw new RpcException(new Status(
                StatusCode.InvalidArgument,
                $"ScaledObject {request.Namespace}/{request.Name}: the external trigger's metadata has no '{DeploymentKey}' "
                + "(the deployment whose pre-scale recommendation scales it)"));
        }

        var ns = request.ScalerMetadata.TryGetValue(NamespaceKey, out var given) && !string.IsNullOrWhiteSpace(given) ? given.Trim() : request.Namespace;
        if (string.IsNullOrWhiteSpace(ns))
        {
            throw new RpcException(new Status(
                StatusCode.InvalidArgument,
                $"ScaledObject {request.Name}: no namespace, neither the trigger's '{NamespaceKey}' metadata nor the ScaledObject's own"));
        }

        deployment = deployment.Trim();
        return new ScalerTarget(ns, deployment, MetricName(ns, deployment));
    }

    /// <summary>A deployment a ScaledObject scales on, and the name of its metric.</summary>
    private readonly record struct ScalerTarget(string Namespace, string Deployment, string MetricName);
}
