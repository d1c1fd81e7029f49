using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;
using static FinScale.Remediation.Tests.Planning.PlannerFixture;

namespace FinScale.Remediation.Tests.Planning;

public class RemediationPlannerTests
{
    private static IReadOnlyList<PlannedDecision> Plan(Finding f, RemediationPolicyDocument? policy = null, ClusterView? cluster = null, ActionHistory? history = null, ISeriesLiveness? live = null, DateTimeOffset? now = null) =>
        RemediationPlanner.Plan([f], cluster ?? ClusterOf(), policy ?? PolicyWith(), history ?? new ActionHistory(), live ?? AllLive(now ?? T0), now ?? T0);

    [Fact]
    public void Plan_PodFault_RecommendsRestartOfThatPodWithRuleAndEvidence()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-3")));

        Assert.True(d.IsActionable);
        Assert.Equal(ActionKind.RestartPod, d.Decision.Action);
        Assert.Equal(new ActionTarget("payments", "Pod", "api-3"), d.Decision.Target);
        Assert.Equal(ExecutionMode.Shadow, d.Decision.Mode);
        Assert.Equal(DecisionOutcome.Recommended, d.Decision.Outcome);
        Assert.Equal("restart-pod", d.Decision.Rule);
        Assert.Equal("pod_fault", d.Decision.Finding);
        Assert.Equal("a-api-3-" + T0.ToUnixTimeSeconds(), Assert.Single(d.Decision.Anomalies).AnomalyId);
        Assert.Null(d.Decision.Guard);
    }

    [Fact]
    public void Plan_SameFindingTwice_SecondIsHeldBackAsDuplicateWithTheSameKey()
    {
        var history = new ActionHistory();
        var first = Assert.Single(Plan(PodFault(T0, "api-3"), history: history));
        var again = Assert.Single(Plan(PodFault(T0, "api-3"), history: history));

        Assert.Equal(first.Decision.IdempotencyKey, again.Decision.IdempotencyKey);
        Assert.Equal(DecisionOutcome.HeldBack, again.Decision.Outcome);
        Assert.Equal(Guards.Duplicate, again.Decision.Guard);
    }

    [Fact]
    public void Plan_NamespaceNotAllowed_IsHeldBackByTheNamespaceGuard()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-3"), PolicyWith(GuardLimits(namespaces: ["checkout"]))));
        Assert.Equal(Guards.Namespace, d.Decision.Guard);
        Assert.False(d.IsActionable);
    }

    [Fact]
    public void Plan_EmptyAllowList_AllowsNothing()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-3"), PolicyWith(GuardLimits(namespaces: []))));
        Assert.Equal(Guards.Namespace, d.Decision.Guard);
        Assert.Contains("allows no namespace", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pod")]
    [InlineData("deployment")]
    [InlineData("node")]
    public void Plan_ProtectedTargetOrOwner_IsHeldBackByTheProtectedGuard(string where)
    {
        var mark = new Dictionary<string, string> { [RemediationPlanner.ProtectedAnnotation] = "true" };
        var cluster = ClusterOf(podAnnotations: i => where == "pod" && i == 3 ? mark : None);
        if (where != "pod")
        {
            cluster = new ClusterView(
                cluster.Pods,
                cluster.Nodes.Select(n => where == "node" && n.Name == "node-3" ? n with { Annotations = mark } : n),
                cluster.Workloads.Select(w => where == "deployment" ? w with { Annotations = mark } : w),
                cluster.VirtualServices);
        }

        var d = Assert.Single(Plan(PodFault(T0, "api-3"), cluster: cluster));
        Assert.Equal(Guards.Protected, d.Decision.Guard);
    }

    [Fact]
    public void Plan_InsideFreezeWindow_IsHeldBackAndOutsideIsNot()
    {
        var freeze = new FreezeWindow("market-open", null, null, [DayOfWeek.Monday], [], new TimeOnly(13, 55), new TimeOnly(14, 10), "UTC");
        var policy = PolicyWith(GuardLimits(freezes: [freeze]));

        var inside = Assert.Single(Plan(PodFault(T0, "api-3"), policy)); // Monday 14:00 UTC
        var outside = Assert.Single(Plan(PodFault(T0.AddMinutes(30), "api-3"), policy, now: T0.AddMinutes(30)));

        Assert.Equal(Guards.FreezeWindow, inside.Decision.Guard);
        Assert.Contains("market-open", inside.Decision.Reason, StringComparison.Ordinal);
        Assert.True(outside.IsActionable);
    }

    [Fact]
    public void Plan_SeriesStoppedReporting_IsHeldBackAsNoData()
    {
        var silentSince = new FixedLiveness(_ => T0.AddMinutes(-20));
        var unknown = new FixedLiveness(_ => null);

        Assert.Equal(Guards.NoData, Assert.Single(Plan(PodFault(T0, "api-3"), live: silentSince)).Decision.Guard);
        Assert.Equal(Guards.NoData, Assert.Single(Plan(PodFault(T0, "api-3"), live: unknown)).Decision.Guard);
        Assert.True(Assert.Single(Plan(PodFault(T0, "api-3"), live: new FixedLiveness(_ => T0.AddMinutes(-1)))).IsActionable);
    }

    [Fact]
    public void Plan_EvidenceOnSeveralSeries_IsNoDataOnlyWhenAllAreSilent_AndLooksNoFurtherThanTheFirstLiveOne()
    {
        var finding = NodeFault(T0, "node-1", "api-1", "api-2", "api-3");
        var looked = new List<string>();
        var oneLive = new FixedLiveness(s =>
        {
            looked.Add(s);
            return s.Contains("api-2", StringComparison.Ordinal) ? T0.AddMinutes(-1) : null;
        });

        var some = Assert.Single(Plan(finding, live: oneLive));
        var none = Assert.Single(Plan(finding, live: new FixedLiveness(_ => null)));

        Assert.NotEqual(Guards.NoData, some.Decision.Guard);
        Assert.Equal(2, looked.Count);
        Assert.Equal(Guards.NoData, none.Decision.Guard);
        Assert.Contains(finding.Anomalies[0].Series, none.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SameTargetWithinCooldown_IsHeldBackAndAfterItActs()
    {
        var history = new ActionHistory();
        Plan(PodFault(T0, "api-3"), history: history);

        var soon = Assert.Single(Plan(PodFault(T0.AddMinutes(5), "api-3"), history: history, now: T0.AddMinutes(5)));
        var later = Assert.Single(Plan(PodFault(T0.AddMinutes(16), "api-3"), history: history, now: T0.AddMinutes(16)));

        Assert.Equal(Guards.Cooldown, soon.Decision.Guard);
        Assert.True(later.IsActionable);
    }

    [Fact]
    public void Plan_MoreActionsThanTheRateLimit_HoldsBackTheRest()
    {
        var policy = PolicyWith(GuardLimits(rate: 2, share: 1));
        var history = new ActionHistory();
        var outcomes = Enumerable.Range(0, 4)
            .Select(i => Assert.Single(Plan(PodFault(T0.AddSeconds(i), $"api-{i}"), policy, history: history, now: T0.AddSeconds(i))).Decision.Guard)
            .ToList();

        Assert.Equal(new string?[] { null, null, Guards.RateLimit, Guards.RateLimit }, outcomes);
    }

    [Fact]
    public void Plan_PodFaultOnManyPods_RestartsOnlyTheAllowedShareOfTheWorkload()
    {
        // 8 pods, share 0.25: two at once.
        var decisions = Plan(PodFault(T0, "api-0", "api-1", "api-2", "api-3"));

        Assert.Equal(4, decisions.Count);
        Assert.Equal(2, decisions.Count(d => d.IsActionable));
        Assert.All(decisions.Where(d => !d.IsActionable), d => Assert.Equal(Guards.WorkloadShare, d.Decision.Guard));
    }

    [Fact]
    public void Plan_SmallWorkload_StillAllowsOnePod()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-0"), cluster: ClusterOf(pods: 2, nodes: 2)));
        Assert.True(d.IsActionable);
    }

    [Fact]
    public void Plan_CordonBeyondTheNodeLimit_IsHeldBack()
    {
        // 4 nodes, share 0.5 → 2; one already cordoned by someone, one by us: the third is refused.
        var nodes = new[] { new NodeInfo("node-0", true, None), new NodeInfo("node-1", false, None), new NodeInfo("node-2", false, None), new NodeInfo("node-3", false, None) };
        var cluster = ClusterOf(nodeInfos: nodes);
        var history = new ActionHistory();

        var first = Assert.Single(Plan(NodeFault(T0, "node-1", "api-1", "api-5"), cluster: cluster, history: history));
        var second = Assert.Single(Plan(NodeFault(T0.AddMinutes(1), "node-2", "api-2", "api-6"), cluster: cluster, history: history, now: T0.AddMinutes(1)));

        Assert.True(first.IsActionable);
        Assert.Equal(new ActionTarget(string.Empty, "Node", "node-1"), first.Decision.Target);
        Assert.Equal(Guards.CordonLimit, second.Decision.Guard);
    }

    /// <summary>A node fault as the diagnosis makes it: no namespace of its own, its pods as namespace/name.</summary>
    private static Finding DiagnosedNodeFault(string node, params (string Namespace, string Pod)[] pods)
    {
        var anomalies = pods.Select(p =>
        {
            var a = Anomaly(p.Pod, T0);
            var attrs = new Dictionary<string, string>(a.Attributes) { [WellKnownAttributes.Namespace] = p.Namespace };
            return a with { Attributes = attrs };
        }).ToList();
        return new Finding(FindingKind.NodeFault, string.Empty, null, null, [.. pods.Select(p => $"{p.Namespace}/{p.Pod}")], node, null, [], anomalies, $"pods on {node} misbehave");
    }

    [Fact]
    public void Plan_CordonForPodsOfANamespaceNotAllowed_IsHeldBackByTheNamespaceGuard()
    {
        var f = DiagnosedNodeFault("node-1", ("payments", "api-1"), ("ledger", "books-0"));

        var d = Assert.Single(Plan(f, PolicyWith(GuardLimits(namespaces: ["payments"]))));

        Assert.Equal(ActionKind.CordonNode, d.Decision.Action);
        Assert.Equal(Guards.Namespace, d.Decision.Guard);
        Assert.Contains("namespace(s) ledger", d.Decision.Reason, StringComparison.Ordinal);
        Assert.False(d.IsActionable);
    }

    [Fact]
    public void Plan_CordonWithAnEmptyAllowList_AllowsNothing()
    {
        var d = Assert.Single(Plan(DiagnosedNodeFault("node-1", ("payments", "api-1"), ("payments", "api-5")), PolicyWith(GuardLimits(namespaces: []))));

        Assert.Equal(Guards.Namespace, d.Decision.Guard);
        Assert.Contains("allows no namespace", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CordonForPodsOfAllowedNamespaces_GoesAhead()
    {
        var f = DiagnosedNodeFault("node-1", ("payments", "api-1"), ("ledger", "books-0"));

        var d = Assert.Single(Plan(f, PolicyWith(GuardLimits(namespaces: ["payments", "ledger"]))));

        Assert.True(d.IsActionable);
        Assert.Equal(new ActionTarget(string.Empty, "Node", "node-1"), d.Decision.Target);
    }

    [Fact]
    public void Plan_CordonShareTighterThanTheNodeCount_HoldsBackAtTheShare()
    {
        // 20 nodes, max_cordoned_nodes 5 but max_cordoned_share 0.1: the share allows 2.
        var cluster = ClusterOf(pods: 40, nodes: 20);
        var history = new ActionHistory();
        var policy = PolicyWith(GuardLimits(maxNodes: 5, nodeShare: 0.1));

        var decided = Enumerable.Range(0, 3)
            .Select(i => Assert.Single(Plan(NodeFault(T0.AddMinutes(i), $"node-{i}", $"api-{i}", $"api-{i + 20}"), policy, cluster, history, now: T0.AddMinutes(i))))
            .ToList();

        Assert.True(decided[0].IsActionable);
        Assert.True(decided[1].IsActionable);
        Assert.Equal(Guards.CordonLimit, decided[2].Decision.Guard);
        Assert.Contains("at most 2 may be", decided[2].Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ModesPerActionKind_EachDecisionCarriesItsKindsMode()
    {
        var modes = new ModeSettings(ExecutionMode.Shadow, new Dictionary<ActionKind, ExecutionMode>
        {
            [ActionKind.RestartPod] = ExecutionMode.DryRun,
            [ActionKind.CordonNode] = ExecutionMode.Enforce,
        });
        var policy = PolicyWith() with { Modes = modes };
        var history = new ActionHistory();

        var restart = Assert.Single(Plan(PodFault(T0, "api-3"), policy, history: history));
        var cordon = Assert.Single(Plan(NodeFault(T0, "node-1", "api-1", "api-5"), policy, history: history));
        var shift = Assert.Single(Plan(Canary(T0), policy, history: history));

        Assert.Equal(ExecutionMode.DryRun, restart.Decision.Mode);
        Assert.Equal(ExecutionMode.Enforce, cordon.Decision.Mode);
        Assert.Equal(ExecutionMode.Shadow, shift.Decision.Mode);
        Assert.All([restart, cordon, shift], d => Assert.True(d.IsActionable));
    }

    [Fact]
    public void Plan_NodeAHumanUncordoned_IsNotCordonedAgain()
    {
        var by = new Dictionary<string, string> { [RemediationPlanner.CordonedByAnnotation] = "d-1" };
        var cluster = ClusterOf(nodeInfos: [new NodeInfo("node-0", false, by), new NodeInfo("node-1", false, None), new NodeInfo("node-2", false, None), new NodeInfo("node-3", false, None)]);

        var d = Assert.Single(Plan(NodeFault(T0, "node-0", "api-0", "api-4"), cluster: cluster));

        Assert.Equal(Guards.HumanOverride, d.Decision.Guard);
    }

    [Fact]
    public void Plan_CanaryRegression_ShiftsAllTrafficToStable()
    {
        var d = Assert.Single(Plan(Canary(T0)));

        Assert.Equal(ActionKind.ShiftTraffic, d.Decision.Action);
        Assert.Equal(new ActionTarget("payments", "VirtualService", "api"), d.Decision.Target);
        Assert.Equal(new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }, d.Weights);
    }

    [Fact]
    public void Plan_CanaryWithoutTheSubsets_IsAuditedAsNoActionWithTheReason()
    {
        var cluster = ClusterOf();
        cluster = new ClusterView(cluster.Pods, cluster.Nodes, cluster.Workloads,
            [new VirtualServiceInfo("payments", "api", "api", [new SubsetRoute("v1", "v1", 100)], None)]);

        var d = Assert.Single(Plan(Canary(T0), cluster: cluster));

        Assert.Equal(ActionKind.None, d.Decision.Action);
        Assert.Equal(DecisionOutcome.NoAction, d.Decision.Outcome);
        Assert.Contains("has no subsets 'canary' and 'stable'", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 10, 6)]
    [InlineData(8, 10, 10)]
    [InlineData(1, 10, 2)]
    public void Plan_Surge_ScalesByTheFactorWithinTheMaximum(int replicas, int max, int expected)
    {
        var cluster = ClusterOf(pods: replicas, nodes: 2);
        var policy = PolicyWith(rules: Rule(FindingKind.TrafficSurge, ActionKind.Scale, "scale", new ActionParameters(ScaleFactor: 1.5, MinAdded: 1, MaxReplicas: max)));

        var d = Assert.Single(Plan(Surge(T0), policy, cluster));

        Assert.Equal(ActionKind.Scale, d.Decision.Action);
        Assert.Equal(expected, d.Replicas);
    }

    [Theory]
    [InlineData(8, 12, 12)] // ahead of the burst
    [InlineData(8, 3, 3)] // after it (the forecast stage has already stabilised the count)
    [InlineData(8, 40, 20)] // capped by the rule's max_replicas
    public void Plan_ForecastLoad_ScalesToTheForecastsReplicaCountUpOrDown(int replicas, int forecast, int expected)
    {
        var cluster = ClusterOf(pods: replicas, nodes: 2);
        var policy = PolicyWith(rules: Rule(FindingKind.ForecastLoad, ActionKind.Scale, "prescale", new ActionParameters(MaxReplicas: 20)));
        var finding = Surge(T0) with { Kind = FindingKind.ForecastLoad, DesiredReplicas = forecast, Reason = "the forecast says so" };

        var d = Assert.Single(Plan(finding, policy, cluster));

        Assert.True(d.IsActionable);
        Assert.Equal(ActionKind.Scale, d.Decision.Action);
        Assert.Equal(expected, d.Replicas);
        Assert.Equal("forecast_load", d.Decision.Finding);
        Assert.Contains($"from {replicas} to {expected} replicas ahead of the forecast load", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ForecastLoadAtTheRunningCount_IsNoAction()
    {
        var policy = PolicyWith(rules: Rule(FindingKind.ForecastLoad, ActionKind.Scale, "prescale", new ActionParameters(MaxReplicas: 20)));
        var finding = Surge(T0) with { Kind = FindingKind.ForecastLoad, DesiredReplicas = 8 };

        var d = Assert.Single(Plan(finding, policy, ClusterOf(pods: 8)));

        Assert.Equal(DecisionOutcome.NoAction, d.Decision.Outcome);
        Assert.Contains("already runs 8 replicas", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SurgeAtMaximum_IsNoAction()
    {
        var policy = PolicyWith(rules: Rule(FindingKind.TrafficSurge, ActionKind.Scale, "scale", new ActionParameters(MaxReplicas: 8)));
        var d = Assert.Single(Plan(Surge(T0), policy));
        Assert.Equal(DecisionOutcome.NoAction, d.Decision.Outcome);
        Assert.Contains("max_replicas 8", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_PodGoneFromTheCluster_IsNoActionWithTheReason()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-99")));
        Assert.Equal(DecisionOutcome.NoAction, d.Decision.Outcome);
        Assert.Contains("pod payments/api-99 no longer exists", d.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_UnknownCluster_StillRecommendsFromTheAnomaliesAttributes()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-99"), cluster: ClusterView.Unknown));
        Assert.True(d.IsActionable);
    }

    [Fact]
    public void Plan_NoMatchingRule_IsNoActionNamingTheFinding()
    {
        var d = Assert.Single(Plan(PodFault(T0, "api-3"), PolicyWith(rules: Rule(FindingKind.NodeFault, ActionKind.CordonNode))));
        Assert.Equal(DecisionOutcome.NoAction, d.Decision.Outcome);
        Assert.Contains("no policy rule acts on a pod_fault finding", d.Decision.Reason, StringComparison.Ordinal);
        Assert.Null(d.Decision.Rule);
    }

    [Fact]
    public void Plan_ShadowAndEnforce_DecideIdenticallyButForTheMode()
    {
        IReadOnlyList<PlannedDecision> Run(ExecutionMode mode)
        {
            var history = new ActionHistory();
            var policy = PolicyWith(GuardLimits(rate: 3), mode);
            return [.. Enumerable.Range(0, 6).SelectMany(i => Plan(PodFault(T0.AddMinutes(i), $"api-{i % 3}", $"api-{(i + 4) % 8}"), policy, history: history, now: T0.AddMinutes(i)))];
        }

        var shadow = Run(ExecutionMode.Shadow);
        var enforce = Run(ExecutionMode.Enforce);

        Assert.Equal(shadow.Select(d => d.Decision with { Mode = ExecutionMode.Enforce }), enforce.Select(d => d.Decision), new DecisionComparer());
        Assert.Contains(shadow, d => d.Decision.Guard is not null);
    }

    private sealed class DecisionComparer : IEqualityComparer<RemediationDecision>
    {
        public bool Equals(RemediationDecision? x, RemediationDecision? y) =>
            x is not null && y is not null && x.DecisionId == y.DecisionId && x.Mode == y.Mode && x.Outcome == y.Outcome && x.Guard == y.Guard && x.Target == y.Target && x.Reason == y.Reason;

        public int GetHashCode(RemediationDecision obj) => obj.DecisionId.GetHashCode(StringComparison.Ordinal);
    }
}
