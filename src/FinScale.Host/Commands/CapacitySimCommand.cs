using System.CommandLine;
using System.Globalization;
using FinScale.Forecasting.Capacity;
using FinScale.Streaming.Replay;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale capacity-sim</c>: replays a <c>timestamp,value</c> load trace against the Kubernetes HPA algorithm, predictive
/// pre-scaling, and predictive + reactive, and prints per policy the minutes under-provisioned, replica-hours, scaling
/// events and forecast accuracy (MASE against seasonal-naive); the last stdout line is
/// <c>capacity underprov_ratio=.. cost_ratio=..</c> (predictive + reactive over HPA).
/// </summary>
internal static class CapacitySimCommand
{
    public static Command Create()
    {
        var trace = new Option<string?>("--trace")
        {
            Description = "Required. A CSV of timestamp,value rows (the NAB layout: yyyy-MM-dd HH:mm:ss or Unix epoch, UTC).",
        };
        var capacity = new Option<double?>("--capacity-per-replica")
        {
            Description = "Load one replica serves, in the trace's unit (default: the first day's 95th percentile / 10, so no future data is used).",
        };
        var startup = new Option<TimeSpan?>("--startup-delay")
        {
            Description = "Time from pod creation until it serves load (default 60s).",
            CustomParser = CommonOptions.ParseDuration,
        };
        var lead = new Option<TimeSpan?>("--lead")
        {
            Description = "How far ahead the forecast is scaled for (default: start-up delay + two 15s sync periods).",
            CustomParser = CommonOptions.ParseDuration,
        };
        var coverage = new Option<double?>("--interval-coverage")
        {
            Description = "Two-sided coverage of the forecast's prediction interval whose upper bound the predictive policies scale to (default 0.9: the 95th percentile of past errors).",
        };
        var command = new Command("capacity-sim", "Replay a load trace against the HPA, predictive and predictive + reactive scaling; compare under-provisioning and cost.")
        {
            trace, capacity, startup, lead, coverage,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(trace), parse.GetValue(capacity), parse.GetValue(startup), parse.GetValue(lead), parse.GetValue(coverage), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? tracePath, double? capacity, TimeSpan? startup, TimeSpan? lead, double? coverage, CancellationToken ct)
    {
        var error = Console.Error;
        if (string.IsNullOrWhiteSpace(tracePath))
        {
            await error.WriteLineAsync("finscale capacity-sim: --trace CSV is required");
            return CommandRunner.BadConfiguration;
        }

        if (!File.Exists(tracePath))
        {
            await error.WriteLineAsync($"finscale capacity-sim: no file '{tracePath}'");
            return CommandRunner.BadConfiguration;
        }

        if (capacity is { } c && !(c > 0) || startup is { } s && s < TimeSpan.Zero || lead is { } l && l < TimeSpan.Zero || coverage is { } p && !(p > 0 && p < 1))
        {
            await error.WriteLineAsync("finscale capacity-sim: --capacity-per-replica must be positive, durations not negative and --interval-coverage between 0 and 1");
            return CommandRunner.BadConfiguration;
        }

        try
        {
            var rowErrors = 0;
            var samples = CsvSeriesReader.Read(tracePath, e =>
                {
                    if (rowErrors++ < 5)
                        error.WriteLine("finscale capacity-sim: " + e);
                })
                .Select(m => new LoadSample(m.Timestamp.ToUnixTimeMilliseconds(), m.Value))
                .ToList();
            if (rowErrors > 5)
                await error.WriteLineAsync($"finscale capacity-sim: {rowErrors} bad rows skipped in all");
            ct.ThrowIfCancellationRequested();

            var defaults = new CapacitySimOptions();
            var options = defaults with
            {
                CapacityPerReplica = capacity,
                StartupDelay = startup ?? defaults.StartupDelay,
                Lead = lead,
                Forecaster = coverage is { } cov ? defaults.Forecaster with { IntervalCoverage = cov } : defaults.Forecaster,
            };
            var result = await Task.Run(() => CapacitySimulator.Run(samples, options), ct);
            await PrintAsync(tracePath, result, options);
            return CommandRunner.Ok;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await error.WriteLineAsync("finscale capacity-sim: cancelled");
            return CommandRunner.Failed;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync("finscale capacity-sim: " + ex.Message);
            if (Environment.GetEnvironmentVariable("FINSCALE_DEBUG") == "1")
                await error.WriteLineAsync(ex.ToString());
            return CommandRunner.Failed;
        }
    }

    private static async Task PrintAsync(string tracePath, CapacitySimResult r, CapacitySimOptions o)
    {
        var output = Console.Out;
        var c = CultureInfo.InvariantCulture;
        static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        await output.WriteLineAsync(string.Format(c, "capacity-sim: {0}, {1} samples, scored {2} .. {3} (the first day calibrates)",
            Path.GetFileName(tracePath), r.Samples, Time(r.EvaluatedFromMs), Time(r.EvaluatedToMs)));
        await output.WriteLineAsync(string.Format(c,
            "capacity per replica {0:0.###} ({1}); start-up delay {2}; lead {3}; interval coverage {9}; HPA: target {4:P0} of capacity, tolerance {5}, sync {6}, stabilisation up {7} / down {8}",
            r.CapacityPerReplica, r.CapacityRule, o.StartupDelay, r.Lead, o.TargetUtilization, o.Tolerance, o.SyncPeriod, o.ScaleUpStabilization, o.ScaleDownStabilization, o.Forecaster.IntervalCoverage));
        await output.WriteLineAsync("forecast: " + r.ForecastModel);
        foreach (var w in r.Warnings)
            await output.WriteLineAsync("warning: " + w);
        await output.WriteLineAsync(string.Format(c, "{0,-20} {1,14} {2,12} {3,8} {4,7} {5,11}", "policy", "underprov_min", "replica_h", "events", "mase", "mase_naive"));
        foreach (var p in r.Policies)
        {
            await output.WriteLineAsync(string.Format(c, "{0,-20} {1,14:F1} {2,12:F1} {3,8} {4,7} {5,11}",
                p.Policy, p.UnderprovisionedMinutes, p.ReplicaHours, p.ScalingEvents, p.Mase is { } m ? m.ToString("F3", c) : "-",
                p.MaseVsNaive is { } n ? n.ToString("F3", c) : "-"));
        }

        await output.WriteLineAsync("mase: one-step forecast MAE / seasonal-naive (daily lag) MAE on the same samples (below 1 beats it); mase_naive: the same over the last value");
        await output.WriteLineAsync(string.Format(c, "capacity underprov_ratio={0} cost_ratio={1}",
            r.UnderprovisionedRatio is { } u ? u.ToString("F3", c) : "n/a", r.CostRatio is { } k ? k.ToString("F3", c) : "n/a"));
    }
}
