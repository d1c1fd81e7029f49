using FinScale.Contracts;
using FinScale.Host.Remediation;
using FinScale.Kubernetes;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Kubernetes.RemediationExecution;
using FinScale.Remediation;
using FinScale.Remediation.Planning;
using FinScale.Testing.Kubernetes;
using Microsoft.Extensions.Options;

namespace FinScale.IntegrationTests.Remediation;

/// <summary>
/// The leadership guard: with leader election on, an instance that does not hold the lease sends nothing for a dry-run
/// or enforced decision and audits it held back by <c>leadership</c>; a shadow decision, which sends nothing anyway, is
/// recorded as on the leader.
/// </summary>
public sealed class LeadershipGuardTests : IAsyncLifetime
{
    private FakeKubernetesApiServer? _server;
    private k8s.IKubernetes? _client;

    private sealed class Lease(bool leading) : ILeadership
    {
        public event Action<bool>? LeadershipChanged { add { } remove { } }

        public bool IsLeader => leading;

        public string Identity => "finscale-b";

        public string? CurrentLeader => "finscale-a";
    }

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        _server.Add(string.Empty, "nodes", KubernetesObjects.Node("node-1"));
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }

    private KubernetesRemediationExecutor Executor(bool leading) => new(
        new KubernetesDecisionExecutor(new KubernetesActionService(_client!, Options.Create(new KubernetesActionOptions { MaxAttempts = 1 }), TimeProvider.System)),
        new Lease(leading));

    private static PlannedDecision Cordon(ExecutionMode mode) => new(new RemediationDecision(
        "d-1",
        "episode-1/cordon",
        DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        mode,
        ActionKind.CordonNode,
        new ActionTarget(string.Empty, "Node", "node-1"),
        DecisionOutcome.Recommended,
        "pods on node-1 misbehave",
        null,
        new Anomaly("a-1", "latency|pod=api-1", "latency", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, 900, 100, 0.99, 12, "ensemble")));

    private bool Unschedulable() => _server!.Get(string.Empty, "nodes", null, "node-1")!["spec"]?["unschedulable"]?.GetValue<bool>() == true;

    [Theory]
    [InlineData(ExecutionMode.Enforce)]
    [InlineData(ExecutionMode.DryRun)]
    public async Task NotLeading_DryRunOrEnforce_IsHeldBackByLeadership_AndSendsNothing(ExecutionMode mode)
    {
        var d = await Executor(leading: false).ExecuteAsync(Cordon(mode), CancellationToken.None);

        Assert.Equal(DecisionOutcome.HeldBack, d.Outcome);
        Assert.Equal(Guards.Leadership, d.Guard);
        Assert.Contains("finscale-b", d.Reason, StringComparison.Ordinal);
        Assert.Contains("leader: finscale-a", d.Reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(d.Request));
        Assert.Empty(_server!.Requests);
        Assert.False(Unschedulable());
    }

    [Fact]
    public async Task NotLeading_Shadow_IsRecordedAsOnTheLeader()
    {
        var d = await Executor(leading: false).ExecuteAsync(Cordon(ExecutionMode.Shadow), CancellationToken.None);

        Assert.Equal(DecisionOutcome.Recommended, d.Outcome);
        Assert.Null(d.Guard);
        Assert.False(Unschedulable());
    }

    [Fact]
    public async Task Leading_Enforce_Cordons()
    {
        var d = await Executor(leading: true).ExecuteAsync(Cordon(ExecutionMode.Enforce), CancellationToken.None);

        Assert.Equal(DecisionOutcome.Executed, d.Outcome);
        Assert.True(Unschedulable());
    }
}
