using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;
using static FinScale.Remediation.Tests.Planning.PlannerFixture;

namespace FinScale.Remediation.Tests.Planning;

/// <summary>
/// Storms through diagnosis and the guards together: what the shipped default policy lets through when everything
/// looks wrong at once, and that the audit names the guard that held the rest back.
/// </summary>
public class StormTests
{
    private static readonly RemediationPolicyDocument Shipped =
        PolicyLoader.Default with { Guards = PolicyLoader.Default.Guards with { AllowedNamespaces = ["payments"], FreezeWindows = [] } };

    /// <summary>Deployment <c>payments/api</c> of <paramref name="pods"/> pods, round robin over <paramref name="nodes"/> nodes, two pods of another workload per node.</summary>
    private static ClusterView Cluster(int pods, int nodes)
    {
        var list = Enumerable.Range(0, pods).Select(i => new PodInfo("payments", $"api-{i}", $"node-{i % nodes}", "api", "api", "v1", true, None))
            .Concat(Enumerable.Range(0, nodes * 2).Select(i => new PodInfo("payments", $"ledger-{i}", $"node-{i % nodes}", "ledger", "ledger", "v1", true, None)));
        return new ClusterView(list, Enumerable.Range(0, nodes).Select(i => new NodeInfo($"node-{i}", false, None)),
            [new WorkloadInfo("payments", "api", "api", pods, None), new WorkloadInfo("payments", "ledger", "ledger", nodes * 2, None)]);
    }

    private static Anomaly Latency(PodInfo pod) =>
        new($"a-{pod.Name}", $"lat{{pod={pod.Name}}}", "http.server.request.duration.p99",
            new Dictionary<string, string>
            {
                [WellKnownAttributes.Namespace] = pod.Namespace,
                [WellKnownAttributes.PodName] = pod.Name,
                [WellKnownAttributes.ServiceName] = pod.Service!,
            },
            T0, 900, 100, 0.99, 12, "ensemble");

    private static IReadOnlyList<PlannedDecision> Decide(ClusterView cluster, IEnumerable<Anomaly> anomalies)
    {
        var findings = Diagnoser.Diagnose([.. anomalies], cluster, new DiagnosisOptions(), T0);
        return RemediationPlanner.Plan(findings, cluster, Shipped, new ActionHistory(), AllLive(T0), T0);
    }

    [Fact]
    public void EveryPodOfAServiceAnomalous_RestartsNothing()
    {
        var cluster = Cluster(pods: 12, nodes: 6);

        var decisions = Decide(cluster, cluster.Pods.Where(p => p.Workload == "api").Select(Latency));

        // Service-wide: no single pod to restart; the default policy records it for a human.
        Assert.DoesNotContain(decisions, d => d.IsActionable);
        Assert.Contains(decisions, d => d.Decision.Finding == "service_fault");
    }

    [Fact]
    public void HalfTheNodesAnomalous_CordonsAtMostTheLimitAndNamesTheGuardForTheRest()
    {
        // 20 nodes, each running the two pods of its own workload; everything on 10 of them misbehaves at once.
        var pods = Enumerable.Range(0, 20).SelectMany(n => Enumerable.Range(0, 2).Select(i => new PodInfo("payments", $"w{n}-{i}", $"node-{n}", $"w{n}", $"w{n}", "v1", true, None))).ToList();
        var cluster = new ClusterView(pods, Enumerable.Range(0, 20).Select(n => new NodeInfo($"node-{n}", false, None)),
            Enumerable.Range(0, 20).Select(n => new WorkloadInfo("payments", $"w{n}", $"w{n}", 2, None)));

        var decisions = Decide(cluster, pods.Where(p => int.Parse(p.Node!["node-".Length..], System.Globalization.CultureInfo.InvariantCulture) < 10).Select(Latency));

        var cordons = decisions.Where(d => d.Decision.Action == ActionKind.CordonNode).ToList();
        Assert.Equal(10, cordons.Count);
        var allowed = Math.Min(Shipped.Guards.MaxCordonedNodes, (int)Math.Floor(Shipped.Guards.MaxCordonedShare * 20));
        Assert.Equal(allowed, cordons.Count(d => d.IsActionable));
        Assert.All(cordons.Where(d => !d.IsActionable), d => Assert.Equal(Guards.CordonLimit, d.Decision.Guard));
        Assert.DoesNotContain(decisions, d => d.IsActionable && d.Decision.Action != ActionKind.CordonNode);
    }

    [Fact]
    public void HalfOfAServicesPodsOverHalfTheNodes_IsServiceWideAndActsOnNothing()
    {
        var cluster = Cluster(pods: 20, nodes: 10);
        var badNodes = new HashSet<string>(Enumerable.Range(0, 5).Select(i => $"node-{i}"));

        var decisions = Decide(cluster, cluster.Pods.Where(p => badNodes.Contains(p.Node!)).Select(Latency));

        Assert.DoesNotContain(decisions, d => d.IsActionable);
    }

    [Fact]
    public void ManyLonePodFaultsAcrossServices_AreCappedByTheRateLimit()
    {
        // 12 services of 4 pods spread over 12 nodes, one slow pod each on its own node: 12 independent pod faults at once.
        var pods = Enumerable.Range(0, 12).SelectMany(s => Enumerable.Range(0, 4).Select(i => new PodInfo("payments", $"svc{s}-{i}", $"node-{(s + (3 * i)) % 12}", $"svc{s}", $"svc{s}", "v1", true, None))).ToList();
        var cluster = new ClusterView(pods, Enumerable.Range(0, 12).Select(i => new NodeInfo($"node-{i}", false, None)),
            Enumerable.Range(0, 12).Select(s => new WorkloadInfo("payments", $"svc{s}", $"svc{s}", 4, None)));

        var decisions = Decide(cluster, pods.Where(p => p.Name.EndsWith("-0", StringComparison.Ordinal)).Select(Latency));

        Assert.Equal(Shipped.Guards.RateLimit.Actions, decisions.Count(d => d.IsActionable));
        Assert.Equal(12 - Shipped.Guards.RateLimit.Actions, decisions.Count(d => d.Decision.Guard == Guards.RateLimit));
    }

    [Fact]
    public void NoAnomalies_DecideNothing()
    {
        Assert.Empty(Decide(Cluster(pods: 8, nodes: 4), []));
    }
}
