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

    private ChaosCluster(FakeKubernetesApiServer server) => _server = server;

    /// <summary>The fake API server.</summary>
    public FakeKubernetesApiServer Server => _server;

    /// <summary>Starts the server with <paramref name="deployments"/> deployments named <see cref="Deployment"/>.</summary>
    public static async Task<ChaosCluster> StartAsync(int deployments)
    {
        var server = await FakeKubernetesApiServer.StartAsync();
        for (var d = 0; d < deployments; d++)
        {
            var name = Deployment(d);
            server.Add("apps", "deployments", KubernetesObjects.Deployment(Namespace, name, PodsPerDeployment));
            server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(Namespace, name + "-rs", name));
            for (var p = 0; p < PodsPerDeployment; p++)
            {
                server.Add(string.Empty, "nodes", KubernetesObjects.Node(Node(d, p)));
                server.Add(string.Empty, "pods", KubernetesObjects.Pod(Namespace, Pod(d, p), Node(d, p), ownerReplicaSet: name + "-rs"));
            }
        }

        return new ChaosCluster(server);
    }

    /// <summary>Name of deployment <paramref name="d"/>.</summary>
    public static string Deployment(int d) => string.Create(CultureInfo.InvariantCulture, $"svc-{d:00}");

    /// <summary>Name of pod <paramref name="p"/> of deployment <paramref name="d"/>.</summary>
    public static string Pod(int d, int p) => string.Create(CultureInfo.InvariantCulture, $"svc-{d:00}-rs-p{p}");

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

    /// <summary>The idempotency key a write carried (<see cref="FinScaleAnnotations.IdempotencyKey"/>), or its target when it carried none.</summary>
    public static string KeyOf(ApiWrite write)
    {
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

    /// <summary>Identity of the current holder of Lease <paramref name="name"/> in <see cref="Namespace"/>, or null.</summary>
    public string? LeaseHolder(string name) =>
        _server.Get("coordination.k8s.io", "leases", Namespace, name)?["spec"]?["holderIdentity"]?.GetValue<string>();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
