using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.RemediationExecution;
using FinScale.Testing.Kubernetes;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes.Tests.RemediationExecution;

public sealed class KubernetesDecisionExecutorTests : ExecutorTestBase
{
    private const string Istio = "networking.istio.io";

    private KubernetesDecisionExecutor Executor(int maxAttempts = 3) =>
        new(new KubernetesActionService(Client, Options.Create(FastOptions(maxAttempts)), Time));

    private static RemediationDecision Decision(ActionKind kind, ExecutionMode mode, ActionTarget? target, DecisionOutcome outcome = DecisionOutcome.Recommended) =>
        new(
            "d-1",
            "episode-1/" + kind,
            DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            mode,
            kind,
            target,
            outcome,
            "p99 latency of checkout",
            null,
            new Anomaly("a-1", "latency|pod=checkout-1", "latency", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, 900, 100, 0.99, 12, "ensemble"));

    private static ActionTarget Pod(string name) => new(Ns, "Pod", name);

    private static ActionTarget Deployment(string name) => new(Ns, "Deployment", name);

    private static ActionTarget Node(string name) => new(string.Empty, "Node", name);

    private static ActionTarget VirtualService(string name) => new(Ns, "VirtualService", name);

    private int Replicas(string deployment) => (int)Server.Get("apps", "deployments", Ns, deployment)!["spec"]!["replicas"]!;

    private int? Weight(string vs, int destination) => (int?)Server.Get(Istio, "virtualservices", Ns, vs)!["spec"]!["http"]![0]!["route"]![destination]!["weight"];

    public static TheoryData<ActionKind> Kinds => new() { ActionKind.RestartPod, ActionKind.RestartDeployment, ActionKind.CordonNode, ActionKind.Scale, ActionKind.ShiftTraffic };

    private DecisionAction Seeded(ActionKind kind, ExecutionMode mode)
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout", stable: 90, canary: 10));
        return kind switch
        {
            ActionKind.RestartPod => new DecisionAction(Decision(kind, mode, Pod("checkout-1"))),
            ActionKind.RestartDeployment => new DecisionAction(Decision(kind, mode, Deployment("checkout"))),
            ActionKind.CordonNode => new DecisionAction(Decision(kind, mode, Node("node-a"))),
            ActionKind.Scale => new DecisionAction(Decision(kind, mode, Deployment("checkout")), Replicas: 6),
            ActionKind.ShiftTraffic => new DecisionAction(Decision(kind, mode, VirtualService("checkout")), Weights: new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>What the object looks like as far as the action changes it.</summary>
    private string State(ActionKind kind) => kind switch
    {
        ActionKind.RestartPod => Server.Get("", "pods", Ns, "checkout-1") is null ? "evicted" : "running",
        ActionKind.RestartDeployment => Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["template"]!["metadata"]!["annotations"]![FinScaleAnnotations.RestartDecision]?.GetValue<string>() ?? "not restarted",
        ActionKind.CordonNode => Server.Get("", "nodes", null, "node-a")!["spec"]!["unschedulable"]?.ToJsonString() ?? "schedulable",
        ActionKind.Scale => Replicas("checkout").ToString(System.Globalization.CultureInfo.InvariantCulture),
        ActionKind.ShiftTraffic => $"{Weight("checkout", 0)}/{Weight("checkout", 1)}",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ExecuteAsync_Shadow_SendsNothingAndRecommendsWithTheEnforceRequest(ActionKind kind)
    {
        var action = Seeded(kind, ExecutionMode.Shadow);
        var before = State(kind);

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Recommended, result.Outcome);
        Assert.Empty(Server.Requests);
        Assert.Equal(before, State(kind));
        var enforce = action with { Decision = action.Decision with { Mode = ExecutionMode.Enforce } };
        Assert.Equal(KubernetesDecisionExecutor.DescribeRequest(enforce), result.Request);
        Assert.Contains("shadow mode", result.Response, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ExecuteAsync_DryRun_SendsDryRunAllAndLeavesTheObject(ActionKind kind)
    {
        var action = Seeded(kind, ExecutionMode.DryRun);
        var before = State(kind);

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.DryRun, result.Outcome);
        Assert.Equal(before, State(kind));
        var write = Assert.Single(Server.Requests, r => r.Verb is "create" or "patch");
        Assert.True(write.DryRun);
        Assert.EndsWith("?dryRun=All", result.Request!.Split(' ')[1], StringComparison.Ordinal);
        Assert.StartsWith("HTTP 20", result.Response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ActionKind.RestartPod, "evicted")]
    [InlineData(ActionKind.RestartDeployment, "d-1")]
    [InlineData(ActionKind.CordonNode, "true")]
    [InlineData(ActionKind.Scale, "6")]
    [InlineData(ActionKind.ShiftTraffic, "100/0")]
    public async Task ExecuteAsync_Enforce_ChangesTheObject(ActionKind kind, string after)
    {
        var action = Seeded(kind, ExecutionMode.Enforce);

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, result.Outcome);
        Assert.Equal(after, State(kind));
        Assert.DoesNotContain(Server.Requests, r => r.DryRun);
        Assert.StartsWith("HTTP 20", result.Response, StringComparison.Ordinal);
        Assert.Equal(result with { Outcome = DecisionOutcome.Recommended, Request = null, Response = null }, action.Decision);
    }

    [Fact]
    public async Task ExecuteAsync_DryRunScale_ResponseCarriesTheServersAnswer()
    {
        var action = Seeded(ActionKind.Scale, ExecutionMode.DryRun);

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal("PATCH /apis/apps/v1/namespaces/payments/deployments/checkout/scale?dryRun=All {\"spec\":{\"replicas\":6}}", result.Request);
        Assert.Contains("\"replicas\":6", result.Response, StringComparison.Ordinal);
        Assert.Equal(3, Replicas("checkout"));
    }

    [Fact]
    public async Task ExecuteAsync_PdbRefusesEviction_Blocked()
    {
        var action = Seeded(ActionKind.RestartPod, ExecutionMode.Enforce);
        Server.BlockEviction(Ns, "checkout-1", "checkout-pdb");

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Blocked, result.Outcome);
        Assert.StartsWith("HTTP 429: ", result.Response, StringComparison.Ordinal);
        Assert.Contains("disruption budget", result.Response, StringComparison.Ordinal);
        Assert.Equal("running", State(ActionKind.RestartPod));
        Assert.Equal("POST /api/v1/namespaces/payments/pods/checkout-1/eviction", result.Request);
    }

    [Fact]
    public async Task ExecuteAsync_PodGone_FailedWithTheReason()
    {
        var action = new DecisionAction(Decision(ActionKind.RestartPod, ExecutionMode.Enforce, Pod("checkout-gone")));

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, result.Outcome);
        Assert.StartsWith("HTTP 404: Pod payments/checkout-gone not found", result.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_ServerErrorThenSuccess_ExecutedAfterTwoAttempts()
    {
        var action = Seeded(ActionKind.Scale, ExecutionMode.Enforce);
        Server.InjectFault(1, status: 500, match: r => r.Verb == "patch");

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, result.Outcome);
        Assert.Equal(2, Server.Requests.Count(r => r is { Verb: "patch", Subresource: "scale" }));
        Assert.EndsWith("(2 attempts)", result.Response, StringComparison.Ordinal);
        Assert.Equal(6, Replicas("checkout"));
    }

    [Fact]
    public async Task ExecuteAsync_ApiServerDown_FailedNotThrown()
    {
        var action = Seeded(ActionKind.CordonNode, ExecutionMode.Enforce);
        Server.InjectFault(10, status: 503);

        var result = await Executor(maxAttempts: 2).ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, result.Outcome);
        Assert.StartsWith("HTTP 503: ", result.Response, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.Response!, "HTTP 503"));
        Assert.EndsWith("(2 attempts)", result.Response, StringComparison.Ordinal);
        Assert.Equal("schedulable", State(ActionKind.CordonNode));
    }

    [Fact]
    public async Task ExecuteAsync_NoAnswerOnAnyAttempt_FailedWithTheAttemptsCountedOnce()
    {
        var action = Seeded(ActionKind.CordonNode, ExecutionMode.Enforce);
        Server.InjectFault(2, delay: TimeSpan.FromSeconds(5), match: r => r.Verb == "patch");
        var executor = new KubernetesDecisionExecutor(
            new KubernetesActionService(Client, Options.Create(FastOptions(2, TimeSpan.FromMilliseconds(200))), Time));

        var result = await executor.ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, result.Outcome);
        Assert.Contains("no answer within", result.Response, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.Response!, "attempt"));
    }

    [Fact]
    public async Task ExecuteAsync_AlreadyInState_Executed()
    {
        var action = Seeded(ActionKind.Scale, ExecutionMode.Enforce) with { Replicas = 3 };

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, result.Outcome);
        Assert.Contains("already has 3 replicas", result.Response, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "patch");
    }

    [Theory]
    [InlineData(DecisionOutcome.HeldBack)]
    [InlineData(DecisionOutcome.NoAction)]
    [InlineData(DecisionOutcome.Executed)]
    public async Task ExecuteAsync_NotRecommended_ReturnedUnchangedAndNothingSent(DecisionOutcome outcome)
    {
        var action = Seeded(ActionKind.CordonNode, ExecutionMode.Enforce);
        action = action with { Decision = action.Decision with { Outcome = outcome } };

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Same(action.Decision, result);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_ScaleWithoutReplicas_FailedWithoutRequest()
    {
        var action = new DecisionAction(Decision(ActionKind.Scale, ExecutionMode.Enforce, Deployment("checkout")));

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, result.Outcome);
        Assert.Contains("no replica count", result.Response, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_TargetOfTheWrongKind_FailedWithoutRequest()
    {
        var action = new DecisionAction(Decision(ActionKind.CordonNode, ExecutionMode.Enforce, Pod("checkout-1")));

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, result.Outcome);
        Assert.Contains("acts on a Node", result.Response, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_ShadowWithBadWeights_FailedAsEnforceWouldBe()
    {
        var action = new DecisionAction(
            Decision(ActionKind.ShiftTraffic, ExecutionMode.Shadow, VirtualService("checkout")),
            Weights: new Dictionary<string, int> { ["stable"] = 70, ["canary"] = 0 });

        var result = await Executor().ExecuteAsync(action, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, result.Outcome);
        Assert.Contains("sum to 100", result.Response, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public void DescribeRequest_EveryKind_MethodPathAndBody()
    {
        Assert.Equal("POST /api/v1/namespaces/payments/pods/p/eviction", KubernetesDecisionExecutor.DescribeRequest(new EvictPod(Ns, "p", "d", "r"), ExecutionMode.Enforce));
        Assert.Equal("PATCH /api/v1/nodes/n?dryRun=All {\"metadata\":{\"annotations\":{\"finscale.io/cordoned-by\":\"d\"}},\"spec\":{\"unschedulable\":true}}", KubernetesDecisionExecutor.DescribeRequest(new CordonNode("n", "d", "r"), ExecutionMode.DryRun));
        Assert.Equal("PATCH /apis/apps/v1/namespaces/payments/deployments/c/scale {\"spec\":{\"replicas\":6}}", KubernetesDecisionExecutor.DescribeRequest(new ScaleDeployment(Ns, "c", 6, "d", "r"), ExecutionMode.Shadow));
        Assert.StartsWith("PATCH /apis/apps/v1/namespaces/payments/deployments/c {\"spec\":{\"template\":{\"metadata\":{\"annotations\":{", KubernetesDecisionExecutor.DescribeRequest(new RestartDeployment(Ns, "c", "d", "r"), ExecutionMode.Enforce), StringComparison.Ordinal);
        Assert.Equal(
            "PATCH /apis/networking.istio.io/v1/namespaces/payments/virtualservices/vs spec.http[].route[].weight: canary=0, stable=100",
            KubernetesDecisionExecutor.DescribeRequest(new ShiftTraffic(Ns, "vs", new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }, "d", "r"), ExecutionMode.Enforce));
    }

    [Fact]
    public void DescribeRequest_NoAction_Null()
    {
        Assert.Null(KubernetesDecisionExecutor.DescribeRequest(new DecisionAction(Decision(ActionKind.None, ExecutionMode.Enforce, null, DecisionOutcome.NoAction))));
    }

    [Theory]
    [InlineData(ActionStatus.Executed, ExecutionMode.Enforce, DecisionOutcome.Executed)]
    [InlineData(ActionStatus.AlreadyInState, ExecutionMode.Enforce, DecisionOutcome.Executed)]
    [InlineData(ActionStatus.AlreadyInState, ExecutionMode.DryRun, DecisionOutcome.DryRun)]
    [InlineData(ActionStatus.DryRun, ExecutionMode.DryRun, DecisionOutcome.DryRun)]
    [InlineData(ActionStatus.Blocked, ExecutionMode.Enforce, DecisionOutcome.Blocked)]
    [InlineData(ActionStatus.NotFound, ExecutionMode.Enforce, DecisionOutcome.Failed)]
    [InlineData(ActionStatus.Failed, ExecutionMode.Enforce, DecisionOutcome.Failed)]
    [InlineData(ActionStatus.Shadow, ExecutionMode.Shadow, DecisionOutcome.Recommended)]
    public void OutcomeOf_EveryStatus_Mapped(ActionStatus status, ExecutionMode mode, DecisionOutcome expected)
    {
        Assert.Equal(expected, KubernetesDecisionExecutor.OutcomeOf(status, mode));
    }

    /// <summary>Writes (not reads) the fake API server received.</summary>
    private int Writes() => Server.Requests.Count(r => r.Verb is not ("get" or "list"));

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ExecuteAsync_SameIdempotencyKeyAfterARestart_SendsOneWrite(ActionKind kind)
    {
        var action = Seeded(kind, ExecutionMode.Enforce);
        var first = await Executor().ExecuteAsync(action, CancellationToken.None);
        var written = Writes();
        var state = State(kind);

        // A process killed after the write and before its audit decides again: a new decision id, the same key.
        var again = action with { Decision = action.Decision with { DecisionId = "d-2" } };
        var second = await Executor().ExecuteAsync(again, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, first.Outcome);
        Assert.True(written >= 1);
        Assert.Equal(written, Writes());
        Assert.Equal(state, State(kind));
        if (kind != ActionKind.RestartPod)
        {
            // The pod is gone after its eviction (the read answers 404); every other target carries the key.
            Assert.Equal(DecisionOutcome.Executed, second.Outcome);
            Assert.Contains($"idempotency key episode-1/{kind} already applied to", second.Response, StringComparison.Ordinal);
            Assert.Contains("not repeated", second.Response, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(ActionKind.RestartDeployment, "apps", "deployments", "checkout")]
    [InlineData(ActionKind.Scale, "apps", "deployments", "checkout")]
    [InlineData(ActionKind.CordonNode, "", "nodes", "node-a")]
    [InlineData(ActionKind.ShiftTraffic, Istio, "virtualservices", "checkout")]
    public async Task ExecuteAsync_Enforce_WritesTheIdempotencyKeyOnTheTarget(ActionKind kind, string group, string resource, string name)
    {
        var action = Seeded(kind, ExecutionMode.Enforce);

        await Executor().ExecuteAsync(action, CancellationToken.None);

        var target = Server.Get(group, resource, kind == ActionKind.CordonNode ? null : Ns, name)!;
        Assert.Equal($"episode-1/{kind}", target["metadata"]!["annotations"]![FinScaleAnnotations.IdempotencyKey]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_KeyOnTheTargetButScaledBackBySomeone_DoesNotScaleAgain()
    {
        var action = Seeded(ActionKind.Scale, ExecutionMode.Enforce);
        await Executor().ExecuteAsync(action, CancellationToken.None);
        Server.Mutate("apps", "deployments", Ns, "checkout", d => d["spec"]!["replicas"] = 3);

        var second = await Executor().ExecuteAsync(action with { Decision = action.Decision with { DecisionId = "d-2" } }, CancellationToken.None);

        Assert.Contains("not repeated", second.Response, StringComparison.Ordinal);
        Assert.Equal(3, Replicas("checkout"));
    }
}
