using FinScale.Kubernetes.Cluster;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Kubernetes.RemediationExecution;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes;

/// <summary>Registers the Kubernetes action service.</summary>
public static class KubernetesServiceCollectionExtensions
{
    /// <summary>Adds <see cref="KubernetesActionService"/>, <see cref="KubernetesDecisionExecutor"/>,
    /// <see cref="LeaderElectionService"/> and the <see cref="IKubernetes"/> client they use, with
    /// <see cref="KubernetesActionOptions"/> validated at start.</summary>
    public static OptionsBuilder<KubernetesActionOptions> AddFinScaleKubernetes(this IServiceCollection services, Action<KubernetesActionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<KubernetesActionOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesActionOptions>, KubernetesActionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => new k8s.Kubernetes(ClientConfiguration(sp.GetRequiredService<IOptions<KubernetesActionOptions>>().Value)));
        services.TryAddSingleton<KubernetesActionService>();
        services.TryAddSingleton<KubernetesDecisionExecutor>();
        services.TryAddSingleton(sp => new LeaderElectionService(sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<IOptions<KubernetesActionOptions>>().Value.LeaderElection));
        return builder;
    }

    /// <summary>Adds <see cref="ClusterViewSource"/> (a singleton whose <see cref="ClusterViewSource.Current"/> decisions
    /// read) and runs its refresh loop as a hosted service; adds the Kubernetes client as
    /// <see cref="AddFinScaleKubernetes"/> does. <paramref name="configure"/> sets <c>Kubernetes:ClusterView</c>.</summary>
    public static OptionsBuilder<KubernetesActionOptions> AddFinScaleClusterView(this IServiceCollection services, Action<ClusterViewOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddFinScaleKubernetes(configure is null ? null : o => configure(o.ClusterView));
        services.TryAddSingleton<ClusterViewSource>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterViewSource>());
        return builder;
    }

    /// <summary>The client configuration the options describe: in-cluster, or a kubeconfig file (the default one when no path is set).</summary>
    public static KubernetesClientConfiguration ClientConfiguration(KubernetesActionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = options.InCluster
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(options.KubeconfigPath, options.Context);

        // The per-attempt timeout of the resilience pipeline decides; the HTTP client's own must not fire first.
        configuration.HttpClientTimeout = options.AttemptTimeout + TimeSpan.FromSeconds(5);
        return configuration;
    }
}
