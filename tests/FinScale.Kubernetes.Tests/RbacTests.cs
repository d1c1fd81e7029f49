using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Cluster;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Testing.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace FinScale.Kubernetes.Tests;

/// <summary>Least privilege: every request the executors, the cluster view and leader election make is granted by
/// deploy/rbac/rbac.yaml's roles through the bindings an API overlay renders (rbac.yaml's own, and the overlay's
/// namespace-rolebindings.yaml), in the namespace the request is made in: a RoleBinding grants only in its namespace,
/// a ClusterRoleBinding everywhere, and a cluster-scoped request (nodes, a list across all namespaces) needs the latter.</summary>
public sealed class RbacTests : ExecutorTestBase
{
    /// <summary>finscale's own namespace in the dry-run and enforce overlays (their app/kustomization.yaml): where the
    /// namespace-less RoleBinding of rbac.yaml (the leader-election Lease) lands, and where the Lease is.</summary>
    private const string OwnNamespace = "finscale";

    /// <summary>The overlays that render RBAC, each with its per-namespace RoleBindings (copied next to the tests).</summary>
    public static TheoryData<string> ApiOverlays => new() { "dry-run", "enforce" };

    private sealed record Grant(string RoleKind, string Role, string Group, string Resource, string Verb, IReadOnlyList<string>? ResourceNames);

    private sealed record Binding(string Kind, string Name, string Namespace, string RoleKind, string Role);

    private sealed record Rbac(IReadOnlyList<Grant> Grants, IReadOnlyList<Binding> Bindings);

    private static IEnumerable<YamlMappingNode> Documents(string relativePath)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, relativePath)))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>();
    }

    private static string Scalar(YamlMappingNode m, string key) => ((YamlScalarNode)m[key]).Value ?? string.Empty;

    private static string? Optional(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var n) ? ((YamlScalarNode)n).Value : null;

    /// <summary>rbac.yaml's roles and bindings plus the overlay's per-namespace RoleBindings; null: rbac.yaml alone.</summary>
    private static Rbac Load(string? overlay)
    {
        var docs = Documents("rbac.yaml").ToList();
        if (overlay is not null)
        {
            docs.AddRange(Documents(Path.Combine("rbac", overlay, "namespace-rolebindings.yaml")));
        }

        var grants = new List<Grant>();
        var bindings = new List<Binding>();
        foreach (var root in docs)
        {
            var kind = Scalar(root, "kind");
            var metadata = (YamlMappingNode)root["metadata"];
            if (kind is "RoleBinding" or "ClusterRoleBinding")
            {
                var roleRef = (YamlMappingNode)root["roleRef"];
                // rbac.yaml's bindings are namespace-less: the overlay's namespace (finscale's own) is theirs.
                bindings.Add(new Binding(kind, Scalar(metadata, "name"), Optional(metadata, "namespace") ?? OwnNamespace, Scalar(roleRef, "kind"), Scalar(roleRef, "name")));
                continue;
            }

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
                            grants.Add(new Grant(kind, Scalar(metadata, "name"), g, r, v, names));
                        }
                    }
                }
            }
        }

        return new Rbac(grants, bindings);
    }

    private static bool Matches(Grant g, ApiRequest r) =>
        (g.Group == "*" || g.Group == r.Group)
        && (g.Resource == "*" || g.Resource == r.RbacResource)
        && (g.Verb == "*" || g.Verb == r.Verb)
        && (g.ResourceNames is null || (r.Name is not null && g.ResourceNames.Contains(r.Name)));

    /// <summary>As the API server decides: some binding that applies where the request is made refers to a role with a
    /// matching rule. A ClusterRoleBinding applies everywhere; a RoleBinding only to requests in its own namespace (so
    /// never to a cluster-scoped one, whose namespace is null).</summary>
    private static bool Granted(Rbac rbac, ApiRequest r) => rbac.Bindings.Any(b =>
        (b.Kind == "ClusterRoleBinding" || (r.Namespace is not null && r.Namespace == b.Namespace))
        && rbac.Grants.Any(g => g.RoleKind == b.RoleKind && g.Role == b.Role && Matches(g, r)));

    private static ApiRequest Request(string verb, string group, string resource, string? subresource, string? ns, string? name = "x") =>
        new(verb == "create" ? "POST" : verb == "patch" ? "PATCH" : "GET", verb, group, "v1", resource, subresource, ns, name, DryRun: false, ContentType: null);

    [Fact]
    public void RbacYaml_GrantsNoWildcardsAndNoDelete()
    {
        var grants = Load(null).Grants;

        Assert.NotEmpty(grants);
        Assert.DoesNotContain(grants, g => g.Group == "*" || g.Resource == "*" || g.Verb == "*");
        Assert.DoesNotContain(grants, g => g.Verb is "delete" or "deletecollection" or "escalate" or "bind" or "impersonate");
    }

    [Theory]
    [MemberData(nameof(ApiOverlays))]
    public void NamespacedReadsAndWrites_AreGrantedOnlyInTheAllowedNamespaces(string overlay)
    {
        var rbac = Load(overlay);

        // finscale-executor (the namespaced writes) and finscale-namespace-view (the cluster view's namespaced lists) are
        // bound by RoleBindings only, never cluster-wide.
        foreach (var role in new[] { "finscale-executor", "finscale-namespace-view" })
        {
            Assert.DoesNotContain(rbac.Bindings, b => b.Kind == "ClusterRoleBinding" && b.Role == role);
            var boundIn = rbac.Bindings.Where(b => b.Kind == "RoleBinding" && b.Role == role).Select(b => b.Namespace).ToList();
            Assert.Equal([Ns], boundIn); // the overlays' policy.yaml allows payments (validate-deploy checks the two agree)
        }

        // The writes and the view's lists: granted in the allowed namespace, refused in any other.
        ApiRequest[] namespaced =
        [
            Request("list", "", "pods", null, Ns),
            Request("list", "apps", "deployments", null, Ns),
            Request("list", "apps", "replicasets", null, Ns),
            Request("list", "networking.istio.io", "virtualservices", null, Ns),
            Request("list", "networking.istio.io", "destinationrules", null, Ns),
            Request("get", "", "pods", null, Ns),
            Request("create", "", "pods", "eviction", Ns),
            Request("patch", "apps", "deployments", null, Ns),
            Request("patch", "apps", "deployments", "scale", Ns),
            Request("patch", "networking.istio.io", "virtualservices", null, Ns),
        ];
        foreach (var request in namespaced)
        {
            Assert.True(Granted(rbac, request), $"{request.Verb} {request.RbacResource} in {Ns} is not granted");
            var elsewhere = request with { Namespace = "kube-system" };
            Assert.False(Granted(rbac, elsewhere), $"{request.Verb} {request.RbacResource} in kube-system is granted");
            Assert.False(Granted(rbac, request with { Namespace = OwnNamespace }), $"{request.Verb} {request.RbacResource} in finscale's own namespace is granted");
        }

        // Cordon is cluster-scoped (nodes): the ClusterRoleBinding of finscale-node-executor, and nothing more.
        Assert.True(Granted(rbac, Request("patch", "", "nodes", null, null, "node-a")));
        Assert.Contains(rbac.Bindings, b => b.Kind == "ClusterRoleBinding" && b.Role == "finscale-node-executor");
        Assert.All(rbac.Grants.Where(g => g.Role == "finscale-node-executor"), g => Assert.Equal("nodes", g.Resource));

        // The cluster view lists nodes (cluster-scoped) but nothing else across all namespaces: the overlays must set
        // Kubernetes:ClusterView:Namespaces (validate-deploy checks it is the allow-list). The Lease only in finscale's namespace.
        Assert.True(Granted(rbac, Request("list", "", "nodes", null, null)));
        Assert.False(Granted(rbac, Request("list", "", "pods", null, null)));
        Assert.False(Granted(rbac, Request("list", "apps", "deployments", null, null)));
        Assert.True(Granted(rbac, Request("update", "coordination.k8s.io", "leases", null, OwnNamespace, "finscale-leader")));
        Assert.False(Granted(rbac, Request("update", "coordination.k8s.io", "leases", null, Ns, "finscale-leader")));
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

        // The cluster view limited to the allowed namespace, as the dry-run and enforce overlays configure it
        // (Kubernetes:ClusterView:Namespaces): RBAC grants its namespaced lists nowhere else.
        var someNamespaces = FastOptions();
        someNamespaces.ClusterView.Namespaces.Add(Ns);
        Assert.True(await new ClusterViewSource(Client, Microsoft.Extensions.Options.Options.Create(someNamespaces), Time).RefreshAsync(CancellationToken.None));

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
            LeaseNamespace = OwnNamespace,
            Identity = "rbac-tour",
            LeaseDuration = TimeSpan.FromSeconds(1),
            RenewDeadline = TimeSpan.FromMilliseconds(700),
            RetryPeriod = TimeSpan.FromMilliseconds(100),
        }))
        using (var cts = new CancellationTokenSource())
        {
            var run = candidate.RunAsync(cts.Token);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (Server.Requests.Count(r => r.Resource == "leases" && r.Verb == "update") == 0)
            {
                // A deadline and the candidate's own failure end the wait: without them a candidate that never renews
                // would hang the test run rather than fail this test.
                if (run.IsCompleted)
                    await run;
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the candidate never updated its lease");
                await Task.Delay(25);
            }

            await cts.CancelAsync();
            await run;
        }

        // This test's own requests, namespace by namespace, as each API overlay binds the roles.
        foreach (var overlay in new[] { "dry-run", "enforce" })
        {
            var rbac = Load(overlay);
            var refused = Server.Requests.Where(r => !Granted(rbac, r))
                .Select(r => $"{r.Verb} {r.Group}/{r.RbacResource} in {r.Namespace ?? "(cluster)"}")
                .Distinct()
                .ToList();
            Assert.True(refused.Count == 0, $"not granted by deploy/rbac/rbac.yaml and deploy/overlays/{overlay}'s bindings: " + string.Join(", ", refused));
        }

        // Every request of every test in this run (other tests use other namespaces): some bound role has the rule.
        var grants = Load("enforce").Grants;
        var observed = FakeKubernetesApiServer.AllRequests
            .Select(r => (r.Verb, r.Group, Resource: r.RbacResource))
            .Distinct()
            .ToList();
        var notGranted = FakeKubernetesApiServer.AllRequests.Where(r => !grants.Any(g => Matches(g, r)))
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
