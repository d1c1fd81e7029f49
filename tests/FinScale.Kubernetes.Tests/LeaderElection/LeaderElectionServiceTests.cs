using FinScale.Kubernetes.LeaderElection;
using FinScale.Testing.Kubernetes;

namespace FinScale.Kubernetes.Tests.LeaderElection;

public sealed class LeaderElectionServiceTests : ExecutorTestBase
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Short enough for a test, long enough that a renewal slowed by a loaded CI machine (two cores shared by every test
    // assembly) is not taken for a lost lease.
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(5);

    private LeaderElectionService Candidate(string identity) => new(Client, new LeaderElectionOptions
    {
        LeaseNamespace = Ns,
        LeaseName = "finscale-leader",
        Identity = identity,
        LeaseDuration = LeaseDuration,
        RenewDeadline = TimeSpan.FromSeconds(4),
        RetryPeriod = TimeSpan.FromMilliseconds(500),
    });

    private static async Task<bool> PollAsync(Func<bool> condition, TimeSpan deadline)
    {
        var until = TimeProvider.System.GetTimestamp() + (long)(deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (TimeProvider.System.GetTimestamp() < until)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(25);
        }

        return condition();
    }

    [Fact]
    public async Task RunAsync_TwoCandidates_OneLeadsAndTheOtherTakesOverAfterExpiry()
    {
        using var a = Candidate("replica-a");
        using var b = Candidate("replica-b");
        using var ctsA = new CancellationTokenSource();
        using var ctsB = new CancellationTokenSource();
        var runA = a.RunAsync(ctsA.Token);
        var runB = b.RunAsync(ctsB.Token);
        try
        {
            Assert.True(await PollAsync(() => a.IsLeader || b.IsLeader, Deadline), "nobody acquired the lease");

            // For a while (longer than the lease duration), exactly one leads.
            var both = false;
            await PollAsync(() => { both |= a.IsLeader && b.IsLeader; return false; }, LeaseDuration + TimeSpan.FromSeconds(0.5));
            Assert.False(both, "both candidates led at once");
            var (leader, leaderCts, leaderRun, follower) = a.IsLeader ? (a, ctsA, runA, b) : (b, ctsB, runB, a);
            Assert.False(follower.IsLeader);
            Assert.Equal(leader.Identity, (string?)Server.Get("coordination.k8s.io", "leases", Ns, "finscale-leader")!["spec"]!["holderIdentity"]);

            // The leader stops renewing (crash, shutdown); the other takes over once the lease expires.
            await leaderCts.CancelAsync();
            await leaderRun;
            Assert.False(leader.IsLeader);
            Assert.True(await PollAsync(() => follower.IsLeader, Deadline), "the follower did not take over");
            Assert.Equal(follower.Identity, (string?)Server.Get("coordination.k8s.io", "leases", Ns, "finscale-leader")!["spec"]!["holderIdentity"]);
        }
        finally
        {
            await ctsA.CancelAsync();
            await ctsB.CancelAsync();
            await Task.WhenAll(runA, runB);
        }
    }
}
