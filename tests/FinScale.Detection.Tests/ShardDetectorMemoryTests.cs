using System.Runtime.CompilerServices;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Detection.Scoring;

namespace FinScale.Detection.Tests;

/// <summary>Runs alone: it reads the whole managed heap, which tests running beside it would inflate.</summary>
[CollectionDefinition(nameof(HeapMeasuringCollection), DisableParallelization = true)]
public sealed class HeapMeasuringCollection;

/// <summary>
/// Live bytes the detector holds per series, so a regression of its state size fails here (issue 6: a million active
/// series in under 1 GiB). The bounds are generous, about twice what perf/ measures (see perf/README.md); a test of
/// memory, not of time.
/// </summary>
[Collection(nameof(HeapMeasuringCollection))]
public class ShardDetectorMemoryTests
{
    private const int Series = 10_000;
    private const int Points = 200;

    [Fact]
    public void Process_YoungSeries_KeepsUnder1500BytesPerSeries()
    {
        // 200 points a minute apart: 3.3 h, no profile predicts yet (measured 430 B/series at 1 M series in perf/ since
        // 16-bit profiles, a 104-byte state and capped rounds; 701 B before those, 6.3 KB before that).
        var bytes = LiveBytesPerSeries(stepMs: 60_000);
        Assert.InRange(bytes, 1, 1_500);
    }

    [Fact]
    public void Process_MatureSeries_KeepsUnder2000BytesPerSeries()
    {
        // 200 points 90 minutes apart: 12.5 days, both profiles full and predicting (measured 1,007 B/series at 1 M series
        // with 16-bit profile buckets; 1,554 B with float buckets, 6.3 KB before that).
        var bytes = LiveBytesPerSeries(stepMs: 5_400_000);
        Assert.InRange(bytes, 1, 2_000);
    }

    [Fact]
    public void EnsembleState_PacksWithoutPaddingAndHoldsNoReference()
    {
        // A million of these are the detector's largest fixed cost; a reference in it would make the GC scan them all.
        Assert.Equal(104, Unsafe.SizeOf<EnsembleState>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<EnsembleState>());
    }

    private static double LiveBytesPerSeries(long stepMs)
    {
        var catalog = new SeriesCatalog(Series);
        for (var i = 0; i < Series; i++)
            catalog.GetOrAdd(SeriesKey.Create("latency", new Dictionary<string, string> { ["k8s.pod.name"] = "p" + i }));
        var points = new SeriesPoint[Series];
        var found = new List<DetectedAnomaly>(Series);
        var rng = new Random(7);
        var before = LiveBytes();

        var detector = new ShardDetector(new DetectorOptions(), catalog);
        for (var r = 0; r < Points; r++)
        {
            var ts = 1_767_225_600_000L + (r * stepMs);
            var daily = Math.Sin(2 * Math.PI * (ts % 86_400_000) / 86_400_000.0);
            for (var i = 0; i < Series; i++)
                points[i] = new SeriesPoint(i, ts, 100 + (20 * daily) + (5 * rng.NextDouble()));
            found.Clear();
            detector.Process(points, found);
        }

        var after = LiveBytes();
        Assert.Equal(Series, detector.SeriesCount);
        GC.KeepAlive(detector);
        GC.KeepAlive(catalog);
        return (double)(after - before) / Series;
    }

    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
