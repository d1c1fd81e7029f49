using System.Globalization;
using FinScale.Contracts;
using FinScale.Kubernetes.RemediationExecution;
using FinScale.Testing.Kubernetes;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes.Tests.RemediationExecution;

/// <summary>
/// A run that dies between the cluster's write and the outcome's audit record leaves only the intent on the intents
/// topic; the next run settles it by reading the target: executed when the change is there, failed when not, and never
/// by writing anything.
/// </summary>
public sealed class IntentReconciliationTests : ExecutorTestBase
{
    private const string Istio = "networking.istio.io";

    public static TheoryData<ActionKind> Kinds => new() { ActionKind.RestartPod, ActionKind.RestartDeployment, ActionKind.CordonNode, ActionKind.Scale, ActionKind.ShiftTraffic };

    private KubernetesDecisionExecutor Executor() => new(new KubernetesActionService(Client, Options.Create(FastOptions()), Time));

    private DecisionAction Seeded(ActionKind kind)
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout", stable: 90, canary: 10));
        return kind switch
        {
            ActionKind.RestartPod => new DecisionAction(Decision(kind, new ActionTarget(Ns, "Pod", "checkout-1"))),
            ActionKind.RestartDeployment => new DecisionAction(Decision(kind, new ActionTarget(Ns, "Deployment", "checkout"))),
            ActionKind.CordonNode => new DecisionAction(Decision(kind, new ActionTarget(string.Empty, "Node", "node-a"))),
            ActionKind.Scale => new DecisionAction(Decision(kind, new ActionTarget(Ns, "Deployment", "checkout")), Replicas: 6),
            ActionKind.ShiftTraffic => new DecisionAction(Decision(kind, new ActionTarget(Ns, "VirtualService", "checkout")), Weights: new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static RemediationDecision Decision(ActionKind kind, ActionTarget target) =>
        new(
            "d-7",
            "episode-7/" + kind + "/" + target,
            DateTimeOffset.Parse("2026-03-01T10:00:00Z", CultureInfo.InvariantCulture),
            ExecutionMode.Enforce,
            kind,
            target,
            DecisionOutcome.Recommended,
            "p99 latency of checkout",
            null,
            new Anomaly("a-7", "latency|pod=checkout-1", "latency", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, 900, 100, 0.99, 12, "ensemble"));

    private int Writes() => Server.Requests.Count(r => r.Verb is "create" or "patch" or "update" or "delete");

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Intent_IsTheDecisionWithTheRequestAboutToBeSent_AndItsParametersReadBack(ActionKind kind)
    {
        var action = Seeded(kind);

        var intent = KubernetesDecisionExecutor.Intent(action);

        Assert.Equal(DecisionOutcome.Recommended, intent.Outcome);
        Assert.Equal(action.Decision.DecisionId, intent.DecisionId);
        Assert.Equal(KubernetesDecisionExecutor.DescribeRequest(action), intent.Request);
        var (replicas, weights) = KubernetesDecisionExecutor.ParametersOf(intent.Request);
        Assert.Equal(action.Replicas, replicas);
        Assert.Equal(action.Weights?.OrderBy(kv => kv.Key), weights?.OrderBy(kv => kv.Key));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ReconcileAsync_ChangeOnTheTarget_IsExecutedWithoutWriting(ActionKind kind)
    {
        var action = Seeded(kind);
        var executor = Executor();
        var intent = KubernetesDecisionExecutor.Intent(action);
        Assert.Equal(DecisionOutcome.Executed, (await executor.ExecuteAsync(action, CancellationToken.None)).Outcome); // then the run died
        var writes = Writes();

        var settled = await executor.ReconcileAsync(intent, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, settled.Outcome);
        Assert.Equal(intent.DecisionId, settled.DecisionId);
        Assert.StartsWith("reconciled after a restart", settled.Response, StringComparison.Ordinal);
        Assert.Equal(writes, Writes());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ReconcileAsync_ChangeNotOnTheTarget_FailsAndIsNotRepeated(ActionKind kind)
    {
        var action = Seeded(kind);
        var intent = KubernetesDecisionExecutor.Intent(action); // the run died before sending

        var settled = await Executor().ReconcileAsync(intent, CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, settled.Outcome);
        Assert.StartsWith("not applied", settled.Response, StringComparison.Ordinal);
        Assert.Equal(0, Writes());
    }

    [Fact]
    public async Task ReconcileAsync_ScaleWhoseKeyWasNeverMarked_IsExecutedByItsReplicaCount()
    {
        // The scale subresource takes no annotation: a run killed between the scale and the key's mark leaves the
        // replica count as the only evidence.
        var action = Seeded(ActionKind.Scale);
        Server.Mutate("apps", "deployments", Ns, "checkout", d => d["spec"]!["replicas"] = 6);

        var settled = await Executor().ReconcileAsync(KubernetesDecisionExecutor.Intent(action), CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, settled.Outcome);
        Assert.Contains("6 replicas", settled.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileAsync_EvictedPodIsGone_IsExecuted()
    {
        var action = Seeded(ActionKind.RestartPod);
        Server.Remove("", "pods", Ns, "checkout-1");

        var settled = await Executor().ReconcileAsync(KubernetesDecisionExecutor.Intent(action), CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, settled.Outcome);
        Assert.Contains("gone", settled.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileAsync_TargetCannotBeRead_FailsAsNotVerified()
    {
        var action = Seeded(ActionKind.RestartDeployment);
        Server.Remove("apps", "deployments", Ns, "checkout");

        var settled = await Executor().ReconcileAsync(KubernetesDecisionExecutor.Intent(action), CancellationToken.None);

        Assert.Equal(DecisionOutcome.Failed, settled.Outcome);
        Assert.StartsWith("intent not verified", settled.Response, StringComparison.Ordinal);
        Assert.Contains("404", settled.Response, StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersOf_TextWithoutParameters_GivesNone()
    {
        Assert.Equal((null, null), KubernetesDecisionExecutor.ParametersOf(null));
        Assert.Equal((null, null), KubernetesDecisionExecutor.ParametersOf("POST /api/v1/namespaces/p/pods/x/eviction"));
        Assert.Equal((null, null), KubernetesDecisionExecutor.ParametersOf("PATCH /x {not json"));
    }
}
