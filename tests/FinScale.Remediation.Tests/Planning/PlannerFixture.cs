using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Tests.Planning;

/// <summary>Builders for planner tests: a small cluster, findings and a policy with every guard in reach.</summary>
internal static class PlannerFixture
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public static GuardSettings GuardLimits(
        TimeSpan? cooldown = null,
        int rate = 100,
        double share = 0.25,
        int maxNodes = 2,
        double nodeShare = 0.5,
        IReadOnlyList<FreezeWindow>? freezes = null,
        IReadOnlyList<string>? namespaces = null) =>
        new(cooldown ?? TimeSpan.FromMinutes(15), new RateLimit(rate, TimeSpan.FromMinutes(10)), share, maxNodes, nodeShare,
            TimeSpan.FromMinutes(5), namespaces ?? ["payments"], freezes ?? []);

    public static PolicyRule Rule(FindingKind finding, ActionKind action, string? name = null, ActionParameters? parameters = null) =>
        new(name ?? $"{finding}-{action}", finding, action, 0, 1, [], [], parameters ?? new ActionParameters());

    public static RemediationPolicyDocument PolicyWith(GuardSettings? guards = null, ExecutionMode mode = ExecutionMode.Shadow, params PolicyRule[] rules) =>
        new(rules.Length > 0 ? rules : DefaultRules(), new ModeSettings(mode, new Dictionary<ActionKind, ExecutionMode>()), guards ?? GuardLimits());

    public static PolicyRule[] DefaultRules() =>
    [
        Rule(FindingKind.PodFault, ActionKind.RestartPod, "restart-pod"),
        Rule(FindingKind.NodeFault, ActionKind.CordonNode, "cordon-node"),
        Rule(FindingKind.CanaryRegression, ActionKind.ShiftTraffic, "rollback-canary"),
        Rule(FindingKind.TrafficSurge, ActionKind.Scale, "scale-out", new ActionParameters(ScaleFactor: 1.5, MinAdded: 1, MaxReplicas: 10)),
        Rule(FindingKind.ServiceFault, ActionKind.None, "record-service-fault"),
    ];

    /// <summary>Deployment <c>payments/api</c> with <paramref name="pods"/> pods spread over <paramref name="nodes"/> nodes, and a canary VirtualService.</summary>
    public static ClusterView ClusterOf(int pods = 8, int nodes = 4, Func<int, IReadOnlyDictionary<string, string>>? podAnnotations = null, IEnumerable<NodeInfo>? nodeInfos = null)
    {
        var podList = Enumerable.Range(0, pods).Select(i => new PodInfo("payments", $"api-{i}", $"node-{i % nodes}", "api", "api", "v1", true, podAnnotations?.Invoke(i) ?? None));
        var nodeList = nodeInfos ?? Enumerable.Range(0, nodes).Select(i => new NodeInfo($"node-{i}", false, None));
        return new ClusterView(
            podList,
            nodeList,
            [new WorkloadInfo("payments", "api", "api", pods, None)],
            [new VirtualServiceInfo("payments", "api", "api", [new SubsetRoute("stable", "v1", 90), new SubsetRoute("canary", "v2", 10)], None)]);
    }

    public static Anomaly Anomaly(string pod, DateTimeOffset at, string metric = "http.server.request.duration.p99", string? id = null)
    {
        var attrs = new Dictionary<string, string>
        {
            [WellKnownAttributes.Namespace] = "payments",
            [WellKnownAttributes.PodName] = pod,
            [WellKnownAttributes.ServiceName] = "api",
        };
        return new Anomaly(id ?? $"a-{pod}-{at.ToUnixTimeSeconds()}", SeriesKey.Create(metric, attrs).Text, metric, attrs, at, 900, 100, 0.99, 12, "ensemble");
    }

    public static Finding PodFault(DateTimeOffset at, params string[] pods) =>
        new(FindingKind.PodFault, "payments", "api", "api", pods, null, null, [], [.. pods.Select(p => Anomaly(p, at))], $"pods {string.Join(", ", pods)} misbehave");

    public static Finding NodeFault(DateTimeOffset at, string node, params string[] pods) =>
        new(FindingKind.NodeFault, "payments", null, null, pods, node, null, [], [.. pods.Select(p => Anomaly(p, at))], $"pods on {node} misbehave");

    public static Finding Canary(DateTimeOffset at) =>
        new(FindingKind.CanaryRegression, "payments", "api", "api", ["api-7"], null, new CanaryRoute("api", "canary", "stable", "v2"), [], [Anomaly("api-7", at)], "only v2 misbehaves");

    public static Finding Surge(DateTimeOffset at) =>
        new(FindingKind.TrafficSurge, "payments", "api", "api", ["api-0", "api-1"], null, null, [], [Anomaly("api-0", at, "http.server.request.duration.rate")], "load rose on every pod");

    /// <summary>Every series reported at <paramref name="at"/>.</summary>
    public static ISeriesLiveness AllLive(DateTimeOffset at) => new FixedLiveness(_ => at);

    public sealed class FixedLiveness(Func<string, DateTimeOffset?> lastSeen) : ISeriesLiveness
    {
        public DateTimeOffset? LastSeen(string series) => lastSeen(series);
    }
}
