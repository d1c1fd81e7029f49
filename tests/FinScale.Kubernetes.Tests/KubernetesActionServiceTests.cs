using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes.Tests;

public sealed class KubernetesActionServiceTests : ExecutorTestBase
{
    public static TheoryData<KubernetesAction> EveryAction() =>
    [
        new EvictPod(Ns, "p1", "d", "r"),
        new RestartDeployment(Ns, "checkout", "d", "r"),
        new ScaleDeployment(Ns, "checkout", 4, "d", "r"),
        new CordonNode("node-a", "d", "r"),
        new UncordonNode("node-a", "d", "r"),
        new ShiftTraffic(Ns, "checkout", new Dictionary<string, int> { ["stable"] = 100, ["canary"] = 0 }, "d", "r"),
    ];

    [Theory]
    [MemberData(nameof(EveryAction))]
    public async Task ExecuteAsync_Shadow_SendsNoRequest(KubernetesAction action)
    {
        var service = new KubernetesActionService(Client, Options.Create(FastOptions()), Time);

        var outcome = await service.ExecuteAsync(action, ExecutionMode.Shadow, CancellationToken.None);

        Assert.Equal(ActionStatus.Shadow, outcome.Status);
        Assert.Empty(Server.Requests);
    }

    [Theory]
    [MemberData(nameof(EveryAction))]
    public async Task ExecuteAsync_TargetMissing_NotFoundWithoutWrites(KubernetesAction action)
    {
        var service = new KubernetesActionService(Client, Options.Create(FastOptions()), Time);

        var outcome = await service.ExecuteAsync(action, ExecutionMode.Enforce, CancellationToken.None);

        Assert.Equal(ActionStatus.NotFound, outcome.Status);
        Assert.All(Server.Requests, r => Assert.Equal("get", r.Verb));
    }
}
