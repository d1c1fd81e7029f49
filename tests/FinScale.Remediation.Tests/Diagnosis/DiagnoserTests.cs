using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Tests.Diagnosis;

public class DiagnoserTests
{
    private static readonly DateTimeOffset Now = DiagnosisCase.Now;
    private static readonly Dictionary<string, string> None = [];

    private static Anomaly Pod(string id, string pod, string metric = "http.server.request.duration.p99", double z = 8, int secondsAgo = 120, string ns = "payments")
    {
        var attrs = new Dictionary<string, string> { [WellKnownAttributes.Namespace] = ns, [WellKnownAttributes.PodName] = pod };
        return new Anomaly(id, SeriesKey.Create(metric, attrs).Text, metric, attrs, Now.AddSeconds(-secondsAgo), 800, 100, 0.99, z, "robust-zscore");
    }

    private static ClusterView Api(int pods, Func<int, string>? nodeOf = null) => new(
        Enumerable.Range(1, pods).Select(i => new PodInfo("payments", $"api-{i}", nodeOf?.Invoke(i) ?? $"node-{i}", "api", "api", "v1", true, None)),
        Enumerable.Range(1, pods).Select(i => new NodeInfo($"node-{i}", false, None)),
        [new WorkloadInfo("payments", "api", "api", pods, None)]);

    [Fact]
    public void Diagnose_EmptyWindow_ReturnsNoFindings() =>
        Assert.Empty(Diagnoser.Diagnose([], Api(3), new DiagnosisOptions(), Now));

    [Fact]
    public void Diagnose_OnePodOfTwoAnomalous_IsPodFaultNotServiceFault()
    {
        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-1")], Api(2), new DiagnosisOptions(), Now));
        Assert.Equal(FindingKind.PodFault, f.Kind);
        Assert.Equal(["api-1"], f.Pods);
        Assert.Equal("api", f.Workload);
    }

    [Fact]
    public void Diagnose_TwoPodsOnOneNode_NodeFaultWinsOverPodFault()
    {
        var cluster = Api(6, i => i <= 2 ? "node-1" : $"node-{i}");
        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-1"), Pod("b", "api-2")], cluster, new DiagnosisOptions(), Now));
        Assert.Equal(FindingKind.NodeFault, f.Kind);
        Assert.Equal("node-1", f.Node);
        Assert.Equal(["payments/api-1", "payments/api-2"], f.Pods);
    }

    [Fact]
    public void Diagnose_MinPodsForNodeFaultRaised_FallsBackToPodFault()
    {
        var cluster = Api(6, i => i <= 2 ? "node-1" : $"node-{i}");
        var options = new DiagnosisOptions { MinPodsForNodeFault = 3 };
        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-1"), Pod("b", "api-2")], cluster, options, Now));
        Assert.Equal(FindingKind.PodFault, f.Kind);
    }

    [Fact]
    public void Diagnose_PodNodeInViewAndAttributes_ViewWins()
    {
        // The view's node wins over the series' attribute.
        var a = Pod("a", "api-1") with
        {
            Attributes = new Dictionary<string, string>
            {
                [WellKnownAttributes.Namespace] = "payments",
                [WellKnownAttributes.PodName] = "api-1",
                [WellKnownAttributes.NodeName] = "node-9",
            },
        };
        var f = Assert.Single(Diagnoser.Diagnose([a], Api(4), new DiagnosisOptions(), Now));
        Assert.Equal(FindingKind.PodFault, f.Kind);
        Assert.Contains("node-1", f.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_AnomalyWithNullAttributesOrMetric_IsUnattributedWithoutThrowing()
    {
        var a = new Anomaly("a", "s", null!, null!, Now, 1, 0, 1, 5, "d");
        var f = Assert.Single(Diagnoser.Diagnose([a, null!], Api(2), new DiagnosisOptions(), Now));
        Assert.Equal(FindingKind.Unattributed, f.Kind);
        Assert.Contains("names no pod", f.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_DuplicateAnomalyIds_CountOnce()
    {
        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-1"), Pod("a", "api-1")], Api(4), new DiagnosisOptions(), Now));
        Assert.Single(f.Anomalies);
    }

    [Fact]
    public void Diagnose_AnomalyOlderThanMaxAge_IsNotDiagnosed()
    {
        var options = new DiagnosisOptions { MaxAnomalyAge = TimeSpan.FromMinutes(5) };
        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-1", secondsAgo: 600)], Api(4), options, Now));
        Assert.Equal(FindingKind.Unattributed, f.Kind);
        Assert.Contains("too old", f.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_SameInput_GivesSameFindingIds()
    {
        Anomaly[] window = [Pod("a", "api-1"), Pod("b", "api-3", "http.server.error_ratio")];
        var first = Diagnoser.Diagnose(window, Api(6), new DiagnosisOptions(), Now).Select(f => f.FindingId);
        var second = Diagnoser.Diagnose([.. window.Reverse()], Api(6), new DiagnosisOptions(), Now).Select(f => f.FindingId);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Diagnose_CanaryWithTiedWeights_StableIsFirstSubsetByName()
    {
        var pods = new[]
        {
            new PodInfo("payments", "api-1", "node-1", "api", "api", "v1", true, None),
            new PodInfo("payments", "api-2", "node-2", "api-b", "api", "v2", true, None),
        };
        var vs = new VirtualServiceInfo("payments", "api", "api", [new SubsetRoute("blue", "v1", 50), new SubsetRoute("green", "v2", 50)], None);
        var cluster = new ClusterView(pods, [new NodeInfo("node-1", false, None), new NodeInfo("node-2", false, None)], [], [vs]);

        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-2")], cluster, new DiagnosisOptions(), Now));

        Assert.Equal(FindingKind.CanaryRegression, f.Kind);
        Assert.Equal(new CanaryRoute("api", "green", "blue", "v2"), f.Canary);
    }

    [Fact]
    public void Diagnose_StableVersionOnlyAnomalous_IsNotCanaryRegression()
    {
        var pods = new[]
        {
            new PodInfo("payments", "api-1", "node-1", "api", "api", "v1", true, None),
            new PodInfo("payments", "api-2", "node-2", "api", "api", "v1", true, None),
            new PodInfo("payments", "api-3", "node-3", "api", "api", "v1", true, None),
            new PodInfo("payments", "api-c", "node-2", "api-c", "api", "v2", true, None),
        };
        var vs = new VirtualServiceInfo("payments", "api", "api", [new SubsetRoute("stable", "v1", 90), new SubsetRoute("canary", "v2", 10)], None);
        var cluster = new ClusterView(pods, [new NodeInfo("node-1", false, None), new NodeInfo("node-2", false, None), new NodeInfo("node-3", false, None)], [], [vs]);

        var f = Assert.Single(Diagnoser.Diagnose([Pod("a", "api-1")], cluster, new DiagnosisOptions(), Now));

        Assert.Equal(FindingKind.PodFault, f.Kind);
        Assert.Null(f.Canary);
    }

    [Fact]
    public void Diagnose_NowAtMinValue_DoesNotThrow()
    {
        var a = Pod("a", "api-1") with { EventTime = DateTimeOffset.MinValue };
        var f = Assert.Single(Diagnoser.Diagnose([a], Api(4), new DiagnosisOptions(), DateTimeOffset.MinValue));
        Assert.Equal(FindingKind.PodFault, f.Kind);
    }

    [Fact]
    public void Diagnose_PodWithoutNamespaceUniqueInView_IsPlaced()
    {
        var attrs = new Dictionary<string, string> { [WellKnownAttributes.PodName] = "api-2" };
        var a = new Anomaly("a", "s", "http.server.request.duration.p99", attrs, Now, 800, 100, 1, 8, "d");
        var f = Assert.Single(Diagnoser.Diagnose([a], Api(4), new DiagnosisOptions(), Now));
        Assert.Equal(FindingKind.PodFault, f.Kind);
        Assert.Equal("payments", f.Namespace);
    }

    [Fact]
    public void Diagnose_ServiceGraphEdgeOnly_CalleeGetsFindingWithClientAsCaller()
    {
        var attrs = new Dictionary<string, string> { ["client"] = "checkout", ["server"] = "api", ["server.k8s.namespace.name"] = "payments" };
        var a = new Anomaly("a", "s", "traces.service_graph.request.failed", attrs, Now, 5, 0, 1, 9, "d");
        var f = Assert.Single(Diagnoser.Diagnose([a], Api(4), new DiagnosisOptions(), Now));
        Assert.Equal(FindingKind.ServiceFault, f.Kind);
        Assert.Equal("api", f.Service);
        Assert.Equal(["checkout"], f.AffectedCallers);
    }
}
