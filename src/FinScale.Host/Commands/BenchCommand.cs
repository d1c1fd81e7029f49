using System.CommandLine;
using System.Diagnostics;
using FinScale.Contracts;
using FinScale.Host.Bench;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale bench</c>: produces an OTLP metrics workload, then measures a bare consumer and the full pipeline over the
/// same records, the append-to-anomaly latency at half the measured rate, peak RSS and heap per series. Without
/// <c>--bootstrap-servers</c> the embedded broker runs in a child process (<c>finscale broker</c>), so its retained log
/// is not counted in this process's memory.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.BootstrapServers();
        bootstrap.Description = "Kafka bootstrap servers; the bench creates fresh topics finscale-bench-<id>.*. Without it, an embedded broker is started in a child process.";
        var series = new Option<int>("--series") { Description = "Distinct series (rounded up to whole pods), e.g. 10000, 100000, 1000000.", DefaultValueFactory = _ => 10_000 };
        var points = new Option<int>("--points-per-record") { Description = "OTLP data points per record (one pod's export), 1-10000.", DefaultValueFactory = _ => 500 };
        var records = new Option<long?>("--records") { Description = "Records of the throughput workload (default: 120 ticks of every pod, past the detector warm-up of 100 points)." };
        var seconds = new Option<double?>("--seconds") { Description = "Instead of --records: add rounds until the pipeline was measured for this many seconds." };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the input topic.", DefaultValueFactory = _ => 64 };
        var latency = new Option<TimeSpan?>("--latency-phase") { Description = "Length of the live latency phase (default 10s).", CustomParser = CommonOptions.ParseDuration };
        var warmUp = new Option<TimeSpan?>("--latency-warm-up") { Description = "Live production before the latency phase whose latencies are reported apart (default 5s): the first live records shift every histogram rate series at once.", CustomParser = CommonOptions.ParseDuration };
        var tickStep = new Option<TimeSpan?>("--tick-step")
        {
            Description = "Event time between ticks of the throughput workload (default 10s; 1s to 24h). Hours age the series: --tick-step 2h over the default 120 ticks is 10 days, full daily and weekly profiles, to measure mature series' memory.",
            CustomParser = CommonOptions.ParseDuration(s => s >= TimeSpan.FromSeconds(1) && s <= TimeSpan.FromHours(24), "--tick-step must be between 1s and 24h"),
        };
        var checkpointInterval = new Option<TimeSpan?>("--checkpoint-interval")
        {
            Description = "Checkpoint the series' baselines to the state topic this often while measuring (Pipeline:CheckpointInterval; default: off, as a run of seconds meets no 5-minute checkpoint; 1s to 1h).",
            CustomParser = CommonOptions.ParseDuration(s => s >= TimeSpan.FromSeconds(1) && s <= TimeSpan.FromHours(1), "--checkpoint-interval must be between 1s and 1h"),
        };
        series.Validators.Add(r => CommonOptions.IntInRange(r, 1, 100_000_000, "--series"));
        points.Validators.Add(r => CommonOptions.IntInRange(r, 1, 10_000, "--points-per-record"));
        partitions.Validators.Add(r => CommonOptions.IntInRange(r, 1, 1_000, "--partitions"));
        var command = new Command("bench", "Measure the pipeline end to end: a bare consumer's ceiling vs the full pipeline over the same OTLP records, append-to-anomaly latency, memory. Last line: bench points_per_s=.. ratio=.. p99_ms=.. rss_mb=..")
        {
            series, points, records, seconds, partitions, latency, warmUp, tickStep, checkpointInterval, bootstrap,
        };
        command.Validators.Add(r =>
        {
            // Whether both were given, not their values: reading a value that did not parse throws.
            if (r.GetResult(records) is { Implicit: false } && r.GetResult(seconds) is { Implicit: false })
                r.AddError("--records and --seconds exclude each other");
        });
        command.SetAction(async (parse, ct) =>
        {
            var settings = new BenchSettings
            {
                Series = parse.GetValue(series),
                PointsPerRecord = parse.GetValue(points),
                Records = parse.GetValue(records),
                Seconds = parse.GetValue(seconds),
                Partitions = parse.GetValue(partitions),
                LatencyPhase = parse.GetValue(latency) ?? TimeSpan.FromSeconds(10),
                LatencyWarmUp = parse.GetValue(warmUp) ?? TimeSpan.FromSeconds(5),
                TickStep = parse.GetValue(tickStep) ?? TimeSpan.FromSeconds(10),
            };
            var servers = parse.GetValue(bootstrap);
            using var broker = servers is null ? await ChildBroker.StartAsync(settings.Partitions, ct) : null;
            var id = Guid.NewGuid().ToString("N")[..8];
            var cli = new CliSettings()
                .Set("Kafka:BootstrapServers", servers ?? broker!.BootstrapServers)
                .Set("Kafka:GroupId", "finscale-bench-" + id)
                .Set("Kafka:SessionTimeout", "00:00:06")
                .Set("Topics:Metrics", string.Empty)
                .Set("Topics:OtlpSpans", string.Empty)
                .Set("Topics:Partitions", settings.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set("Policy:Mode", "Shadow")
                .Set("Telemetry:Port", "0")
                // By default off: the run lasts seconds, so no periodic checkpoint would fall due, only the one at stop, which
                // writes every series after the measurement (minutes at 1 M series on the embedded broker) and measures nothing.
                .Set("Pipeline:CheckpointInterval", (parse.GetValue(checkpointInterval) ?? TimeSpan.Zero).ToString("c", System.Globalization.CultureInfo.InvariantCulture))
                .Set("Logging:LogLevel:Default", "Warning");
            // Whole pods overshoot the series asked for (1,000,080 for a million): under the default cap of a million the
            // last 80 would be refused and the pipeline measured on fewer series than the bare consumer read.
            var workloadSeries = OtlpBenchWorkload.SeriesFor(settings.Series, settings.PointsPerRecord);
            if (workloadSeries > new FinScale.Detection.DetectorOptions().MaxSeries)
                cli.Set("Detection:MaxSeries", Math.Min(workloadSeries, 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (servers is null)
            {
                // The embedded (mock) broker answers a fetch that finds no data only after the full fetch.wait.max.ms
                // (500 ms by default) even when records arrive meanwhile; a real broker answers as soon as they do.
                // Without this the latency phase would measure the mock's wait, not the pipeline.
                cli.Set("Kafka:Properties:fetch.wait.max.ms", "10");
            }
            else
            {
                // A real cluster: fresh topics of this run only. The child broker is fresh already and has the defaults.
                var prefix = "finscale-bench-" + id + ".";
                cli.Set("Topics:OtlpMetrics", prefix + TopicNames.OtlpMetrics)
                    .Set("Topics:Anomalies", prefix + TopicNames.Anomalies)
                    .Set("Topics:Audit", prefix + TopicNames.RemediationAudit)
                    .Set("Topics:DeadLetter", prefix + TopicNames.DeadLetter)
                    .Set("Topics:State", prefix + TopicNames.State);
            }

            return await CommandRunner.RunAsync(cli, (host, token) => new BenchRunner(host, settings, Console.Out).RunAsync(token), ct);
        });
        return command;
    }

    /// <summary><c>finscale broker</c> in a child process, killed on dispose.</summary>
    private sealed class ChildBroker : IDisposable
    {
        private readonly Process _process;

        private ChildBroker(Process process, string bootstrapServers)
        {
            _process = process;
            BootstrapServers = bootstrapServers;
        }

        public string BootstrapServers { get; }

        public static async Task<ChildBroker> StartAsync(int partitions, CancellationToken ct)
        {
            var self = Environment.ProcessPath ?? "dotnet";
            var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                info.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
            foreach (var a in new[] { "broker", "--partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                info.ArgumentList.Add(a);
            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the broker process");
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                const string Prefix = "bootstrap.servers=";
                if (line is null || !line.StartsWith(Prefix, StringComparison.Ordinal))
                    throw new InvalidOperationException($"the broker process wrote '{line}' instead of {Prefix}HOST:PORT");
                return new ChildBroker(process, line[Prefix.Length..]);
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
        }
    }
}
