using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Executors;
using FinScale.Kubernetes.Tests.Fakes;
using FinScale.Testing.Kubernetes;

namespace FinScale.Kubernetes.Tests.Executors;

public sealed class DeploymentScaleExecutorTests : ExecutorTestBase
{
    [Fact]
    public async Task ExecuteAsync_NewReplicaCount_PatchesScaleSubresource()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 6, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Equal(6, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
        Assert.Contains(Server.Requests, r => r is { Verb: "patch", Resource: "deployments", Subresource: "scale" });
        Assert.DoesNotContain(Server.Requests, r => r is { Verb: "patch", Subresource: null });
    }

    [Fact]
    public async Task ExecuteAsync_SameCount_AlreadyInState()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 3, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.AlreadyInState, outcome.Status);
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "patch");
    }

    [Fact]
    public async Task ExecuteAsync_DryRun_ReplicasUnchangedAndAnswerCarriesNewCount()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 6, "d1", "forecast"), ExecutionMode.DryRun, CancellationToken.None);

        Assert.Equal(ActionStatus.DryRun, outcome.Status);
        Assert.Contains("\"replicas\":6", outcome.ServerAnswer, StringComparison.Ordinal);
        Assert.Equal(3, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task ExecuteAsync_ServiceUnavailableTwice_RetriesAndSucceeds()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.InjectFault(2, status: 503, match: r => r.Verb == "patch");
        var log = new ListLogger<DeploymentScaleExecutor>();

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(maxAttempts: 3), Time, log)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 5, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(2, log.Entries.Count(e => e.Id.Id == 4101 && e.Message.Contains("HTTP 503", StringComparison.Ordinal)));
        Assert.Equal(3, Server.Requests.Count(r => r.Verb == "patch"));
        Assert.Equal(5, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task ExecuteAsync_PersistentInternalError_FailedAfterBoundedAttempts()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.InjectFault(100, status: 500, match: r => r.Verb == "patch");

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(maxAttempts: 3), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 5, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Failed, outcome.Status);
        Assert.Equal(500, outcome.HttpStatus);
        Assert.Equal(3, outcome.Attempts);
        Assert.Contains("injected 500", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(3, Server.Requests.Count(r => r.Verb == "patch"));
        Assert.Equal(3, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task ExecuteAsync_SlowAnswerOnce_TimesOutThenRetries()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.InjectFault(1, delay: TimeSpan.FromSeconds(10), match: r => r.Verb == "patch");

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(maxAttempts: 3, attemptTimeout: TimeSpan.FromSeconds(3)), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 4, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Equal(2, outcome.Attempts);
        Assert.Equal(4, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task ExecuteAsync_NeverAnswers_FailedWithTimeout()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.InjectFault(100, delay: TimeSpan.FromSeconds(10), match: r => r.Verb == "get");

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(maxAttempts: 2, attemptTimeout: TimeSpan.FromMilliseconds(200)), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 4, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Failed, outcome.Status);
        Assert.Null(outcome.HttpStatus);
        Assert.Equal(2, outcome.Attempts);
        Assert.Contains("no answer within", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(3, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task ExecuteAsync_ScaledButAnswerLost_RetryIsHarmless()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        Server.DelayAnswer(1, TimeSpan.FromSeconds(10), r => r.Verb == "patch");

        var outcome = await new DeploymentScaleExecutor(Client, FastOptions(attemptTimeout: TimeSpan.FromSeconds(3)), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 4, "d1", "forecast"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Equal(4, (int)Server.Get("apps", "deployments", Ns, "checkout")!["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_Throws()
    {
        Server.Add("apps", "deployments", KubernetesObjects.Deployment(Ns, "checkout", 3));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DeploymentScaleExecutor(Client, FastOptions(), Time)
            .ExecuteAsync(new ScaleDeployment(Ns, "checkout", 4, "d1", "forecast"), ExecutionMode.Enforce, cts.Token));
    }
}
