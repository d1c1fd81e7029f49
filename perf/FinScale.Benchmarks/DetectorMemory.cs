using System.Diagnostics;
using System.Globalization;
using FinScale.Contracts;
using FinScale.Detection;

namespace FinScale.Benchmarks;

/// <summary>
/// Memory per series of the streaming detector, measured directly rather than through BenchmarkDotNet (which reports
/// allocation per operation, not what stays live): feeds <c>points</c> rounds, one point per series per round, to
/// <c>series</c> series through one <see cref="ShardDetector"/> and reports the live managed bytes it holds per series
/// (<see cref="GC.GetTotalMemory(bool)"/> after a full collection, before and after), the catalog's bytes per series
/// measured the same way, and the time per point. Run with
/// <c>dotnet run -c Release --project perf/FinScale.Benchmarks -- --memory [series] [points] [stepSeconds]</c>.
/// </summary>
/// <remarks>
/// The step between a series' points decides which models exist: 60 s over 200 points (3.3 h) is a young series, which
/// has not spanned a day, 5,400 s over 200 points (12.5 days) a mature one, whose daily and weekly profiles both predict.
/// </remarks>
public static class DetectorMemory
{
    /// <summary>The key of series <paramref name="i"/> of the measurements: 500 services, 20 routes, 20 series a pod.</summary>
    internal static SeriesKey KeyOf(int i) => SeriesKey.Create("http.server.request.duration.p99", new Dictionary<string, string>
    {
        ["service.name"] = "svc-" + (i % 500).ToString(CultureInfo.InvariantCulture),
        ["k8s.pod.name"] = "pod-" + (i / 20).ToString(CultureInfo.InvariantCulture),
        ["http.route"] = "/api/v1/r" + (i % 20).ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>Runs the measurement and prints one summary line, <c>memory series=.. detector_b=.. catalog_b=.. ns_per_point=.. rss_mb=.. peak_rss_mb=..</c>.</summary>
    /// <param name="args">Optional series count, points per series and seconds between a series' points.</param>
    public static void Run(ReadOnlySpan<string> args)
    {
        var series = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var stepMs = (args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 60) * 1000;

        var before = LiveBytes();
        var catalog = new SeriesCatalog(series);
        for (var i = 0; i < series; i++)
            catalog.GetOrAdd(KeyOf(i));

        var withCatalog = LiveBytes();
        var detector = new ShardDetector(new DetectorOptions(), catalog);
        var points = new SeriesPoint[series];
        var found = new List<DetectedAnomaly>();
        var rng = new Random(42);
        var empty = LiveBytes();

        var t0 = 1_767_225_600_000L; // 2026-01-01, a Thursday
        var watch = Stopwatch.StartNew();
        var longestRound = TimeSpan.Zero;
        var longestAt = 0;
        for (var r = 0; r < rounds; r++)
        {
            var ts = t0 + (r * stepMs);
            var daily = Math.Sin(2 * Math.PI * (ts % 86_400_000) / 86_400_000.0);
            for (var i = 0; i < series; i++)
                points[i] = new SeriesPoint(i, ts, 100 + (20 * daily) + (5 * ((rng.NextDouble() * 2) - 1)) + (i % 7));
            found.Clear();
            var roundStart = watch.Elapsed;
            detector.Process(points, found);
            if (watch.Elapsed - roundStart > longestRound)
            {
                longestRound = watch.Elapsed - roundStart;
                longestAt = r;
            }
        }

        watch.Stop();
        var after = LiveBytes();
        GC.KeepAlive(detector);
        GC.KeepAlive(catalog);
        GC.KeepAlive(points);

        long peakRss;
        using (var process = Process.GetCurrentProcess())
            peakRss = process.PeakWorkingSet64;
        var detectorBytes = (double)(after - empty) / series;
        var catalogBytes = (double)(withCatalog - before) / series;
        var ns = watch.Elapsed.TotalNanoseconds / ((double)series * rounds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{series:N0} series x {rounds} points, {stepMs / 1000} s apart ({rounds * stepMs / 3_600_000.0:F1} h), {detector.SeriesCount:N0} series seen"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"arenas: {detector.Arenas.ReservedBytes / 1048576.0:F1} MiB in slabs, {detector.Arenas.FreeBytes / 1048576.0:F1} MiB of it in no block; rounds {watch.Elapsed.TotalMilliseconds / rounds:F0} ms on average, longest {longestRound.TotalMilliseconds:F0} ms (round {longestAt})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory series={series} detector_b={detectorBytes:F0} catalog_b={catalogBytes:F0} ns_per_point={ns:F0} rss_mb={Environment.WorkingSet / 1048576.0:F0} peak_rss_mb={peakRss / 1048576.0:F0}"));
    }

    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }
}
