using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Executors;
using FinScale.Testing.Kubernetes;

namespace FinScale.Kubernetes.Tests.Executors;

public sealed class TrafficShiftExecutorTests : ExecutorTestBase
{
    private const string Istio = "networking.istio.io";

    private TrafficShiftExecutor Executor => new(Client, FastOptions(), Time);

    private static ShiftTraffic AllToStable(string id = "d1") =>
        new(Ns, "checkout", new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }, id, "canary errors");

    private JsonArray Route() => Server.Get(Istio, "virtualservices", Ns, "checkout")!["spec"]!["http"]![0]!["route"]!.AsArray();

    [Fact]
    public async Task ExecuteAsync_BothSubsetsRouted_SetsWeightsAndKeepsOtherFields()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout"));

        var outcome = await Executor.ExecuteAsync(AllToStable(), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Equal(100, (int)Route()[0]!["weight"]!);
        Assert.Equal(0, (int)Route()[1]!["weight"]!);
        var http = Server.Get(Istio, "virtualservices", Ns, "checkout")!["spec"]!["http"]![0]!;
        Assert.Equal("/pay", (string?)http["match"]![0]!["uri"]!["prefix"]);   // unmodelled fields survive
        Assert.Equal("5s", (string?)http["timeout"]);
        Assert.Equal(8080, (int)Route()[0]!["destination"]!["port"]!["number"]!);
    }

    [Fact]
    public async Task ExecuteAsync_AlreadyShifted_AlreadyInState()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout", stable: 100, canary: 0));

        var outcome = await Executor.ExecuteAsync(AllToStable(), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.AlreadyInState, outcome.Status);
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "patch");
    }

    [Fact]
    public async Task ExecuteAsync_SubsetMissing_FailedNamingIt()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout"));
        var action = new ShiftTraffic(Ns, "checkout", new Dictionary<string, int> { ["stable"] = 50, ["blue"] = 50 }, "d1", "x");

        var outcome = await Executor.ExecuteAsync(action, ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Failed, outcome.Status);
        Assert.Contains("blue", outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.Requests, r => r.Verb == "patch");
        Assert.Equal(90, (int)Route()[0]!["weight"]!);
    }

    [Fact]
    public async Task ExecuteAsync_WeightsNotSummingTo100_FailedWithoutCall()
    {
        var action = new ShiftTraffic(Ns, "checkout", new Dictionary<string, int> { ["stable"] = 50, ["canary"] = 20 }, "d1", "x");

        var outcome = await Executor.ExecuteAsync(action, ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Failed, outcome.Status);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_ConcurrentChangeOnce_RereadsAndRetries()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout"));
        var writes = 0;
        Server.BeforeWrite = _ =>
        {
            if (writes++ == 0)
            {
                Server.Mutate(Istio, "virtualservices", Ns, "checkout", vs => vs["spec"]!["hosts"]!.AsArray().Add("checkout.example"));
            }
        };

        var outcome = await Executor.ExecuteAsync(AllToStable(), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Executed, outcome.Status);
        Assert.Contains("after a conflict", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(2, Server.Requests.Count(r => r.Verb == "get"));
        Assert.Equal(100, (int)Route()[0]!["weight"]!);
        Assert.Equal(2, Server.Get(Istio, "virtualservices", Ns, "checkout")!["spec"]!["hosts"]!.AsArray().Count);   // the other writer's change kept
    }

    [Fact]
    public async Task ExecuteAsync_ConflictPersists_FailedWith409()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout"));
        Server.BeforeWrite = _ => Server.Mutate(Istio, "virtualservices", Ns, "checkout", _ => { });

        var outcome = await Executor.ExecuteAsync(AllToStable(), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.Failed, outcome.Status);
        Assert.Equal(409, outcome.HttpStatus);
        Assert.Equal(2, Server.Requests.Count(r => r.Verb == "patch"));
        Assert.Equal(90, (int)Route()[0]!["weight"]!);
    }

    [Fact]
    public async Task ExecuteAsync_DryRun_WeightsUnchanged()
    {
        Server.Add(Istio, "virtualservices", KubernetesObjects.VirtualService(Ns, "checkout"));

        var outcome = await Executor.ExecuteAsync(AllToStable(), ExecutionMode.DryRun, CancellationToken.None);

        Assert.Equal(ActionStatus.DryRun, outcome.Status);
        Assert.Contains("\"weight\":100", outcome.ServerAnswer, StringComparison.Ordinal);
        Assert.Equal(90, (int)Route()[0]!["weight"]!);
    }

    [Fact]
    public async Task ExecuteAsync_Missing_NotFound()
    {
        var outcome = await Executor.ExecuteAsync(AllToStable(), ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
    }
}
