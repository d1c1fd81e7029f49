using FinScale.Kubernetes.LeaderElection;
using Microsoft.Extensions.Hosting;

namespace FinScale.Host.Remediation;

/// <summary>Competes for the leader lease for as long as <c>finscale run</c> runs (when <c>Kubernetes:LeaderElection:Enabled</c>).</summary>
internal sealed class LeaderElectionRunner(LeaderElectionService leadership) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.RunAsync(stoppingToken);
}
