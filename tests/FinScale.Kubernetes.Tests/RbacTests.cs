using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Cluster;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Testing.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace FinScale.Kubernetes.Tests;

/// <summary>Least privilege: every request the executors, the cluster view and leader election make is granted by deploy/rbac/rbac.yaml.</summary>
public sealed class RbacTests : ExecutorTestBase
{
    private sealed record Grant(string Kind, string Group, string Resource, string Verb, IReadOnlyList<string>? ResourceNames);

    private static List<Grant> LoadGrants()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "rbac.yaml");
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        var grants = new List<Grant>();
        foreach (var doc in stream.Documents)
        {
            var root = (YamlMappingNode)doc.RootNode;
            var kind = ((YamlScalarNode)root["kind"]).Value!;
            if (kind is not ("ClusterRole" or "Role"))
            {
                continue;
            }

            foreach (YamlMappingNode rule in (YamlSequenceNode)root["rules"])
            {
                static IEnumerable<string> List(YamlMappingNode m, string key) =>
                    ((YamlSequenceNode)m[key]).Children.Select(n => ((YamlScalarNode)n).Value ?? string.Empty);
                var names = rule.Children.ContainsKey("resourceNames") ? List(rule, "resourceNames").ToList() : null;
                foreach (var g in List(rule, "apiGroups"))
                {
                    foreach (var r in List(rule, "resources"))
                    {
                        foreach (var v in List(rule, "verbs"))
                        {
                            grants.Add(new Grant(kind, g, r, v, names));
                        }
                    }
                }
            }
        }

        return grants;
    }

    private static bool Granted(IReadOnlyCollection<Grant> grants, ApiRequest r) => grants.Any(g =>
        (g.Group == "*" || g.Group == r.Group)
        && (g.Resource == "*" || g.Resource == r.RbacResource)
        && (g.Verb == "*" || g.Verb == r.Verb)
        && (g.ResourceNames is null || (r.Name is not null && g.ResourceNames.Contains(r.Name)))
        // Leases are granted by the namespaced Role only; everything else by the ClusterRole.
        && (r.Resource != "leases" || g.Kind == "Role"));

    [Fact]
    public void RbacYaml_GrantsNoWildcardsAndNoDelete()
    {
        var grants = LoadGrants();

        Assert.NotEmpty(grants);
        Assert.DoesNotContain(grants, g => g.Group == "*" || g.Resource == "*" || g.Verb == "*");
        Assert.DoesNotContain(grants, g => g.Verb is "delete" or "deletecollection" or "escalate" or "bind" or "impersonate");
    }

    [Fact]
    public async Task EveryRequestTheExecutorsMake_IsGrantedByRbacYaml()
    {
        // A tour of every executor path (and leader election), so the check does not depend on test order;
        // requests recorded by the other tests in this run are checked too.
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "p1"));
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 2));
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        Server.Add("networking.istio.io", "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout"));
        Server.Add("networking.istio.io", "destinationrules", KubernetesObjects.DestinationRule(Ns, "checkout", "checkout", new Dictionary<string, string> { ["stable"] = "v1", ["canary"] = "v2" }));
        Server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(Ns, "checkout-7f9c", "checkout"));

        // The cluster view, across all namespaces and limited to some.
        var allNamespaces = FastOptions();
        var someNamespaces = FastOptions();
        someNamespaces.ClusterView.Namespaces.Add(Ns);
        foreach (var options in new[] { allNamespaces, someNamespaces })
        {
            Assert.True(await new ClusterViewSource(Client, Microsoft.Extensions.Options.Options.Create(options), Time).RefreshAsync(CancellationToken.None));
        }

        var service = new KubernetesActionService(Client, Microsoft.Extensions.Options.Options.Create(FastOptions()), Time);
        KubernetesAction[] tour =
        [
            new EvictPod(Ns, "p1", "d", "r"),
            new RestartDeployment(Ns, "checkout", "d", "r"),
            new ScaleDeployment(Ns, "checkout", 4, "d", "r"),
            new CordonNode("node-a", "d", "r"),
            new UncordonNode("node-a", "d", "r"),
            new ShiftTraffic(Ns, "checkout", new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }, "d", "r"),
        ];
        foreach (var action in tour)
        {
            var outcome = await service.ExecuteAsync(action, ExecutionMode.Enforce, CancellationToken.None);
            Assert.Equal(ActionStatus.Executed, outcome.Status);
        }

        using (var candidate = new LeaderElectionService(Client, new LeaderElectionOptions
        {
            LeaseNamespace = Ns,
            Identity = "rbac-tour",
            LeaseDuration = TimeSpan.FromSeconds(1),
            RenewDeadline = TimeSpan.FromMilliseconds(700),
            RetryPeriod = TimeSpan.FromMilliseconds(100),
        }))
        using (var cts = new CancellationTokenSource())
        {
            var run = candidate.RunAsync(cts.Token);
            while (Server.Requests.Count(r => r.Resource == "leases" && r.Verb == "update") == 0)
            {
                await Task.Delay(25);
            }

            await cts.CancelAsync();
            await run;
        }

        var grants = LoadGrants();
        var observed = FakeKubernetesApiServer.AllRequests
            .Select(r => (r.Verb, r.Group, Resource: r.RbacResource))
            .Distinct()
            .ToList();
        var notGranted = FakeKubernetesApiServer.AllRequests.Where(r => !Granted(grants, r))
            .Select(r => $"{r.Verb} {r.Group}/{r.RbacResource}")
            .Distinct()
            .ToList();

        Assert.True(notGranted.Count == 0, "not granted by deploy/rbac/rbac.yaml: " + string.Join(", ", notGranted));
        foreach (var expected in new[] { ("create", "", "pods/eviction"), ("patch", "apps", "deployments/scale"), ("patch", "networking.istio.io", "virtualservices"), ("update", "coordination.k8s.io", "leases"), ("patch", "", "nodes"), ("list", "", "pods"), ("list", "apps", "replicasets"), ("list", "networking.istio.io", "destinationrules") })
        {
            Assert.Contains(expected, observed);
        }

        // And nothing granted goes unused: least privilege, not just enough privilege.
        var unused = grants.Where(g => !FakeKubernetesApiServer.AllRequests.Any(r => r.Verb == g.Verb && r.Group == g.Group && r.RbacResource == g.Resource && (g.ResourceNames is null || g.ResourceNames.Contains(r.Name!)))).ToList();
        Assert.True(unused.Count == 0, "granted but never used: " + string.Join(", ", unused));
    }
}
