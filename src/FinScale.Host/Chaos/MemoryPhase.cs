using System.Globalization;

namespace FinScale.Host.Chaos;

/// <summary>
/// Bounded memory: <see cref="ChaosSettings.Flood"/> records are on the broker before the run starts, so it can fetch
/// far faster than it detects (an unbounded backlog, the worst case of a flood). Checks:
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
        // The whole flood is on the broker before the run starts: it fetches as fast as it can, far faster than it detects,
        // so only its bounded channels (pausing the partitions) keep its memory in check.
        var floodStart = _ctx.Time.GetTimestamp();
        long flood = 0;
        for (var chunk = 0; flood < _ctx.Settings.Flood; chunk++)
            flood += await _ctx.PublishAsync(workload.Chunk(ChunkBase + chunk, null), topics.Metrics, cancellationToken);
        var produced = _ctx.Time.GetElapsedTime(floodStart);
        long records = 0;
        var backlog = _ctx.Uncommitted(topics);
        if (_ctx.DroppedByRetention(topics) is > 0 and var dropped)
            problems.Add($"the embedded broker dropped {dropped} records of the flood (retention): use a smaller --flood");
        using var child = _ctx.StartRun(topics, "chaos-memory");
        var drainStart = _ctx.Time.GetTimestamp();
        if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(5), cancellationToken, child))
            problems.Add("the run did not commit the whole flood within 5 min");
        var drained = _ctx.Time.GetElapsedTime(drainStart);
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
            problems.Add(stopped); // a clean stop (exit 0 within 10 s of the signal) is part of the contract

        var uncommitted = _ctx.Uncommitted(topics);
        var drainRate = flood / Math.Max(0.001, drained.TotalSeconds);
        _ctx.Report(string.Create(CultureInfo.InvariantCulture,
            $"chaos memory flood={flood} backlog_at_start={backlog} produced_in={produced.TotalSeconds:F1}s processed_at={drainRate:F0}/s (including start-up) rss_peak={peak / 1048576}MiB budget={_ctx.Settings.MemoryBudgetMb}MiB uncommitted={uncommitted}"));
        return new PhaseResult("memory", 1, records, uncommitted, 0, problems);
    }
}
