using System.Globalization;

namespace FinScale.Host.Chaos;

/// <summary>
/// Leadership: two runs with leader election compete for one Lease on the simulated cluster. The leader is SIGKILLed the
/// instant the cluster applied its first remediation. Checks: every remediation write comes from the Lease's holder at
/// that moment (one instance acts at a time), the standby takes the Lease within the lease duration plus one retry
/// period, and nothing is executed twice or left unaudited.
/// </summary>
internal sealed class LeadershipPhase
{
    /// <summary>First chunk of this phase: its event times, anomalies and idempotency keys are its own.</summary>
    private const int ChunkBase = 4000;

    private const string LeaseName = "finscale-chaos";
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(1);
    private readonly ChaosContext _ctx;

    public LeadershipPhase(ChaosContext ctx) => _ctx = ctx;

    public async Task<PhaseResult> RunAsync(ChaosWorkload workload, CancellationToken cancellationToken)
    {
        var topics = _ctx.CreateTopics("leader");
        var mark = _ctx.Cluster.WriteCount;
        var problems = new List<string>();
        var lease = _ctx.Settings.LeaseDuration;
        var children = new Dictionary<string, RunChild>(StringComparer.Ordinal);
        try
        {
            foreach (var identity in new[] { "chaos-a", "chaos-b" })
            {
                children[identity] = _ctx.StartRun(topics, identity, new Dictionary<string, string>
                {
                    ["FINSCALE_Kubernetes__LeaderElection__Enabled"] = "true",
                    ["FINSCALE_Kubernetes__LeaderElection__LeaseNamespace"] = ChaosCluster.Namespace,
                    ["FINSCALE_Kubernetes__LeaderElection__LeaseName"] = LeaseName,
                    ["FINSCALE_Kubernetes__LeaderElection__Identity"] = identity,
                    ["FINSCALE_Kubernetes__LeaderElection__LeaseDuration"] = lease.ToString("c", CultureInfo.InvariantCulture),
                    ["FINSCALE_Kubernetes__LeaderElection__RenewDeadline"] = (lease * 0.75).ToString("c", CultureInfo.InvariantCulture),
                    ["FINSCALE_Kubernetes__LeaderElection__RetryPeriod"] = RetryPeriod.ToString("c", CultureInfo.InvariantCulture),
                });
            }

            var started = _ctx.Time.GetTimestamp();
            while (_ctx.Cluster.LeaseHolder(LeaseName) is null && _ctx.Time.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
                await Task.Delay(TimeSpan.FromMilliseconds(100), _ctx.Time, cancellationToken);

            // Every remediation write must come from the Lease's holder at that moment.
            var foreign = 0;
            var written = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ctx.Cluster.Server.AfterWrite = w =>
            {
                if (!CrashPhase.IsAction(w))
                    return;
                if (w.Client != _ctx.Cluster.LeaseHolder(LeaseName))
                    Interlocked.Increment(ref foreign);
                if (w.Client is { } client && written.TrySetResult(client) && children.TryGetValue(client, out var leader))
                    leader.Kill(); // the leader dies the instant its first remediation is applied, before it audits it
            };

            long records = await _ctx.PublishAsync(workload.Chunk(ChunkBase + 0, 0), topics.Metrics, cancellationToken);
            var hit = await Task.WhenAny(written.Task, Task.Delay(TimeSpan.FromSeconds(60), _ctx.Time, cancellationToken));
            string? killed = hit == written.Task ? await written.Task : _ctx.Cluster.LeaseHolder(LeaseName);
            var killedAt = _ctx.Time.GetTimestamp();
            if (killed is null || !children.TryGetValue(killed, out var dead))
            {
                problems.Add("no instance held the Lease");
                return new PhaseResult("leader", 0, records, 0, 0, problems);
            }

            dead.Kill();
            var survivor = children.Keys.Single(k => k != killed);
            TimeSpan? handover = null;
            while (_ctx.Time.GetElapsedTime(killedAt) < lease * 4)
            {
                if (_ctx.Cluster.LeaseHolder(LeaseName) == survivor)
                {
                    handover = _ctx.Time.GetElapsedTime(killedAt);
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), _ctx.Time, cancellationToken);
            }

            if (handover is not { } h || h > lease + RetryPeriod)
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"the Lease passed to {survivor} after {(handover?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "never")} s, more than the lease duration {lease.TotalSeconds:0.#} s + retry period {RetryPeriod.TotalSeconds:0.#} s"));

            records += await _ctx.PublishAsync(workload.Chunk(ChunkBase + 1, 1), topics.Metrics, cancellationToken);
            if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(2), cancellationToken, children[survivor]))
                problems.Add($"{survivor} did not commit the whole input within 2 min of the takeover");
            _ctx.Cluster.Server.AfterWrite = null;
            if (await children[survivor].StopAsync() is { } stopped)
                problems.Add(stopped); // a clean stop (exit 0 within 10 s of the signal) is part of the contract
            if (foreign > 0)
                problems.Add($"{foreign} remediation writes came from an instance that did not hold the Lease");

            var uncommitted = _ctx.Uncommitted(topics);
            var (lostDecisions, doubled, summary) = DecisionLedger.Check(_ctx.Cluster.ActionWrites(mark), await _ctx.ReadDecisionsAsync(topics, cancellationToken), await _ctx.ReadOpenIntentsAsync(topics, cancellationToken));
            _ctx.Report(string.Create(CultureInfo.InvariantCulture,
                $"chaos leader killed={killed} kill=SIGKILL moment={(hit == written.Task ? "after-write" : "no-write-in-60s")} handover_to={survivor} after={handover?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "never"}s lease={lease.TotalSeconds:0.#}s writes_by_non_holder={foreign} records={records} uncommitted={uncommitted} {summary} lost_decisions={lostDecisions} doubled={doubled}"));
            return new PhaseResult("leader", 1, records, uncommitted + lostDecisions, doubled, problems);
        }
        finally
        {
            _ctx.Cluster.Server.AfterWrite = null;
            foreach (var c in children.Values)
                c.Dispose();
        }
    }
}
