using System.Globalization;
using System.Text.RegularExpressions;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale bench</c> on a small workload: it runs end to end and its last line keeps its format. No timing thresholds.</summary>
public partial class BenchCliTests
{
    [Fact]
    public async Task Bench_SmallWorkload_LastLineHasSaneNumbers()
    {
        // 10 pods x 108 series, 130 ticks: past the ensemble's 100-point warm-up, so the live spikes open anomalies.
        var bench = await FinscaleProcess.RunAsync(["bench", "--series", "1000", "--points-per-record", "100", "--records", "1300", "--partitions", "8", "--latency-phase", "2s"], TimeSpan.FromMinutes(3));

        Assert.True(bench.ExitCode == 0, bench.Stdout + bench.Stderr);
        var last = bench.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        var m = LastLine().Match(last);
        Assert.True(m.Success, bench.Stdout);

        // 60-sigma spikes, each on a series that never spiked before, spread over the pods: nearly all are detected
        // (detection, not speed; the latency figures themselves are not asserted). Not all: a series whose noise opened
        // an episode in the throughput rounds is still in it, and a spike as rare as that opening is no escalation
        // (1 of ~200 in each phase here). Before the spikes were spread, repeats on 14 gauges per pod left 0-56 %.
        var detected = Detected().Match(bench.Stdout);
        Assert.True(detected.Success, bench.Stdout);
        Assert.True(int.Parse(detected.Groups["seen"].Value, CultureInfo.InvariantCulture) >= 0.9 * int.Parse(detected.Groups["of"].Value, CultureInfo.InvariantCulture), bench.Stdout);
        Assert.InRange(double.Parse(m.Groups["points"].Value, CultureInfo.InvariantCulture), 1, 1e9);
        Assert.InRange(double.Parse(m.Groups["ratio"].Value, CultureInfo.InvariantCulture), 1e-6, 10);
        Assert.InRange(double.Parse(m.Groups["p99"].Value, CultureInfo.InvariantCulture), 0, 60_000);
        Assert.InRange(double.Parse(m.Groups["rss"].Value, CultureInfo.InvariantCulture), 1, 64 * 1024);
        Assert.Contains("records: 1,300 in 1 round(s), 130,000 OTLP data points", bench.Stdout, StringComparison.Ordinal);
        Assert.Contains("series: 1,080 interned, 0 refused", bench.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_TickStepOfHours_WithCheckpoints_AgesTheSeriesAndStillRuns()
    {
        // 130 ticks 2 h apart: 10.8 days of event time, so the series' daily and weekly profiles reach full length. With
        // checkpoints every second, the latency phase alone spans a couple of cycles.
        var bench = await FinscaleProcess.RunAsync(["bench", "--series", "1000", "--points-per-record", "100", "--records", "1300", "--partitions", "8", "--latency-phase", "2s", "--tick-step", "2h", "--checkpoint-interval", "1s"], TimeSpan.FromMinutes(3));

        Assert.True(bench.ExitCode == 0, bench.Stdout + bench.Stderr);
        Assert.Contains("one record per pod per tick, ticks 7200 s apart in event time", bench.Stdout, StringComparison.Ordinal);
        Assert.Contains("series: 1,080 interned, 0 refused; points out of order 0, dead-lettered records 0", bench.Stdout, StringComparison.Ordinal);
        var checkpoints = Checkpoints().Match(bench.Stdout);
        Assert.True(checkpoints.Success, bench.Stdout);
        Assert.True(long.Parse(checkpoints.Groups["measuring"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) >= 1_080, checkpoints.Value);
        Assert.Matches(LastLine(), bench.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]);
    }

    [Theory]
    [InlineData("bench --tick-step 0s", "--tick-step must be between 1s and 24h, got 0s")]
    [InlineData("bench --tick-step 25h", "--tick-step must be between 1s and 24h, got 25h")]
    [InlineData("bench --tick-step 2d", "'2d' is not a duration")]
    [InlineData("bench --checkpoint-interval 0s", "--checkpoint-interval must be between 1s and 1h, got 0s")]
    [InlineData("bench --series abc", "Cannot parse argument 'abc' for option '--series'")]
    [InlineData("bench --series 0", "--series must be between 1 and 100000000, got 0")]
    [InlineData("broker --brokers x", "Cannot parse argument 'x' for option '--brokers'")]
    [InlineData("bench --records abc", "Cannot parse argument 'abc' for option '--records'")]
    [InlineData("bench --records 100 --seconds 5", "--records and --seconds exclude each other")]
    public async Task BadArguments_FailAtStartNamingTheOption(string args, string error)
    {
        // An unparsable number (bench --series abc, bench --records abc) crashed with an unhandled exception: a validator
        // read a value that had not parsed. Broker's --brokers validator read it the same way.
        var run = await FinscaleProcess.RunAsync(args.Split(' '), TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(error, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(14)]
    [InlineData(90)]
    [InlineData(98)]
    [InlineData(490)]
    [InlineData(997)]
    public void SpikeStride_VisitsEveryGaugeOnce(int gauges)
    {
        var stride = FinScale.Host.Bench.BenchRunner.SpikeStride(gauges);

        var visited = Enumerable.Range(0, gauges).Select(n => (int)((((long)n * stride) + 3) % gauges)).ToHashSet();

        Assert.Equal(gauges, visited.Count);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 100)]
    [InlineData(1_000_000, 500)]
    [InlineData(999_999, 49)]
    [InlineData(10_000, 10_000)]
    public void SeriesFor_IsTheWorkloadsSeriesCount(int series, int pointsPerRecord)
    {
        // The bench raises the pipeline's cap to this count: had it differed from what the workload produces, the last
        // pod's series would have been refused (a million at 500 points per record is 1,000,080 series).
        var workload = new FinScale.Host.Bench.OtlpBenchWorkload(series, pointsPerRecord, DateTimeOffset.UnixEpoch);

        Assert.Equal(workload.Series, FinScale.Host.Bench.OtlpBenchWorkload.SeriesFor(series, pointsPerRecord));
        Assert.InRange(workload.Series, series, series + workload.SeriesPerResource - 1);
    }

    [GeneratedRegex(@"checkpoints every 1 s: (?<measuring>[\d,]+) series states written while measuring, [\d,]+ more at stop")]
    private static partial Regex Checkpoints();

    [GeneratedRegex(@"latency, record append -> anomaly emitted: .* over (?<seen>\d+) of (?<of>\d+) spikes detected")]
    private static partial Regex Detected();

    [GeneratedRegex(@"^bench points_per_s=(?<points>\d+) ratio=(?<ratio>\d+\.\d+) p99_ms=(?<p99>\d+\.\d+) rss_mb=(?<rss>\d+)$")]
    private static partial Regex LastLine();
}
