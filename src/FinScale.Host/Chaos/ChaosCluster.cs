using System.Globalization;
using System.Text.Json.Nodes;
using FinScale.Kubernetes;
using FinScale.Testing.Kubernetes;

namespace FinScale.Host.Chaos;

/// <summary>
/// The simulated cluster the children act on: the in-process fake API server seeded with deployments of four pods each
/// (pod → ReplicaSet → Deployment owner chain, one node per pod), and the ledger of what was written to it.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    /// <summary>Namespace of every workload; the chaos policy allows it.</summary>
    public const string Namespace = "chaos";

    /// <summary>Pods per deployment (the pod_fault diagnosis compares a pod with its peers).</summary>
    public const int PodsPerDeployment = 4;

    private readonly FakeKubernetesApiServer _server;
    private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);

    private ChaosCluster(FakeKubernetesApiServer server) => _server = server;

    /// <summary>The fake API server.</summary>
    public FakeKubernetesApiServer Server => _server;

    /// <summary>Starts the server with <paramref name="deployments"/> deployments named <see cref="Deployment"/>.</summary>
    public static async Task<ChaosCluster> StartAsync(int deployments)
    {
        var cluster = new ChaosCluster(await FakeKubernetesApiServer.StartAsync());
        for (var d = 0; d < deployments; d++)
            cluster.AddDeployment(Namespace, Deployment(d), Enumerable.Range(0, PodsPerDeployment).Select(p => Node(d, p)).ToList());
        return cluster;
    }

    /// <summary>The pods of the first <paramref name="deployments"/> chaos deployments, as <see cref="StartAsync"/> seeds them.</summary>
    public static IReadOnlyList<ChaosPod> DefaultPods(int deployments) =>
        [.. from d in Enumerable.Range(0, deployments)
            from p in Enumerable.Range(0, PodsPerDeployment)
            select new ChaosPod(Namespace, Deployment(d), p, Pod(d, p), Node(d, p), (d * 101) + p)];

    /// <summary>
    /// Seeds deployment <paramref name="name"/> in <paramref name="ns"/> (pod → ReplicaSet → Deployment owner chain) with
    /// one pod per entry of <paramref name="nodes"/>, pod <c>p</c> on <c>nodes[p]</c> (nodes are created as needed);
    /// <paramref name="seed"/> offsets the noise of its series. Returns its pods.
    /// </summary>
    public IReadOnlyList<ChaosPod> AddDeployment(string ns, string name, IReadOnlyList<string> nodes, int seed = 0)
    {
        _server.Add("apps", "deployments", KubernetesObjects.Deployment(ns, name, nodes.Count));
        _server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(ns, name + "-rs", name));
        var pods = new List<ChaosPod>();
        for (var p = 0; p < nodes.Count; p++)
        {
            if (_nodes.Add(nodes[p]))
                _server.Add(string.Empty, "nodes", KubernetesObjects.Node(nodes[p]));
            var pod = new ChaosPod(ns, name, p, PodName(name, p), nodes[p], seed + p);
            AddPod(pod);
            pods.Add(pod);
        }

        return pods;
    }

    /// <summary>Stores <paramref name="pod"/> (again, after an eviction: its ReplicaSet's replacement, under the same name).
    /// Its label <c>app</c> names its deployment, as the deployment's template does: the cluster view's service of the pod,
    /// whose peers the diagnosis compares it with.</summary>
    public void AddPod(ChaosPod pod) =>
        _server.Add(string.Empty, "pods", KubernetesObjects.Pod(pod.Namespace, pod.Pod, pod.Node, new Dictionary<string, string> { ["app"] = pod.Deployment }, ownerReplicaSet: pod.Deployment + "-rs"));

    /// <summary>Nodes of the cluster (the cordon-limit guard's share is of these).</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Name of deployment <paramref name="d"/>.</summary>
    public static string Deployment(int d) => string.Create(CultureInfo.InvariantCulture, $"svc-{d:00}");

    /// <summary>Name of pod <paramref name="p"/> of deployment <paramref name="d"/>.</summary>
    public static string Pod(int d, int p) => PodName(Deployment(d), p);

    /// <summary>Name of pod <paramref name="p"/> of deployment <paramref name="deployment"/>.</summary>
    public static string PodName(string deployment, int p) => string.Create(CultureInfo.InvariantCulture, $"{deployment}-rs-p{p}");

    /// <summary>Name of the node pod <paramref name="p"/> of deployment <paramref name="d"/> runs on.</summary>
    public static string Node(int d, int p) => string.Create(CultureInfo.InvariantCulture, $"node-{d:00}-{p}");

    /// <summary>Writes a kubeconfig for this server whose bearer token is <paramref name="identity"/>, so the server tells the children apart.</summary>
    public string WriteKubeconfig(string directory, string identity)
    {
        var path = Path.Combine(directory, $"kubeconfig-{identity}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: chaos
              cluster:
                server: {_server.BaseAddress.ToString().TrimEnd('/')}
            users:
            - name: {identity}
              user:
                token: {identity}
            contexts:
            - name: chaos
              context:
                cluster: chaos
                user: {identity}
            current-context: chaos

            """);
        return path;
    }

    /// <summary>The writes to workloads (not Leases) applied so far, from <paramref name="skip"/> on.</summary>
    public IReadOnlyList<ApiWrite> ActionWrites(int skip = 0) =>
        _server.Writes.Skip(skip).Where(w => w.Request.Resource != "leases").ToList();

    /// <summary>How many writes the server has applied so far (Leases included): a mark for <see cref="ActionWrites"/>.</summary>
    public int WriteCount => _server.Writes.Count;

    /// <summary>The idempotency key a write carried (<see cref="FinScaleAnnotations.IdempotencyKey"/>), or its target when it
    /// carried none (an eviction: pods carry no key, see <see cref="EvictionKey"/>).</summary>
    public static string KeyOf(ApiWrite write)
    {
        if (write.Request.Subresource == "eviction")
            return EvictionKey(write.Request.Namespace ?? string.Empty, write.Request.Name ?? string.Empty);
        try
        {
            if (JsonNode.Parse(write.Body)?["metadata"]?["annotations"]?[FinScaleAnnotations.IdempotencyKey]?.GetValue<string>() is { } key)
                return key;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: counted by its target.
        }

        return $"(no key) {write.Request.Method} {write.Request.Resource}/{write.Request.Subresource} {write.Request.Namespace}/{write.Request.Name}";
    }

    /// <summary>What an eviction of pod <paramref name="ns"/>/<paramref name="pod"/> is counted by: pods carry no idempotency
    /// key (an evicted pod is gone or terminating, which the read before an eviction reports), so the pod stands for it.</summary>
    public static string EvictionKey(string ns, string pod) => $"(no key) POST pods/eviction {ns}/{pod}";

    /// <summary>Identity of the current holder of Lease <paramref name="name"/> in <see cref="Namespace"/>, or null.</summary>
    public string? LeaseHolder(string name) =>
        _server.Get("coordination.k8s.io", "leases", Namespace, name)?["spec"]?["holderIdentity"]?.GetValue<string>();

    /// <summary>The <c>spec.renewTime</c> of Lease <paramref name="name"/> in <see cref="Namespace"/> (the holder's last
    /// renewal, as the holder wrote it), or null.</summary>
    public DateTimeOffset? LeaseRenewTime(string name) =>
        _server.Get("coordination.k8s.io", "leases", Namespace, name)?["spec"]?["renewTime"]?.GetValue<string>() is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
