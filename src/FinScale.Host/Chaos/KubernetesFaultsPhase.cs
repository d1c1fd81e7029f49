using System.Globalization;
using FinScale.Contracts;
using FinScale.Testing.Kubernetes;

namespace FinScale.Host.Chaos;

/// <summary>
/// Kubernetes faults: one run, in enforce mode with a short attempt timeout and <see cref="MaxAttempts"/> attempts per
/// API call, consumes one incident per chunk (a slow pod of its own deployment, restarted with its deployment; in
/// <see cref="ChaosPolicy.EvictionNamespace"/> evicted) while the simulated API server answers the remediation's write with
/// injected faults: 500 and 503 fewer times than the attempts (the executor's retries get through), as many times as the
/// attempts (the decision is audited failed with the API's error and tried again by the decision stage), answers held
/// back beyond the attempt timeout (once, and on every attempt), a 409 conflict on the patch, and a PodDisruptionBudget's
/// 429 on an eviction (lifted once refused). Checks: every fault shows in the audit (a failed record with the status, a
/// blocked record, or a success that says it took more than one attempt), no call made more than
/// <see cref="MaxAttempts"/> attempts (counted at the server), no write after a success, the run keeps consuming (the
/// whole input committed), and nothing is lost or doubled.
/// </summary>
internal sealed class KubernetesFaultsPhase
{
    /// <summary>First chunk of this phase: its event times, anomalies and idempotency keys are its own.</summary>
    private const int ChunkBase = 5000;

    /// <summary>Attempts per API call the run is configured with (<c>Kubernetes:MaxAttempts</c>).</summary>
    private const int MaxAttempts = 3;

    /// <summary>Deployment in <see cref="ChaosPolicy.EvictionNamespace"/> whose slow pod is evicted.</summary>
    private const string EvictedDeployment = "pdb-00";

    /// <summary>How long one API call may take (<c>Kubernetes:AttemptTimeout</c>); a timeout fault holds its answer back 3 times as long.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The incidents, one per chunk: <c>Times</c> answers of <c>Status</c> (0: held back past the attempt timeout,
    /// and never served) to the remediation's write; <c>Pdb</c>: an eviction a PodDisruptionBudget refuses once.</summary>
    private static readonly FaultCase[] Cases =
    [
        new("500-transient", MaxAttempts - 1, 500),
        new("503-transient", MaxAttempts - 1, 503),
        new("timeout-transient", 1, 0),
        new("500-persistent", MaxAttempts, 500),
        new("503-persistent", MaxAttempts, 503),
        new("timeout-persistent", MaxAttempts, 0),
        new("409-conflict", 1, 409),
        new("429-pdb", 1, 429, Pdb: true),
    ];

    private readonly ChaosContext _ctx;

    public KubernetesFaultsPhase(ChaosContext ctx) => _ctx = ctx;

    public async Task<PhaseResult> RunAsync(CancellationToken cancellationToken)
    {
        var topics = _ctx.CreateTopics("kubernetes");
        var server = _ctx.Cluster.Server;

        // Its own deployments, one per case (a pod slowed down again a few chunks later is a question for the detector,
        // not for this phase), their pods spread over four nodes; the last case's in the eviction namespace.
        var nodes = Enumerable.Range(0, ChaosCluster.PodsPerDeployment).Select(p => string.Create(CultureInfo.InvariantCulture, $"api-node-{p}")).ToList();
        var pods = new List<ChaosPod>();
        for (var i = 0; i < Cases.Length; i++)
        {
            var (ns, name) = Cases[i].Pdb ? (ChaosPolicy.EvictionNamespace, EvictedDeployment) : (ChaosCluster.Namespace, string.Create(CultureInfo.InvariantCulture, $"api-{i:00}"));
            pods.AddRange(_ctx.Cluster.AddDeployment(ns, name, nodes, seed: 90_000 + (i * 101)));
        }

        var workload = new ChaosWorkload(pods, _ctx.Settings.Seed);
        var mark = _ctx.Cluster.WriteCount;
        var problems = new List<string>();
        using var child = _ctx.StartRun(topics, "chaos-kubernetes", new Dictionary<string, string>
        {
            ["FINSCALE_Kubernetes__MaxAttempts"] = MaxAttempts.ToString(CultureInfo.InvariantCulture),
            ["FINSCALE_Kubernetes__AttemptTimeout"] = AttemptTimeout.ToString("c", CultureInfo.InvariantCulture),
        });

        long records = 0;
        var runs = new List<CaseRun>();
        for (var i = 0; i < Cases.Length && !child.HasExited; i++)
        {
            var c = Cases[i];
            var slow = pods[(i * ChaosCluster.PodsPerDeployment) + 2];
            var target = c.Pdb ? new ActionTarget(slow.Namespace, "Pod", slow.Pod) : new ActionTarget(slow.Namespace, "Deployment", slow.Deployment);
            var run = new CaseRun(c, ChunkBase + i, target, server.Requests.Count, _ctx.Cluster.WriteCount);
            runs.Add(run);
            Inject(c, target);

            // The pod stays slow to the end of the chunk, so its episode is still open when the decision stage tries again.
            records += await _ctx.PublishAsync(workload.Chunk(run.Chunk, (p, m) => p == slow && m >= ChaosWorkload.SpikeMinute ? ChaosWorkload.SlowValue : null), topics.Metrics, cancellationToken);
            if (c.Pdb)
            {
                // Refused once (the run audits it blocked), then the budget allows a disruption again and its retry evicts.
                if (!await WaitAsync(() => RequestsTo(run, server).Any(IsWrite), TimeSpan.FromSeconds(60), cancellationToken))
                    problems.Add($"{c.Name}: no eviction of {target} was attempted within 60 s");
                run.FaultedWrites = RequestsTo(run, server).Count(IsWrite);
                server.UnblockEviction(target.Namespace, target.Name);
            }

            if (!await WaitAsync(() => _ctx.Cluster.ActionWrites(run.WriteMark).Any(w => Targets(w.Request, target)), TimeSpan.FromSeconds(60), cancellationToken))
                problems.Add($"{c.Name}: {target} was not written within 60 s");
            if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(2), cancellationToken, child))
                problems.Add($"{c.Name}: the run did not commit the chunk within 2 min");
            if (c.Pdb && server.Get(string.Empty, "pods", target.Namespace, target.Name) is null)
                _ctx.Cluster.AddPod(slow); // its ReplicaSet's replacement
            run.RequestEnd = server.Requests.Count;
            run.WriteEnd = _ctx.Cluster.WriteCount;
        }

        // A last chunk without incident ends the last episode; the run must still be consuming.
        records += await _ctx.PublishAsync(workload.Chunk(ChunkBase + Cases.Length, null), topics.Metrics, cancellationToken);
        if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(2), cancellationToken, child))
            problems.Add("the run did not commit the whole input within 2 min");
        if (child.HasExited)
            problems.Add($"the run exited during the phase (code {await child.WaitAsync(TimeSpan.Zero)})");
        if (await child.StopAsync() is { } stopped)
            problems.Add(stopped); // a clean stop (exit 0 within 10 s of the signal) is part of the contract

        var decisions = await _ctx.ReadDecisionsAsync(topics, cancellationToken);
        long faults = 0;
        var maxAttempts = 0;
        var afterSuccess = 0;
        foreach (var run in runs)
        {
            var (injected, attempts, repeated, audit) = Check(run, server, decisions, problems);
            faults += injected;
            maxAttempts = Math.Max(maxAttempts, attempts);
            afterSuccess += repeated;
            _ctx.Report(string.Create(CultureInfo.InvariantCulture,
                $"chaos kubernetes case={run.Case.Name} target={run.Target} faults={injected} max_attempts={attempts} writes_after_success={repeated} audit={audit}"));
        }

        if (maxAttempts > MaxAttempts)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"a call was attempted {maxAttempts} times, more than Kubernetes:MaxAttempts {MaxAttempts}"));
        if (afterSuccess > 0)
            problems.Add($"{afterSuccess} writes were sent after a write to the same target had succeeded");

        var uncommitted = _ctx.Uncommitted(topics);
        var (lostDecisions, doubled, summary) = DecisionLedger.Check(_ctx.Cluster.ActionWrites(mark), decisions, await _ctx.ReadOpenIntentsAsync(topics, cancellationToken));
        var outcomes = string.Join(" ", decisions.GroupBy(d => d.Outcome).OrderBy(g => g.Key).Select(g => $"{Name(g.Key)}={g.Count()}"));
        _ctx.Report(string.Create(CultureInfo.InvariantCulture,
            $"chaos kubernetes cases={runs.Count} faults={faults} attempts_limit={MaxAttempts} max_attempts_seen={maxAttempts} writes_after_success={afterSuccess} outcomes=[{outcomes}] records={records} uncommitted={uncommitted} {summary} lost_decisions={lostDecisions} doubled={doubled}"));
        return new PhaseResult("kubernetes", faults, records, uncommitted + lostDecisions, doubled, problems);
    }

    /// <summary>Arms the case's fault on the server for writes to <paramref name="target"/>.</summary>
    private void Inject(FaultCase c, ActionTarget target)
    {
        var server = _ctx.Cluster.Server;
        if (c.Pdb)
        {
            server.BlockEviction(target.Namespace, target.Name, EvictedDeployment + "-pdb");
            return;
        }

        bool Match(ApiRequest r) => IsWrite(r) && Targets(r, target);
        if (c.Status == 0)
        {
            // Held back past the attempt timeout, then answered 504 without serving: a request the run gave up on never applies.
            server.InjectFault(c.Times, status: 504, delay: AttemptTimeout * 3, match: Match);
        }
        else
        {
            server.InjectFault(c.Times, status: c.Status, match: Match);
        }
    }

    /// <summary>
    /// The case's figures and the problems it shows: faults answered (the first writes to the target; every write
    /// refused while the budget blocked), the most writes between two reads of the target (the attempts of one call),
    /// writes after the successful one, and whether the audit shows the fault.
    /// </summary>
    private static (int Faults, int MaxAttempts, int Repeated, string Audit) Check(CaseRun run, FakeKubernetesApiServer server, List<RemediationDecision> decisions, List<string> problems)
    {
        var c = run.Case;
        var requests = RequestsTo(run, server);
        var writes = requests.Count(IsWrite);
        var faulted = c.Pdb ? run.FaultedWrites : Math.Min(c.Times, writes);
        var succeeded = server.Writes.Skip(run.WriteMark).Take(run.WriteEnd - run.WriteMark).Count(w => Targets(w.Request, run.Target));

        // One call's attempts are the writes that follow one read of the target (the executors read before they write).
        int most = 0, current = 0;
        foreach (var r in requests)
        {
            current = IsWrite(r) ? current + 1 : 0;
            most = Math.Max(most, current);
        }

        var repeated = Math.Max(0, writes - faulted - 1);
        if (faulted < c.Times)
            problems.Add($"{c.Name}: {faulted} of the {c.Times} injected faults were answered (the run wrote {writes} times)");
        if (succeeded != 1)
            problems.Add($"{c.Name}: {succeeded} successful writes to {run.Target}, not 1");

        var mine = decisions.Where(d => d.Target == run.Target && ChaosWorkload.ChunkOf(d.EventTime) == run.Chunk).ToList();
        var executed = mine.FirstOrDefault(d => d.Outcome == DecisionOutcome.Executed);
        string? expected = (c.Status, c.Times) switch
        {
            (429, _) => "disruption budget",
            (0, MaxAttempts) => "no answer within",
            (0, _) => null,
            (409, _) => "HTTP 409",
            (var s, MaxAttempts) => string.Create(CultureInfo.InvariantCulture, $"HTTP {s}"),
            _ => null,
        };
        string audit;
        if (expected is null)
        {
            // Transient: the executor's own retries got through; the success says how many attempts it took.
            var attempts = string.Create(CultureInfo.InvariantCulture, $"({c.Times + 1} attempts)");
            audit = executed?.Response?.Contains(attempts, StringComparison.Ordinal) == true ? "executed" + attempts : "missing";
            if (executed is null || !executed.Response!.Contains(attempts, StringComparison.Ordinal))
                problems.Add($"{c.Name}: no executed decision for {run.Target} whose response says {attempts}");
            if (mine.Any(d => d.Outcome is DecisionOutcome.Failed or DecisionOutcome.Blocked))
                problems.Add($"{c.Name}: a transient fault was audited as a failure although a retry got through");
        }
        else
        {
            var refusal = c.Pdb ? DecisionOutcome.Blocked : DecisionOutcome.Failed;
            var first = mine.FirstOrDefault(d => d.Outcome == refusal && d.Response?.Contains(expected, StringComparison.OrdinalIgnoreCase) == true);
            audit = $"{(first is null ? "missing" : Name(refusal))}(\"{expected}\")+{(executed is null ? "not-retried" : "executed-by-retry")}";
            if (first is null)
                problems.Add($"{c.Name}: no {Name(refusal)} decision for {run.Target} whose response carries \"{expected}\"");
            if (executed is null)
                problems.Add($"{c.Name}: the decision stage did not carry {run.Target} out on a later try");
        }

        return (faulted, most, repeated, audit);
    }

    /// <summary>Requests to the case's target object since the case began, until it ended (reads and writes; not lists).</summary>
    private static List<ApiRequest> RequestsTo(CaseRun run, FakeKubernetesApiServer server) =>
        server.Requests.Skip(run.RequestMark).Take(run.RequestEnd - run.RequestMark).Where(r => r.Verb != "list" && Targets(r, run.Target)).ToList();

    private static bool IsWrite(ApiRequest r) => r.Verb is "patch" or "create" or "update";

    private static bool Targets(ApiRequest r, ActionTarget target) =>
        r.Namespace == target.Namespace && r.Name == target.Name
        && (target.Kind == "Pod" ? r.Resource == "pods" && r.Subresource is null or "eviction" : r.Resource == "deployments" && r.Subresource is null);

    private async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var since = _ctx.Time.GetTimestamp();
        while (!condition())
        {
            if (_ctx.Time.GetElapsedTime(since) > timeout)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(100), _ctx.Time, cancellationToken);
        }

        return true;
    }

    private static string Name(DecisionOutcome o) => o switch
    {
        DecisionOutcome.HeldBack => "held_back",
        DecisionOutcome.NoAction => "no_action",
        DecisionOutcome.DryRun => "dry_run",
        _ => o.ToString().ToLowerInvariant(),
    };

    /// <summary>One kind of fault: <paramref name="Times"/> answers of <paramref name="Status"/> (0: no answer within the attempt timeout).</summary>
    private sealed record FaultCase(string Name, int Times, int Status, bool Pdb = false);

    /// <summary>One incident as it ran: its chunk, its target, and where the server's request and write logs stood when it began.</summary>
    private sealed record CaseRun(FaultCase Case, int Chunk, ActionTarget Target, int RequestMark, int WriteMark)
    {
        /// <summary>Evictions refused while the budget blocked them.</summary>
        public int FaultedWrites { get; set; }

        /// <summary>Where the server's request log stood when the case ended (while it runs: no end).</summary>
        public int RequestEnd { get; set; } = int.MaxValue;

        /// <summary>Where the server's write log stood when the case ended (while it runs: no end).</summary>
        public int WriteEnd { get; set; } = int.MaxValue;
    }
}
