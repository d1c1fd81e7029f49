using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Streaming.Prescale;

namespace FinScale.Streaming.Tests.Prescale;

public class PrescaleStageTests
{
    private const long Minute = 60_000;
    private readonly SeriesCatalog _catalog = new(10_000);
    private readonly PrescaleBoard _board = new();

    private static PrescaleTarget Checkout(int warmUp = 5) => new()
    {
        Namespace = "payments",
        Deployment = "checkout",
        Metric = "http.server.request.rate",
        CapacityPerReplica = 100,
        Step = TimeSpan.FromMinutes(1),
        StartupDelay = TimeSpan.FromMinutes(2),
        Margin = TimeSpan.FromMinutes(1),
        MaxReplicas = 50,
        WarmUpSteps = warmUp,
    };

    private int Series(string pod, string metric = "http.server.request.rate", string deployment = "checkout") =>
        _catalog.GetOrAdd(SeriesKey.Create(metric, new Dictionary<string, string>
        {
            [WellKnownAttributes.Namespace] = "payments",
            [WellKnownAttributes.Deployment] = deployment,
            [WellKnownAttributes.PodName] = pod,
        }));

    private PrescaleStage Stage(PrescaleTarget target, ClusterView? cluster = null) =>
        new(new PrescaleSettings { Targets = [target] }, _catalog, new StaticClusterViewProvider(cluster ?? ClusterView.Unknown), _board);

    [Fact]
    public void Match_OnlyTheTargetsLoadMetricInItsNamespaceAndDeployment()
    {
        var stage = Stage(Checkout());
        Assert.Equal(0, stage.Match(Series("checkout-1")));
        Assert.Equal(-1, stage.Match(Series("checkout-1", metric: "http.server.request.duration.p99")));
        Assert.Equal(-1, stage.Match(Series("ledger-1", deployment: "ledger")));
    }

    [Fact]
    public void Observe_LoadIsEachSeriesMeanSummedOverSeries_PublishedPerClosedStep()
    {
        var stage = Stage(Checkout());
        var tap = new PrescaleTap(stage);
        var pods = new[] { Series("checkout-1"), Series("checkout-2") };
        var signals = new List<PrescaleSignal>();

        // Two points a minute per pod: 100 and 300 on pod 1 (mean 200), 50 and 50 on pod 2; minute 1 and 2 close minute 0.
        tap.Observe(
            [new(pods[0], 0, 100), new(pods[0], 30_000, 300), new(pods[1], 10_000, 50), new(pods[1], 40_000, 50), new(pods[0], 2 * Minute, 200)],
            signals);

        Assert.True(_board.TryGet("payments", "checkout", out var entry));
        Assert.Equal(250, entry.CurrentLoad, 6);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(Minute), entry.At);
        // The larger of the reactive need (250 / 100 per replica, rounded up) and the forecast's upper bound.
        Assert.True(entry.ForecastUpper >= 250, $"upper {entry.ForecastUpper}");
        Assert.Equal((int)Math.Ceiling(Math.Max(250, entry.ForecastUpper) / 100), entry.RecommendedReplicas);
        Assert.True(entry.RecommendedReplicas >= 3);
        Assert.Empty(signals); // still warming up
    }

    [Fact]
    public void Observe_ARisingCycle_SignalsAScaleUpAheadOfTheLoad_OnceAndNotAgainForTheSameCount()
    {
        var cluster = new ClusterView([], [], [new WorkloadInfo("payments", "checkout", "checkout", 4, new Dictionary<string, string>())]);
        var stage = Stage(Checkout(), cluster);
        var tap = new PrescaleTap(stage);
        var pod = Series("checkout-1");
        var signals = new List<PrescaleSignal>();
        var points = new List<SeriesPoint>();
        // Three hours of a 60-minute cycle between 200 and 1,000: the forecast sees each climb coming.
        for (var m = 0; m < 180; m++)
            points.Add(new SeriesPoint(pod, m * Minute, 600 - (400 * Math.Cos(2 * Math.PI * m / 60.0))));

        tap.Observe(points.ToArray(), signals);

        Assert.NotEmpty(signals);
        var finding = signals[0].Finding;
        Assert.Equal(FindingKind.ForecastLoad, finding.Kind);
        Assert.Equal("checkout", finding.Workload);
        Assert.NotEqual(4, finding.DesiredReplicas);
        Assert.Equal(_catalog.TextOf(pod), Assert.Single(finding.Anomalies).Series);
        Assert.Contains("load forecast of payments/checkout", finding.Reason, StringComparison.Ordinal);
        // A count is signalled when it changes, not every step.
        Assert.All(signals.Zip(signals.Skip(1)), p => Assert.NotEqual(p.First.Finding.DesiredReplicas, p.Second.Finding.DesiredReplicas));
        Assert.True(signals.Count < 180 / 2, $"{signals.Count} signals for 180 steps");

        // Ahead of the burst: in the last cycle, the recommendation covers the load of the lead time before it arrives.
        var late = signals.Where(s => s.Finding.Anomalies[0].EventTime.ToUnixTimeMilliseconds() >= 120 * Minute).ToList();
        Assert.Contains(late, s => s.Finding.DesiredReplicas >= 10);
    }

    [Fact]
    public void Observe_PointsMoreThanAStepLate_AreCountedAndLeftOut()
    {
        var stage = Stage(Checkout());
        var tap = new PrescaleTap(stage);
        var pod = Series("checkout-1");
        var signals = new List<PrescaleSignal>();

        tap.Observe([new(pod, 0, 100), new(pod, 5 * Minute, 100), new(pod, 30_000, 900)], signals);

        Assert.Equal(1, stage.LatePoints);
        Assert.True(_board.TryGet("payments", "checkout", out var entry));
        Assert.Equal(100, entry.CurrentLoad, 6);
    }
}
