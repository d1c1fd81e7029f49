using System.Globalization;

namespace FinScale.Host.Chaos;

/// <summary>
/// Leadership: two runs with leader election compete for one Lease on the simulated cluster. The leader is SIGKILLed the
/// instant the cluster applied its first remediation. Checks: every remediation write comes from the Lease's holder at
/// that moment (one instance acts at a time), the standby takes the Lease within <see cref="HandoverBound"/> of the kill
/// (the lease duration counted from the last renewal it observed, plus its polling), and nothing is executed twice or
/// left unaudited.
/// </summary>
internal sealed class LeadershipPhase
{
    /// <summary>First chunk of this phase: its event times, anomalies and idempotency keys are its own.</summary>
    private const int ChunkBase = 4000;

    private const string LeaseName = "finscale-chaos";
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How often the phase reads the Lease while it waits for the handover.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Room for this phase's own poll and the API round trips of a retry (a Lease GET and PUT).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(500);
    private readonly ChaosContext _ctx;

    public LeadershipPhase(ChaosContext ctx) => _ctx = ctx;

    /// <summary>
    /// The longest a correct handover takes after the leader dies. The standby counts the lease duration from the moment it
    /// <em>observed</em> the last renewal (the Lease's own rule: "measured against the time of last observed renewTime"), it
    /// reads the Lease once per retry period, so it may see that renewal up to one retry period after it was written, and it
    /// notices the expiry at its next read, up to one more retry period later. The leader's last renewal came no later than
    /// its death, so the handover comes at most lease duration + 2 retry periods after the kill, plus <see cref="Slack"/>.
    /// </summary>
    internal static TimeSpan HandoverBound(TimeSpan lease) => lease + RetryPeriod + RetryPeriod + Slack;

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
            TimeSpan? sinceRenewal = null;
            DateTimeOffset? lastRenewal = null;
            while (_ctx.Time.GetElapsedTime(killedAt) < lease * 4)
            {
                var holder = _ctx.Cluster.LeaseHolder(LeaseName);
                if (holder == survivor)
                {
                    handover = _ctx.Time.GetElapsedTime(killedAt);
                    sinceRenewal = lastRenewal is { } r ? _ctx.Time.GetUtcNow() - r : null;
                    break;
                }

                if (holder == killed)
                    lastRenewal = _ctx.Cluster.LeaseRenewTime(LeaseName); // the dead leader's last renewal, as it wrote it

                await Task.Delay(PollInterval, _ctx.Time, cancellationToken);
            }

            var bound = HandoverBound(lease);
            if (handover is not { } h || h > bound)
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"the Lease passed to {survivor} after {(handover?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "never")} s, more than {bound.TotalSeconds:0.0#} s (lease duration {lease.TotalSeconds:0.#} s + 2 retry periods of {RetryPeriod.TotalSeconds:0.#} s + {Slack.TotalSeconds:0.0#} s)"));

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
                $"chaos leader killed={killed} kill=SIGKILL moment={(hit == written.Task ? "after-write" : "no-write-in-60s")} handover_to={survivor} after={handover?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "never"}s since_last_renewal={sinceRenewal?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "unknown"}s bound={bound.TotalSeconds:0.0#}s lease={lease.TotalSeconds:0.#}s writes_by_non_holder={foreign} records={records} uncommitted={uncommitted} {summary} lost_decisions={lostDecisions} doubled={doubled}"));
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
