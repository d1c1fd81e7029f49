using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Executors;
using FinScale.Testing.Kubernetes;

namespace FinScale.Kubernetes.Tests.Executors;

public sealed class DeploymentRestartExecutorTests : ExecutorTestBase
{
    private DeploymentRestartExecutor Executor => new(Client, FastOptions(), Time);

    [Fact]
    public async Task ExecuteAsync_Deployment_PatchesRestartedAtAndDecision()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));

        var outcome = await Executor.ExecuteAsync(new RestartDeployment(Ns, "checkout", "d1", "leak"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        var annotations = Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.Equal("d1", (string?)annotations[FinScaleAnnotations.RestartDecision]);
        Assert.NotNull(annotations[FinScaleAnnotations.RestartedAt]);
        Assert.Equal("payments", (string?)annotations["team"]);   // other annotations kept
        Assert.Contains(Server.Requests, r => r.Verb == "patch" && r.ContentType!.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_SameDecisionTwice_RestartsOnce()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        var action = new RestartDeployment(Ns, "checkout", "d1", "leak");

        var first = await Executor.ExecuteAsync(action, ExecutionMode.Enforce, CancellationToken.None);
        var version = (string?)Server.Get("apps", "deployments", Ns, "checkout")!["metadata"]!["resourceVersion"];
        var second = await Executor.ExecuteAsync(action, ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, first.Status);
        Assert.Equal(ActionStatus.AlreadyInState, second.Status);
        Assert.Equal(version, (string?)Server.Get("apps", "deployments", Ns, "checkout")!["metadata"]!["resourceVersion"]);
        Assert.Single(Server.Requests, r => r.Verb == "patch");
    }

    [Fact]
    public async Task ExecuteAsync_NewDecision_RestartsAgain()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));

        await Executor.ExecuteAsync(new RestartDeployment(Ns, "checkout", "d1", "leak"), ExecutionMode.Enforce, CancellationToken.None);
        var second = await Executor.ExecuteAsync(new RestartDeployment(Ns, "checkout", "d2", "leak again"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, second.Status);
        Assert.Equal("d2", (string?)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["template"]!["metadata"]!["annotations"]![FinScaleAnnotations.RestartDecision]);
    }

    [Fact]
    public async Task ExecuteAsync_DryRun_ChangesNothingAndReturnsServerAnswer()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        var before = Server.Get("apps", "deployments", Ns, "checkout")!.ToJsonString();

        var outcome = await Executor.ExecuteAsync(new RestartDeployment(Ns, "checkout", "d1", "leak"), ExecutionMode.DryRun, CancellationToken.None);

        Assert.Equal(ActionStatus.DryRun, outcome.Status);
        Assert.Contains("\"finscale.io/decision\":\"d1\"", outcome.ServerAnswer, StringComparison.Ordinal);
        Assert.Equal(before, Server.Get("apps", "deployments", Ns, "checkout")!.ToJsonString());
        Assert.Contains(Server.Requests, r => r is { Verb: "patch", DryRun: true });
    }

    [Fact]
    public async Task ExecuteAsync_Missing_NotFound()
    {
        var outcome = await Executor.ExecuteAsync(new RestartDeployment(Ns, "nope", "d1", "leak"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
    }
}
