using System.Globalization;

namespace FinScale.Host.Chaos;

/// <summary>
/// Bounded memory: with a run started and caught up on a small chunk, <see cref="ChaosSettings.Flood"/> records are
/// produced as fast as the producer goes, faster than the run processes them (the report gives both rates). Checks:
/// the run's peak resident set size (VmHWM) stays under <see cref="ChaosSettings.MemoryBudgetMb"/> (its bounded
/// channels pause the partitions instead of buffering), it never exits, and it commits the whole flood.
/// </summary>
internal sealed class MemoryPhase
{
    /// <summary>First chunk of this phase: its event times, anomalies and idempotency keys are its own.</summary>
    private const int ChunkBase = 3000;

    private readonly ChaosContext _ctx;

    public MemoryPhase(ChaosContext ctx) => _ctx = ctx;

    public async Task<PhaseResult> RunAsync(ChaosWorkload workload, CancellationToken cancellationToken)
    {
        // More partitions: the embedded broker keeps ~5 MiB per partition, and a flood must not be dropped by retention.
        var topics = _ctx.CreateTopics("memory", partitions: 8);
        var problems = new List<string>();
        using var child = _ctx.StartRun(topics, "chaos-memory");
        long records = await _ctx.PublishAsync(workload.Chunk(ChunkBase + 0, null), topics.Metrics, cancellationToken);
        if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(2), cancellationToken, child))
            problems.Add("the run did not catch up before the flood");
        var idleRss = child.PeakRssBytes() ?? 0;

        var floodStart = _ctx.Time.GetTimestamp();
        long flood = 0;
        for (var chunk = 1; flood < _ctx.Settings.Flood; chunk++)
            flood += await _ctx.PublishAsync(workload.Chunk(ChunkBase + chunk, null), topics.Metrics, cancellationToken);
        var produced = _ctx.Time.GetElapsedTime(floodStart);
        var backlog = _ctx.Uncommitted(topics);
        if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(5), cancellationToken, child))
            problems.Add("the run did not commit the whole flood within 5 min");
        var drained = _ctx.Time.GetElapsedTime(floodStart);
        records += flood;

        var peak = child.PeakRssBytes() ?? 0;
        var budget = _ctx.Settings.MemoryBudgetMb * 1024L * 1024L;
        if (peak > budget)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"peak RSS {peak / 1048576} MiB is over the budget of {_ctx.Settings.MemoryBudgetMb} MiB"));
        if (peak == 0)
            problems.Add("the run's peak RSS could not be read (/proc)");
        if (child.HasExited)
            problems.Add($"the run exited during the flood (code {await child.WaitAsync(TimeSpan.Zero)})");
        if (await child.StopAsync() is { } stopped)
            _ctx.Report("chaos note: " + stopped); // not a failed check: the checks were made while it ran

        var uncommitted = _ctx.Uncommitted(topics);
        var produceRate = flood / Math.Max(0.001, produced.TotalSeconds);
        var drainRate = flood / Math.Max(0.001, drained.TotalSeconds);
        _ctx.Report(string.Create(CultureInfo.InvariantCulture,
            $"chaos memory flood={flood} produced_at={produceRate:F0}/s processed_at={drainRate:F0}/s ratio={produceRate / drainRate:F1} backlog_when_produced={backlog} rss_idle={idleRss / 1048576}MiB rss_peak={peak / 1048576}MiB budget={_ctx.Settings.MemoryBudgetMb}MiB uncommitted={uncommitted}"));
        return new PhaseResult("memory", 1, records, uncommitted, 0, problems);
    }
}
