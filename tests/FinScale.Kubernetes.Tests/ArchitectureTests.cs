using System.Net;
using k8s.Autorest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void FinScaleKubernetes_ReferencesContractsAndRemediationOnlyAmongFinScaleProjects()
    {
        var finscale = typeof(KubernetesActionService).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("FinScale.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(["FinScale.Contracts", "FinScale.Remediation"], finscale);
    }

    [Fact]
    public void FinScaleRemediation_DoesNotReferenceKubernetes()
    {
        var referenced = typeof(FinScale.Remediation.Cluster.ClusterView).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(referenced, n => n.StartsWith("FinScale.Kubernetes", StringComparison.Ordinal) || n == "KubernetesClient");
    }

    [Fact]
    public void AddFinScaleClusterView_BadInterval_FailsWithTheKeyNamed()
    {
        var services = new ServiceCollection();
        services.AddFinScaleClusterView(o => o.RefreshInterval = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KubernetesActionOptions>>().Value);

        Assert.Contains("Kubernetes:ClusterView:RefreshInterval", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddFinScaleClusterView_RegistersOneSourceAsSingletonAndHostedService()
    {
        var services = new ServiceCollection();
        services.AddFinScaleClusterView(o => o.Namespaces.Add("payments"));
        services.AddSingleton<k8s.IKubernetes>(new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        using var provider = services.BuildServiceProvider();

        var source = provider.GetRequiredService<FinScale.Kubernetes.Cluster.ClusterViewSource>();

        Assert.Same(source, Assert.Single(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>()));
        Assert.Equal(["payments"], provider.GetRequiredService<IOptions<KubernetesActionOptions>>().Value.ClusterView.Namespaces);
        Assert.NotNull(provider.GetRequiredService<FinScale.Kubernetes.RemediationExecution.KubernetesDecisionExecutor>());
    }

    [Fact]
    public void AddFinScaleKubernetes_InvalidOptions_FailWithTheKeyNamed()
    {
        var services = new ServiceCollection();
        services.AddFinScaleKubernetes(o => o.MaxAttempts = 42);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KubernetesActionOptions>>().Value);

        Assert.Contains("Kubernetes:MaxAttempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddFinScaleKubernetes_KubeconfigFile_ResolvesServiceAgainstItsServer()
    {
        var path = Path.Combine(Path.GetTempPath(), $"finscale-kubeconfig-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            clusters:
              - name: test
                cluster: { server: "http://127.0.0.1:6443" }
            users:
              - name: test
                user: { token: "t" }
            contexts:
              - name: test
                context: { cluster: test, user: test }
            current-context: test
            """);
        try
        {
            var services = new ServiceCollection();
            services.AddFinScaleKubernetes(o =>
            {
                o.KubeconfigPath = path;
                o.AttemptTimeout = TimeSpan.FromSeconds(3);
            });
            using var provider = services.BuildServiceProvider();

            var configuration = KubernetesServiceCollectionExtensions.ClientConfiguration(provider.GetRequiredService<IOptions<KubernetesActionOptions>>().Value);

            Assert.Equal("http://127.0.0.1:6443", configuration.Host.TrimEnd('/'));
            Assert.Equal(TimeSpan.FromSeconds(8), configuration.HttpClientTimeout);
            Assert.NotNull(provider.GetRequiredService<KubernetesActionService>());
            Assert.NotNull(provider.GetRequiredService<FinScale.Kubernetes.LeaderElection.LeaderElectionService>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static HttpOperationException Answer(HttpStatusCode code, string content)
    {
        using var response = new HttpResponseMessage(code);
        return new HttpOperationException("answer") { Response = new HttpResponseMessageWrapper(response, content) };
    }

    [Fact]
    public void KubernetesCaller_IsTransient_PdbRefusalIsNotRetriedButThrottlingIs()
    {
        const string pdb = """{"kind":"Status","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget"}]},"code":429}""";
        const string throttled = """{"kind":"Status","message":"Too many requests, please try again later.","reason":"TooManyRequests","code":429}""";

        Assert.False(KubernetesCaller.IsTransient(Answer(HttpStatusCode.TooManyRequests, pdb)));
        Assert.True(KubernetesCaller.IsTransient(Answer(HttpStatusCode.TooManyRequests, throttled)));
        Assert.True(KubernetesCaller.IsTransient(Answer(HttpStatusCode.ServiceUnavailable, "")));
        Assert.False(KubernetesCaller.IsTransient(Answer(HttpStatusCode.Conflict, "")));
        Assert.False(KubernetesCaller.IsTransient(Answer(HttpStatusCode.NotFound, "")));
        Assert.True(KubernetesCaller.IsTransient(new Polly.Timeout.TimeoutRejectedException()));
        Assert.True(KubernetesCaller.IsTransient(new HttpRequestException("refused")));
        Assert.False(KubernetesCaller.IsTransient(new InvalidOperationException()));
    }
}
