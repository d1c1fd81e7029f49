using FinScale.Host.Remediation;
using FinScale.Kubernetes.LeaderElection;

namespace FinScale.IntegrationTests.Remediation;

public class LeaderGateTests
{
    private sealed class Switch : ILeadership
    {
        public event Action<bool>? LeadershipChanged;

        public bool IsLeader { get; private set; }

        public string Identity => "test";

        public void Set(bool leading)
        {
            IsLeader = leading;
            LeadershipChanged?.Invoke(leading);
        }
    }

    [Fact]
    public async Task RunWhileLeading_Standby_DoesNotRunUntilItLeads()
    {
        var lease = new Switch();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var gate = LeaderGate.RunWhileLeadingAsync(lease, _ => { started.TrySetResult(); return Task.CompletedTask; }, null, stop.Token);
        await Task.Delay(100);
        Assert.False(started.Task.IsCompleted);

        lease.Set(true);
        await started.Task.WaitAsync(stop.Token);
        await gate.WaitAsync(stop.Token); // the body returned while leading: done
    }

    [Fact]
    public async Task RunWhileLeading_LeaseLost_CancelsTheRunAndRunsAgainWhenLeadingAgain()
    {
        var lease = new Switch();
        lease.Set(true);
        var runs = 0;
        var running = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var gate = LeaderGate.RunWhileLeadingAsync(lease, async ct =>
        {
            runs++;
            running.Release();
            await Task.Delay(Timeout.Infinite, ct);
        }, null, stop.Token);

        await running.WaitAsync(stop.Token);
        lease.Set(false);
        await Task.Delay(100);
        Assert.Equal(1, runs);
        Assert.False(gate.IsCompleted);

        lease.Set(true);
        await running.WaitAsync(stop.Token);
        Assert.Equal(2, runs);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate);
    }
}
