using System.Globalization;
using FinScale.Testing.Kubernetes;

namespace FinScale.Host.Chaos;

/// <summary>
/// Crash consistency: each trial starts <c>finscale run</c>, publishes a chunk of the workload with one slow pod and
/// SIGKILLs the run either at a random moment once it consumes or (every other trial) the instant the cluster applied a remediation,
/// before the run sees the answer or audits it. A last run then finishes the input. Checks: the group's committed
/// offsets reach the end of every input partition, every remediation the cluster applied is on the audit topic, and no
/// idempotency key was applied twice.
/// </summary>
internal sealed class CrashPhase
{
    private const string Identity = "chaos-crash";
    private readonly ChaosContext _ctx;

    public CrashPhase(ChaosContext ctx) => _ctx = ctx;

    public async Task<PhaseResult> RunAsync(ChaosWorkload workload, CancellationToken cancellationToken)
    {
        var topics = _ctx.CreateTopics("crash");
        var mark = _ctx.Cluster.WriteCount;
        var problems = new List<string>();
        long records = 0;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var trial = 0; trial < _ctx.Settings.Trials; trial++)
        {
            var port = ChaosContext.FreePort();
            using var child = _ctx.StartRun(topics, Identity, new Dictionary<string, string> { ["FINSCALE_Telemetry__Port"] = port.ToString(CultureInfo.InvariantCulture) });
            var onWrite = trial % 2 == 0;
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = _ctx.Time.GetTimestamp();
            if (onWrite)
            {
                // Killed inside the server's write handler: the change is applied, the answer never reaches the run.
                _ctx.Cluster.Server.AfterWrite = w =>
                {
                    if (IsAction(w) && written.TrySetResult())
                        child.Kill();
                };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(_ctx.Random.Next(0, 2500)), _ctx.Time, cancellationToken);
            records += await _ctx.PublishAsync(workload.Chunk(trial, trial % workload.Deployments), topics.Metrics, cancellationToken);
            string how;
            if (onWrite)
            {
                var hit = await Task.WhenAny(written.Task, Task.Delay(TimeSpan.FromSeconds(20), _ctx.Time, cancellationToken));
                how = hit == written.Task ? "after-write" : "no-write-in-20s";
            }
            else
            {
                // A random moment once the run is consuming (it first waits for the killed member's partitions).
                var consuming = _ctx.Time.GetTimestamp();
                while (await ChaosContext.RecordsConsumedAsync(http, port, cancellationToken) is not > 0 && _ctx.Time.GetElapsedTime(consuming) < TimeSpan.FromSeconds(20))
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _ctx.Time, cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(_ctx.Random.Next(0, 1500)), _ctx.Time, cancellationToken);
                how = "random-while-consuming";
            }

            _ctx.Cluster.Server.AfterWrite = null;
            child.Kill();
            await child.WaitAsync(TimeSpan.FromSeconds(10));
            _ctx.Report(string.Create(CultureInfo.InvariantCulture,
                $"chaos crash trial={trial + 1}/{_ctx.Settings.Trials} kill=SIGKILL moment={how} at={_ctx.Time.GetElapsedTime(started).TotalSeconds:F1}s pid={child.Id} uncommitted={_ctx.Uncommitted(topics)}"));
        }

        // The last run finishes what the killed ones left, and stops cleanly.
        using (var last = _ctx.StartRun(topics, Identity))
        {
            records += await _ctx.PublishAsync(workload.Chunk(_ctx.Settings.Trials, null), topics.Metrics, cancellationToken);
            if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(3), cancellationToken, last))
                problems.Add("the last run did not commit the whole input within 3 min");
            if (await last.StopAsync() is { } stopped)
                problems.Add(stopped); // a clean stop (exit 0 within 10 s of the signal) is part of the contract
        }

        var uncommitted = _ctx.Uncommitted(topics);
        var writes = _ctx.Cluster.ActionWrites(mark);
        var (lostDecisions, doubled, summary) = DecisionLedger.Check(writes, await _ctx.ReadDecisionsAsync(topics, cancellationToken), await _ctx.ReadOpenIntentsAsync(topics, cancellationToken));
        _ctx.Report($"chaos crash done records={records} uncommitted={uncommitted} {summary} lost_decisions={lostDecisions} doubled={doubled}");
        return new PhaseResult("crash", _ctx.Settings.Trials, records, uncommitted + lostDecisions, doubled, problems);
    }

    /// <summary>A write of a remediation (not the leader Lease).</summary>
    public static bool IsAction(ApiWrite write) => write.Request.Resource != "leases";
}
