using FinScale.Kubernetes.Cluster;
using FinScale.Remediation.Cluster;
using FinScale.Testing.Kubernetes;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes.Tests.ClusterView;

public sealed class ClusterViewSourceTests : ExecutorTestBase
{
    private const string Istio = "networking.istio.io";

    private ClusterViewSource Source(Action<ClusterViewOptions>? configure = null, int maxAttempts = 2)
    {
        var options = FastOptions(maxAttempts);
        configure?.Invoke(options.ClusterView);
        return new ClusterViewSource(Client, Options.Create(options), Time);
    }

    /// <summary>checkout in payments: a stable and a canary ReplicaSet of one deployment, pods on two nodes, a bare pod,
    /// a VirtualService splitting stable/canary and its DestinationRule; plus a pod in another namespace.</summary>
    private void SeedCluster()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        Server.Add("", "nodes", KubernetesObjects.Node("node-b", unschedulable: true));
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3, new Dictionary<string, string> { ["app.kubernetes.io/name"] = "checkout-svc", ["app"] = "ignored" }));
        Server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(Ns, "checkout-7f9c", "checkout"));
        Server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(Ns, "checkout-5d2a", "checkout"));
        Server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(Ns, "orphan-rs", ownerDeployment: null));
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-7f9c-1", "node-a", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "checkout-svc", ["app"] = "ignored", ["version"] = "v1" }, "checkout-7f9c"));
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-5d2a-1", "node-b", new Dictionary<string, string> { ["app"] = "checkout", ["app.kubernetes.io/version"] = "v2" }, "checkout-5d2a", ready: false));
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "debug", node: null, ownerReplicaSet: null));
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "orphan-1", "node-a", ownerReplicaSet: "orphan-rs"));
        Server.Add("", "pods", KubernetesObjects.Pod("other", "ledger-1", "node-a", new Dictionary<string, string> { ["app"] = "ledger" }));
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout", stable: 80, canary: 20));
        Server.Add(Istio, "destinationrules", KubernetesObjects.DestinationRule(Ns, "checkout", "checkout.payments.svc.cluster.local", new Dictionary<string, string> { ["stable"] = "v1", ["canary"] = "v2" }));
    }

    [Fact]
    public void Current_BeforeFirstRefresh_IsEmpty()
    {
        Assert.Same(Remediation.Cluster.ClusterView.Empty, Source().Current);
    }

    [Fact]
    public async Task RefreshAsync_Cluster_FollowsOwnerChainsAndLabels()
    {
        SeedCluster();
        var source = Source();

        Assert.True(await source.RefreshAsync(CancellationToken.None));
        var view = source.Current;

        var stable = view.Pod(Ns, "checkout-7f9c-1")!;
        Assert.Equal(new PodInfo(Ns, "checkout-7f9c-1", "node-a", "checkout", "checkout-svc", "v1", true, stable.Annotations), stable);
        var canary = view.Pod(Ns, "checkout-5d2a-1")!;
        Assert.Equal(("node-b", "checkout", "checkout", "v2", false), (canary.Node, canary.Workload, canary.Service, canary.Version, canary.Ready));
        var bare = view.Pod(Ns, "debug")!;
        Assert.Equal((null, null), (bare.Node, bare.Workload));
        Assert.Null(view.Pod(Ns, "orphan-1")!.Workload);   // its ReplicaSet has no Deployment owner
        Assert.Equal(["checkout-5d2a-1", "checkout-7f9c-1"], view.PodsOf(Ns, "checkout").Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, view.PodsOn("node-a").Count());

        Assert.False(view.Node("node-a")!.Unschedulable);
        Assert.True(view.Node("node-b")!.Unschedulable);

        var workload = view.Workload(Ns, "checkout")!;
        Assert.Equal(("checkout-svc", 3), (workload.Service, workload.Replicas));
        Assert.NotNull(view.AsOf);
        Assert.Equal(5, view.Pods.Count);
    }

    [Fact]
    public async Task RefreshAsync_VirtualServiceAndDestinationRule_SubsetWeightsAndVersions()
    {
        SeedCluster();
        var source = Source();

        await source.RefreshAsync(CancellationToken.None);

        var vs = Assert.Single(source.Current.VirtualServices);
        Assert.Equal((Ns, "checkout", "checkout"), (vs.Namespace, vs.Name, vs.Service));
        Assert.Equal([new SubsetRoute("stable", "v1", 80), new SubsetRoute("canary", "v2", 20)], vs.Routes);
    }

    [Fact]
    public async Task RefreshAsync_SubsetWithoutDestinationRule_VersionUnknown()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout", stable: 100, canary: 0));
        var source = Source();

        await source.RefreshAsync(CancellationToken.None);

        Assert.Equal([new SubsetRoute("stable", null, 100), new SubsetRoute("canary", null, 0)], Assert.Single(source.Current.VirtualServices).Routes);
    }

    [Fact]
    public async Task RefreshAsync_NamespacesConfigured_ListsOnlyThoseButAllNodes()
    {
        SeedCluster();
        var source = Source(o => o.Namespaces.Add("other"));

        await source.RefreshAsync(CancellationToken.None);

        var view = source.Current;
        Assert.Equal(["ledger-1"], view.Pods.Select(p => p.Name));
        Assert.Empty(view.Workloads);
        Assert.Empty(view.VirtualServices);
        Assert.Equal(2, view.Nodes.Count);
        Assert.All(Server.Requests.Where(r => r.Resource != "nodes"), r => Assert.Equal("other", r.Namespace));
        Assert.Contains(Server.Requests, r => r is { Verb: "list", Resource: "nodes", Namespace: null });
    }

    [Fact]
    public async Task RefreshAsync_SmallPages_FollowsContinueTokens()
    {
        SeedCluster();
        var source = Source(o => o.PageSize = 2);

        await source.RefreshAsync(CancellationToken.None);

        Assert.Equal(5, source.Current.Pods.Count);
        Assert.Equal(3, Server.Requests.Count(r => r is { Verb: "list", Resource: "pods" }));
    }

    [Fact]
    public async Task RefreshAsync_ListFails_KeepsPreviousSnapshotAndCounts()
    {
        SeedCluster();
        var source = Source(maxAttempts: 2);
        await source.RefreshAsync(CancellationToken.None);
        var before = source.Current;
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-7f9c-2", "node-a", ownerReplicaSet: "checkout-7f9c"));
        Server.InjectFault(2, status: 503, match: r => r is { Verb: "list", Resource: "deployments" });

        Assert.False(await source.RefreshAsync(CancellationToken.None));

        Assert.Same(before, source.Current);
        Assert.Equal((1L, 1L), (source.SucceededRefreshes, source.FailedRefreshes));

        // The API recovers: the next refresh sees the new pod.
        Assert.True(await source.RefreshAsync(CancellationToken.None));
        Assert.NotNull(source.Current.Pod(Ns, "checkout-7f9c-2"));
    }

    [Fact]
    public async Task RefreshAsync_TransientError_RetriedWithinTheRefresh()
    {
        SeedCluster();
        var source = Source(maxAttempts: 3);
        Server.InjectFault(1, status: 500, match: r => r is { Verb: "list", Resource: "nodes" });

        Assert.True(await source.RefreshAsync(CancellationToken.None));

        Assert.Equal(2, source.Current.Nodes.Count);
        Assert.Equal(0, source.FailedRefreshes);
    }

    [Fact]
    public async Task RefreshAsync_FirstListFails_StaysEmpty()
    {
        SeedCluster();
        var source = Source(maxAttempts: 1);
        Server.InjectFault(1, status: 500, match: r => r.Resource == "pods");

        Assert.False(await source.RefreshAsync(CancellationToken.None));

        Assert.Same(Remediation.Cluster.ClusterView.Empty, source.Current);
    }

    [Fact]
    public async Task RefreshAsync_UnreadableObject_FailsTheRefreshNotTheCaller()
    {
        SeedCluster();
        var source = Source();
        await source.RefreshAsync(CancellationToken.None);
        var bad = KubernetesObjects.VirtualService(Ns, "broken");
        bad["spec"]!["http"]![0]!["route"]![0]!["weight"] = "ninety";
        Server.Add(Istio, "virtualservices", bad);

        Assert.False(await source.RefreshAsync(CancellationToken.None));

        Assert.Single(source.Current.VirtualServices);
        Assert.Equal(1, source.FailedRefreshes);
    }

    [Fact]
    public async Task RefreshAsync_IstioNotInstalled_EmptyVirtualServices()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        Server.InjectFault(10, status: 404, match: r => r.Group == Istio);
        var source = Source();

        Assert.True(await source.RefreshAsync(CancellationToken.None));

        Assert.Empty(source.Current.VirtualServices);
        Assert.Single(source.Current.Nodes);
    }

    [Fact]
    public async Task ExecuteAsync_HostedLoop_RefreshesOnTheInterval()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        using var source = Source(o => o.RefreshInterval = TimeSpan.FromSeconds(1));

        await source.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (source.Current.Nodes.Count == 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        Server.Add("", "nodes", KubernetesObjects.Node("node-b"));
        while (source.Current.Nodes.Count < 2)
        {
            await Task.Delay(20, timeout.Token);
        }

        await source.StopAsync(CancellationToken.None);
        Assert.True(source.SucceededRefreshes >= 2);
    }
}
