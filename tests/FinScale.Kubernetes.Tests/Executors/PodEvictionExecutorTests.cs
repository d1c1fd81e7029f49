using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Executors;
using FinScale.Testing.Kubernetes;

namespace FinScale.Kubernetes.Tests.Executors;

public sealed class PodEvictionExecutorTests : ExecutorTestBase
{
    private PodEvictionExecutor Executor => new(Client, FastOptions(), Time);

    [Fact]
    public async Task ExecuteAsync_PodExists_EvictsThroughEvictionApi()
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));

        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Null(Server.Get("", "pods", Ns, "checkout-1"));
        Assert.Contains(Server.Requests, r => r is { Verb: "create", Resource: "pods", Subresource: "eviction" });
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "delete");
    }

    [Fact]
    public async Task ExecuteAsync_PdbRefuses_BlockedWithApiMessageAndNoDelete()
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));
        Server.BlockEviction(Ns, "checkout-1", "checkout-pdb");

        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Blocked, outcome.Status);
        Assert.Equal(429, outcome.HttpStatus);
        Assert.Contains("disruption budget", outcome.Message, StringComparison.Ordinal);
        Assert.NotNull(Server.Get("", "pods", Ns, "checkout-1"));
        Assert.Single(Server.Requests, r => r.Subresource == "eviction");   // a PDB refusal is not retried
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "delete");
    }

    [Fact]
    public async Task ExecuteAsync_PodGone_NotFound()
    {
        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-gone", "d1", "latency"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
        Assert.Equal(404, outcome.HttpStatus);
        Assert.DoesNotContain(Server.Requests, r => r.Subresource == "eviction");
    }

    [Fact]
    public async Task ExecuteAsync_PodDisappearsBetweenReadAndEviction_NotFound()
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));
        Server.BeforeWrite = _ => Server.Remove("", "pods", Ns, "checkout-1");

        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
    }

    [Fact]
    public async Task ExecuteAsync_ThrottlingTooManyRequests_RetriedThenEvicts()
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));
        Server.InjectFault(1, status: 429, retryAfter: "1", match: r => r.Subresource == "eviction");

        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Equal(2, outcome.Attempts);
        Assert.Null(Server.Get("", "pods", Ns, "checkout-1"));
    }

    [Fact]
    public async Task ExecuteAsync_EvictedButAnswerLost_RetryFindsPodGoneAndSaysSo()
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));
        Server.DelayAnswer(1, TimeSpan.FromSeconds(10), r => r.Subresource == "eviction");

        var outcome = await new PodEvictionExecutor(Client, FastOptions(attemptTimeout: TimeSpan.FromSeconds(3)), Time)
            .ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
        Assert.Equal(2, outcome.Attempts);
        Assert.Contains("may have evicted it", outcome.Message, StringComparison.Ordinal);
        Assert.Null(Server.Get("", "pods", Ns, "checkout-1"));
    }

    [Fact]
    public async Task ExecuteAsync_DryRun_PodStaysAndServerAnswers()
    {
        Server.Add("", "pods", KubernetesObjects.Pod(Ns, "checkout-1"));

        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.DryRun, CancellationToken.None);

        Assert.Equal(ActionStatus.DryRun, outcome.Status);
        Assert.NotNull(outcome.ServerAnswer);
        Assert.NotNull(Server.Get("", "pods", Ns, "checkout-1"));
        Assert.All(Server.Requests.Where(r => r.Verb != "get"), r => Assert.True(r.DryRun));
    }

    [Fact]
    public async Task ExecuteAsync_Shadow_SendsNothing()
    {
        var outcome = await Executor.ExecuteAsync(new EvictPod(Ns, "checkout-1", "d1", "latency"), ExecutionMode.Shadow, CancellationToken.None);

        Assert.Equal(ActionStatus.Shadow, outcome.Status);
        Assert.Empty(Server.Requests);
    }
}
