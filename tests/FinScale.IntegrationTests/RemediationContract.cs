using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Host.Remediation;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Kubernetes;
using FinScale.Kubernetes.Cluster;
using FinScale.Kubernetes.RemediationExecution;
using FinScale.Remediation;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Policy;
using FinScale.Testing.Kubernetes;
using k8s;
using Microsoft.Extensions.Options;

namespace FinScale.IntegrationTests;

/// <summary>
/// Telemetry to action, end to end: metrics on the broker, the pipeline's detection, diagnosis against the cluster view
/// listed from a Kubernetes API server (the in-process fake, real KubernetesClient), the policy, the guards, the executor
/// and the audit topic. Runs against every broker the pipeline contract runs against.
/// </summary>
public abstract class RemediationContract : IAsyncLifetime
{
    private const string Ns = "payments";
    private static readonly string[] Pods = ["checkout-7c9d8-4hkzp", "checkout-7c9d8-m8r5t", "checkout-7c9d8-qx2vw", "checkout-7c9d8-zj6dn"];
    private FakeKubernetesApiServer? _server;
    private IKubernetes? _client;

    protected abstract IKafkaTestCluster Cluster { get; }

    private FakeKubernetesApiServer Server => _server!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        _client = _server.CreateClient();
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", Pods.Length));
        Server.Add("apps", "replicasets", KubernetesObjects.ReplicaSet(Ns, "checkout-7c9d8", "checkout"));
        for (var i = 0; i < Pods.Length; i++)
        {
            Server.Add(string.Empty, "nodes", KubernetesObjects.Node($"node-{i}"));
            Server.Add(string.Empty, "pods", KubernetesObjects.Pod(Ns, Pods[i], $"node-{i}", ownerReplicaSet: "checkout-7c9d8"));
        }
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [SkippableFact]
    public async Task Run_SlowPodInEnforceMode_EvictsThatPodAndAuditsTheExecutedRequest()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h);

        var stats = await RunAsync(h, ExecutionMode.Enforce);

        Assert.Equal(1, stats.Anomalies);
        var d = Assert.Single(await h.ReadDecisionsAsync()).Value;
        Assert.Equal(ActionKind.RestartPod, d.Action);
        Assert.Equal(ExecutionMode.Enforce, d.Mode);
        Assert.Equal(DecisionOutcome.Executed, d.Outcome);
        Assert.Equal(new ActionTarget(Ns, "Pod", Pods[2]), d.Target);
        Assert.Equal("pod_fault", d.Finding);
        Assert.Contains("3 of the 4 pods", d.Reason, StringComparison.Ordinal);
        Assert.Contains($"/api/v1/namespaces/{Ns}/pods/{Pods[2]}/eviction", d.Request, StringComparison.Ordinal);
        Assert.StartsWith("HTTP 20", d.Response, StringComparison.Ordinal);

        // Read back: the slow pod was evicted, its peers were not touched.
        Assert.Null(Server.Get(string.Empty, "pods", Ns, Pods[2]));
        Assert.All(Pods.Where(p => p != Pods[2]), p => Assert.NotNull(Server.Get(string.Empty, "pods", Ns, p)));
        Assert.Single(Server.Requests, r => r.Verb != "list" && r.Verb != "get");

        // Write-ahead: the intent (the decision and the request about to be sent) was on the intents topic before the
        // eviction went out, and was tombstoned once the outcome was audited.
        var intents = await h.ReadIntentsAsync();
        Assert.Equal(2, intents.Count);
        Assert.All(intents, i => Assert.Equal(d.DecisionId, i.DecisionId));
        Assert.Equal(d.Request, intents[0].Intent!.Request);
        Assert.Equal(DecisionOutcome.Recommended, intents[0].Intent!.Outcome);
        Assert.Null(intents[1].Intent);
    }

    [SkippableFact]
    public async Task Run_IntentsLeftByARunKilledMidAction_AreSettledFromTheClusterWithoutActingAgain()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        // A previous run wrote three intents and died: its eviction of pod 2 reached the cluster, its cordon of node-1
        // did not, and its cordon of node-3 was audited and tombstoned before it died.
        var evicted = Intent("d-evict", ActionKind.RestartPod, new ActionTarget(Ns, "Pod", Pods[2]), $"POST /api/v1/namespaces/{Ns}/pods/{Pods[2]}/eviction");
        var cordon = Intent("d-cordon", ActionKind.CordonNode, new ActionTarget(string.Empty, "Node", "node-1"), "PATCH /api/v1/nodes/node-1 {}");
        var settled = Intent("d-settled", ActionKind.CordonNode, new ActionTarget(string.Empty, "Node", "node-3"), "PATCH /api/v1/nodes/node-3 {}");
        h.PublishRaw(h.Topics.Intents, new (byte[]?, byte[])[]
        {
            (Key(evicted), h.Serdes.RemediationDecision.Serialize(evicted)),
            (Key(cordon), h.Serdes.RemediationDecision.Serialize(cordon)),
            (Key(settled), h.Serdes.RemediationDecision.Serialize(settled)),
            (Key(settled), null!),
        });
        Server.Remove(string.Empty, "pods", Ns, Pods[2]);
        await PublishQuietAsync(h);

        await RunAsync(h, ExecutionMode.Enforce);

        var decisions = (await h.ReadDecisionsAsync()).Select(r => r.Value).ToList();
        Assert.Equal(2, decisions.Count);
        var e = Assert.Single(decisions, x => x.DecisionId == "d-evict");
        Assert.Equal(DecisionOutcome.Executed, e.Outcome);
        Assert.StartsWith("reconciled after a restart", e.Response, StringComparison.Ordinal);
        var c = Assert.Single(decisions, x => x.DecisionId == "d-cordon");
        Assert.Equal(DecisionOutcome.Failed, c.Outcome);
        Assert.StartsWith("not applied", c.Response, StringComparison.Ordinal);
        Assert.All(Server.Requests, r => Assert.Contains(r.Verb, new[] { "list", "get" }));
        Assert.NotEqual(true, Server.Get(string.Empty, "nodes", null, "node-1")!["spec"]?["unschedulable"]?.GetValue<bool>());

        // Both are tombstoned once audited: a further run finds nothing to settle.
        var tail = (await h.ReadIntentsAsync()).Skip(4).ToList();
        Assert.Equal(["d-cordon", "d-evict"], tail.Select(t => t.DecisionId).Order(StringComparer.Ordinal));
        Assert.All(tail, t => Assert.Null(t.Intent));
        await RunAsync(h, ExecutionMode.Enforce);
        Assert.Equal(2, (await h.ReadDecisionsAsync()).Count);
    }

    private static byte[] Key(RemediationDecision d) => System.Text.Encoding.UTF8.GetBytes(d.DecisionId);

    private static RemediationDecision Intent(string id, ActionKind kind, ActionTarget target, string request) =>
        new(
            id,
            $"episode-9/{kind}/{target}",
            DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            ExecutionMode.Enforce,
            kind,
            target,
            DecisionOutcome.Recommended,
            "p99 latency of checkout",
            null,
            new Anomaly("a-9", "latency|pod=x", "latency", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, 900, 100, 0.99, 12, "ensemble"))
        {
            Request = request,
        };

    /// <summary>Three hours of every pod at its normal latency: nothing to decide.</summary>
    private static async Task PublishQuietAsync(PipelineHarness h) =>
        await h.PublishAsync(Workloads.Merge(Pods.Select((p, i) => Workloads.Series(
            "http.server.request.duration.p99", Workloads.PodAttributes(p), 180, 120, 6, seed: 30 + i)).ToArray()));

    [SkippableFact]
    public async Task Run_SlowPodInShadowMode_AuditsTheSameDecisionAndTouchesNothing()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h);

        await RunAsync(h, ExecutionMode.Shadow);

        var d = Assert.Single(await h.ReadDecisionsAsync()).Value;
        Assert.Equal(ExecutionMode.Shadow, d.Mode);
        Assert.Equal(DecisionOutcome.Recommended, d.Outcome);
        Assert.Equal(new ActionTarget(Ns, "Pod", Pods[2]), d.Target);
        Assert.Contains($"/api/v1/namespaces/{Ns}/pods/{Pods[2]}/eviction", d.Request, StringComparison.Ordinal);
        Assert.All(Server.Requests, r => Assert.Contains(r.Verb, new[] { "list", "get" }));
        Assert.NotNull(Server.Get(string.Empty, "pods", Ns, Pods[2]));
    }

    [SkippableFact]
    public async Task Run_PodBlockedByItsDisruptionBudget_IsAuditedBlockedRetriedLaterAndNeverDeleted()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h, staysSlow: true);
        Server.BlockEviction(Ns, Pods[2], "checkout-pdb");

        var stats = await RunAsync(h, ExecutionMode.Enforce);

        Assert.Equal(720, stats.Records);
        var decisions = (await h.ReadDecisionsAsync()).Select(r => r.Value).ToList();
        Assert.Equal(DecisionOutcome.Blocked, decisions[0].Outcome);
        Assert.Contains("429", decisions[0].Response, StringComparison.Ordinal);
        Assert.True(decisions.Count >= 2, "the refused eviction is tried again");
        Assert.All(decisions.Skip(1), d => Assert.Contains("retry", d.Reason, StringComparison.Ordinal));
        Assert.Equal(decisions.Count, decisions.Select(d => d.DecisionId).Distinct().Count());
        Assert.NotNull(Server.Get(string.Empty, "pods", Ns, Pods[2]));
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "delete");
    }

    [SkippableFact]
    public async Task Run_DisruptionBudgetAllowsItLater_TheRetryEvictsThePodOnce()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h, staysSlow: true);
        Server.BlockEviction(Ns, Pods[2], "checkout-pdb");
        var evictions = 0;
        Server.BeforeWrite = r =>
        {
            // The first eviction is refused; by the retry the budget allows a disruption again.
            if (r.Subresource == "eviction" && ++evictions == 2)
                Server.UnblockEviction(Ns, Pods[2]);
        };

        await RunAsync(h, ExecutionMode.Enforce);

        var decisions = (await h.ReadDecisionsAsync()).Select(r => r.Value).ToList();
        Assert.True(
            decisions.Select(d => d.Outcome).SequenceEqual([DecisionOutcome.Blocked, DecisionOutcome.Executed]),
            string.Join(Environment.NewLine, decisions.Select(d => $"{d.Outcome} {d.Target} {d.Reason} {d.Response}")));
        Assert.Null(Server.Get(string.Empty, "pods", Ns, Pods[2]));
        Assert.Equal(2, Server.Requests.Count(r => r.Subresource == "eviction"));
    }

    [SkippableFact]
    public async Task Run_CyclicalLoadOfAPrescaleTarget_ScalesTheDeploymentThroughItsScaleSubresourceAndPublishesTheCount()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        // Three hours of an hourly cycle between 200 and 1,000 requests/s spread over the four pods.
        var rng = new Random(7);
        var load = Pods.Select(p => Enumerable.Range(0, 180).Select(m => new MetricSample(
            "http.server.request.rate",
            Workloads.Start.AddMinutes(m),
            ((600 - (400 * Math.Cos(2 * Math.PI * m / 60.0))) / Pods.Length) + rng.NextDouble(),
            new Dictionary<string, string>(Workloads.PodAttributes(p)) { [WellKnownAttributes.Deployment] = "checkout" })).ToList()).ToArray();
        await h.PublishAsync(Workloads.Merge(load));
        var board = new Streaming.Prescale.PrescaleBoard();
        var prescale = new Streaming.Prescale.PrescaleSettings
        {
            Targets =
            [
                new Streaming.Prescale.PrescaleTarget
                {
                    Namespace = Ns, Deployment = "checkout", Metric = "http.server.request.rate", CapacityPerReplica = 100, WarmUpSteps = 5,
                },
            ],
        };

        await RunAsync(h, ExecutionMode.Enforce, prescale: prescale, board: board);

        var forecast = (await h.ReadDecisionsAsync()).Select(r => r.Value).Where(d => d.Finding == "forecast_load").ToList();
        Assert.NotEmpty(forecast);
        Assert.All(forecast, d => Assert.Equal(ActionKind.Scale, d.Action));
        // Changes of the count within the cooldown of the last scale are held back by it, audited; the others are executed.
        var executed = forecast.Where(d => d.Outcome == DecisionOutcome.Executed).ToList();
        Assert.NotEmpty(executed);
        Assert.All(forecast.Except(executed), d => Assert.Equal(DecisionOutcome.HeldBack, d.Outcome));
        Assert.All(executed, d => Assert.Contains("load forecast of payments/checkout", d.Reason, StringComparison.Ordinal));
        // The test's cluster view stays at the listed count, so a decision can ask for what a previous one already set: the
        // executor reads the scale subresource first and sends no patch then.
        Assert.InRange(Server.Requests.Count(r => r.Subresource == "scale" && r.Verb == "patch"), 1, executed.Count);
        var replicas = Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!.GetValue<int>();
        Assert.NotEqual(Pods.Length, replicas);
        Assert.Contains($"to {replicas} replicas", executed[^1].Reason, StringComparison.Ordinal);
        Assert.True(board.TryGet(Ns, "checkout", out var entry));
        Assert.InRange(entry.RecommendedReplicas, 2, 100);
    }

    [SkippableFact]
    public async Task Run_DryRunMode_SendsTheRequestWithDryRunAllAndAuditsTheAnswerWithoutChangingAnything()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h);

        await RunAsync(h, ExecutionMode.DryRun);

        var d = Assert.Single(await h.ReadDecisionsAsync()).Value;
        Assert.Equal(ExecutionMode.DryRun, d.Mode);
        Assert.Equal(DecisionOutcome.DryRun, d.Outcome);
        Assert.Contains("dryRun=All", d.Request, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(d.Response));
        Assert.NotNull(Server.Get(string.Empty, "pods", Ns, Pods[2]));
        var eviction = Assert.Single(Server.Requests, r => r.Subresource == "eviction");
        Assert.True(eviction.DryRun);
    }

    [SkippableFact]
    public async Task Run_ApiServerDown_AuditsTheFailureWithTheApisErrorAndKeepsConsuming()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h);
        var options = FastOptions();
        var view = new ClusterViewSource(_client!, options, TimeProvider.System);
        Assert.True(await view.RefreshAsync(CancellationToken.None));
        Server.InjectFault(1000, status: 503, match: r => r.Verb is not ("list" or "get") || r.Resource == "pods");

        var stats = await RunAsync(h, ExecutionMode.Enforce, view);

        Assert.Equal(720, stats.Records);
        var decisions = (await h.ReadDecisionsAsync()).Select(r => r.Value).ToList();
        Assert.Equal(DecisionOutcome.Failed, decisions[0].Outcome);
        Assert.Contains("503", decisions[0].Response, StringComparison.Ordinal);
        Assert.NotNull(Server.Get(string.Empty, "pods", Ns, Pods[2]));
    }

    [SkippableFact]
    public async Task Run_PodGoneBeforeTheDecision_IsAuditedWithTheReasonAndNothingIsSent()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        await PublishSlowPodAsync(h);
        Server.Remove(string.Empty, "pods", Ns, Pods[2]);

        await RunAsync(h, ExecutionMode.Enforce);

        var d = Assert.Single(await h.ReadDecisionsAsync()).Value;
        Assert.Equal(ActionKind.None, d.Action);
        Assert.Equal(DecisionOutcome.NoAction, d.Outcome);
        Assert.Contains($"{Pods[2]} no longer exists", d.Reason, StringComparison.Ordinal);
        Assert.All(Server.Requests, r => Assert.Contains(r.Verb, new[] { "list", "get" }));
    }

    /// <summary>Pod 2 of checkout turns slow at minute 170: for one minute, or (<paramref name="staysSlow"/>) until the end, so its episode is still open when a retry falls due.</summary>
    private static async Task PublishSlowPodAsync(PipelineHarness h, bool staysSlow = false)
    {
        var series = Pods.Select((p, i) => Workloads.Series(
            "http.server.request.duration.p99",
            new Dictionary<string, string>(Workloads.PodAttributes(p)) { [WellKnownAttributes.Deployment] = "checkout" },
            180, 120, 6, seed: 10 + i, spikeAt: i == 2 ? 170 : null, spikeValue: 950, spikeLength: staysSlow ? 10 : 1)).ToArray();
        await h.PublishAsync(Workloads.Merge(series));
    }

    private static IOptions<KubernetesActionOptions> FastOptions() => Options.Create(new KubernetesActionOptions
    {
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    });

    private async Task<Streaming.Pipeline.PipelineStats> RunAsync(
        PipelineHarness h, ExecutionMode mode, ClusterViewSource? listed = null, Streaming.Prescale.PrescaleSettings? prescale = null, Streaming.Prescale.PrescaleBoard? board = null)
    {
        var options = FastOptions();
        var view = listed ?? new ClusterViewSource(_client!, options, TimeProvider.System);
        if (listed is null)
            Assert.True(await view.RefreshAsync(CancellationToken.None));
        var executor = new KubernetesRemediationExecutor(new KubernetesDecisionExecutor(new KubernetesActionService(_client!, options, TimeProvider.System)), leadership: null);
        var policy = PipelineHarness.TestPolicy with { Modes = new ModeSettings(mode, new Dictionary<ActionKind, ExecutionMode>()) };
        return await h.RunAsync($"group-{Guid.NewGuid():N}", policy: policy, cluster: new StaticClusterViewProvider(view.Current), executor: executor, prescale: prescale, board: board);
    }
}

public sealed class EmbeddedBrokerRemediationTests(EmbeddedClusterFixture cluster) : RemediationContract, IClassFixture<EmbeddedClusterFixture>
{
    protected override IKafkaTestCluster Cluster => cluster;
}

public sealed class ApacheKafkaRemediationTests(ApacheKafkaFixture cluster) : RemediationContract, IClassFixture<ApacheKafkaFixture>
{
    protected override IKafkaTestCluster Cluster => cluster;
}
