using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Executors;
using FinScale.Testing.Kubernetes;
using k8s;

namespace FinScale.Kubernetes.Tests.Executors;

public sealed class NodeCordonExecutorTests : ExecutorTestBase
{
    private NodeCordonExecutor Executor => new(Client, FastOptions(), Time);

    [Fact]
    public async Task Cordon_SchedulableNode_MarksUnschedulableAndAnnotates()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));

        var outcome = await Executor.ExecuteAsync(new CordonNode("node-a", "d1", "disk pressure"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        var node = Server.Get("", "nodes", null, "node-a")!;
        Assert.True((bool)node["spec"]!["unschedulable"]!);
        Assert.Equal("d1", (string?)node["metadata"]!["annotations"]![FinScaleAnnotations.CordonedBy]);
        Assert.Contains(Server.Requests, r => r.Verb == "patch" && r.ContentType!.StartsWith("application/merge-patch+json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cordon_AlreadyCordoned_AlreadyInStateWithoutWrite()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a", unschedulable: true));

        var outcome = await Executor.ExecuteAsync(new CordonNode("node-a", "d1", "disk pressure"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.AlreadyInState, outcome.Status);
        Assert.Contains("not by FinScale", outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "patch");
        Assert.True((bool)Server.Get("", "nodes", null, "node-a")!["spec"]!["unschedulable"]!);
    }

    [Fact]
    public async Task Cordon_HumanUncordonedAfterFinScale_DetectedAndBlocked()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        await Executor.ExecuteAsync(new CordonNode("node-a", "d1", "disk pressure"), ExecutionMode.Enforce, CancellationToken.None);
        // A human runs `kubectl uncordon`, which clears spec.unschedulable and leaves annotations alone.
        Server.Mutate("", "nodes", null, "node-a", n => n["spec"]!.AsObject().Remove("unschedulable"));

        var node = await Client.CoreV1.ReadNodeAsync("node-a");
        var again = await Executor.ExecuteAsync(new CordonNode("node-a", "d2", "disk pressure"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.True(NodeCordonExecutor.WasUncordonedByHuman(node));
        Assert.Equal(ActionStatus.Blocked, again.Status);
        Assert.Contains("d1", again.Message, StringComparison.Ordinal);
        Assert.Null(Server.Get("", "nodes", null, "node-a")!["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task Uncordon_CordonedByFinScale_ClearsFieldAndAnnotation()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        await Executor.ExecuteAsync(new CordonNode("node-a", "d1", "disk pressure"), ExecutionMode.Enforce, CancellationToken.None);

        var outcome = await Executor.ExecuteAsync(new UncordonNode("node-a", "d2", "recovered"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        var node = Server.Get("", "nodes", null, "node-a")!;
        Assert.Null(node["spec"]!["unschedulable"]);
        Assert.Null(node["metadata"]!["annotations"]![FinScaleAnnotations.CordonedBy]);
    }

    [Fact]
    public async Task Uncordon_CordonedByHuman_BlockedAndLeftCordoned()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a", unschedulable: true));

        var outcome = await Executor.ExecuteAsync(new UncordonNode("node-a", "d2", "recovered"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Blocked, outcome.Status);
        Assert.True((bool)Server.Get("", "nodes", null, "node-a")!["spec"]!["unschedulable"]!);
    }

    [Fact]
    public async Task Cordon_DryRun_NodeUnchanged()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));

        var outcome = await Executor.ExecuteAsync(new CordonNode("node-a", "d1", "disk pressure"), ExecutionMode.DryRun, CancellationToken.None);

        Assert.Equal(ActionStatus.DryRun, outcome.Status);
        Assert.Contains("\"unschedulable\":true", outcome.ServerAnswer, StringComparison.Ordinal);
        Assert.Null(Server.Get("", "nodes", null, "node-a")!["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task Cordon_Missing_NotFound()
    {
        var outcome = await Executor.ExecuteAsync(new CordonNode("node-x", "d1", "disk pressure"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
    }
}
