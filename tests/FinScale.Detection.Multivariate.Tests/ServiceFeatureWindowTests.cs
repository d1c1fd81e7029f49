using FinScale.Contracts;

namespace FinScale.Detection.Multivariate.Tests;

public class ServiceFeatureWindowTests
{
    private const long Step = ServiceLoad.StepMs;

    private static readonly double[] Healthy = [70, 0.01, 200, 0.55];

    private static ServiceFeatureWindow NewWindow(MultivariateOptions? options = null) => new(options ?? new MultivariateOptions());

    private static void Feed(ServiceFeatureWindow window, ServiceLoad load, int step, double[] values, List<FeatureVector> closed, params int[] skip)
    {
        var i = 0;
        foreach (var (key, t, v) in load.Points(step, values))
        {
            if (!skip.Contains(i++))
                window.Observe(key, t, v, closed);
        }
    }

    [Fact]
    public void Observe_AllFeaturesInAStep_AssemblesOneVectorInFeatureOrderOnceTheLatenessHasPassed()
    {
        var window = NewWindow();
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        Feed(window, load, 10, Healthy, closed);
        Feed(window, load, 11, Healthy, closed);
        Assert.Empty(closed); // step 10 still takes points for a minute after its end

        window.Observe(load.LatencyKey, (12 * Step) + 1_000, 71, closed);

        var vector = Assert.Single(closed);
        Assert.Equal(load.Group, vector.Group);
        Assert.Equal("finscale.multivariate{service.name=\"checkout\"}", vector.Group.Text);
        Assert.Equal(10 * Step, vector.EventTimeMs);
        Assert.Equal(Healthy, vector.Values);
        Assert.All(vector.Imputed, Assert.False);
        Assert.Equal([FeatureRole.Latency, FeatureRole.ErrorRate, FeatureRole.Throughput, FeatureRole.Saturation], window.FeatureNames);
    }

    [Fact]
    public void Observe_SeveralPointsOfASeriesInAStep_KeepsTheLatest()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.Zero });
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        Feed(window, load, 0, Healthy, closed);
        window.Observe(load.LatencyKey, 50_000, 99, closed);
        window.Observe(load.LatencyKey, 20_000, 11, closed); // earlier in the step than the 99: does not replace it
        window.Observe(load.LatencyKey, Step + 1, 70, closed);

        Assert.Equal(99, Assert.Single(closed).Values[0]);
    }

    [Fact]
    public void Observe_OneFeatureMissing_ImputesItsLastValue()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.Zero });
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        Feed(window, load, 0, Healthy, closed);
        Feed(window, load, 1, [75, 0.02, 180, 0.5], closed, skip: 3); // no saturation point in step 1
        Feed(window, load, 2, Healthy, closed);

        Assert.Equal(2, closed.Count);
        Assert.Equal([75, 0.02, 180, 0.55], closed[1].Values);
        Assert.Equal([false, false, false, true], closed[1].Imputed);
        Assert.Equal(1, window.ImputedValues);
        Assert.Equal(0, window.SkippedVectors);
    }

    [Fact]
    public void Observe_MoreFeaturesMissingThanAllowed_SkipsTheStepAndCountsIt()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.Zero, MaxMissingFeatures = 1 });
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        Feed(window, load, 0, Healthy, closed);
        Feed(window, load, 1, Healthy, closed, skip: [1, 3]);
        Feed(window, load, 2, Healthy, closed);
        window.Flush(closed);

        Assert.Equal([0, 2 * Step], closed.Select(v => v.EventTimeMs));
        Assert.Equal(1, window.SkippedVectors);
        Assert.Equal(0, window.ImputedValues);
    }

    [Fact]
    public void Observe_FeatureNeverSeen_SkipsTheStepsUntilItIs()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.Zero });
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        for (var s = 0; s < 5; s++)
            Feed(window, load, s, Healthy, closed, skip: 3);
        Feed(window, load, 5, Healthy, closed);
        Feed(window, load, 6, Healthy, closed, skip: 3);
        window.Flush(closed);

        Assert.Equal(5, window.SkippedVectors);
        Assert.Equal([5 * Step, 6 * Step], closed.Select(v => v.EventTimeMs));
        Assert.True(closed[1].Imputed[3]);
        Assert.Equal(Healthy[3], closed[1].Values[3]);
    }

    [Fact]
    public void Observe_SeveralSeriesFeedAFeature_CombinesThemByItsAggregation()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.Zero });
        var closed = new List<FeatureVector>();
        var t = 1_000;
        window.Observe("traces.span.metrics.calls{service.name=\"cart\",span.name=\"GET /\",status.code=\"STATUS_CODE_OK\"}", t, 90, closed);
        window.Observe("traces.span.metrics.calls{service.name=\"cart\",span.name=\"GET /\",status.code=\"STATUS_CODE_ERROR\"}", t, 10, closed);
        window.Observe("traces.span.metrics.duration.p99{service.name=\"cart\",span.name=\"GET /\"}", t, 40, closed);
        window.Observe("traces.span.metrics.duration.p99{service.name=\"cart\",span.name=\"POST /\"}", t, 120, closed);
        window.Observe("traces.span.metrics.error_ratio{service.name=\"cart\",span.name=\"GET /\"}", t, 0.1, closed);
        window.Observe("k8s.pod.cpu.utilization{k8s.pod.name=\"cart-1\",service.name=\"cart\"}", t, 0.3, closed);
        window.Observe("k8s.pod.cpu.utilization{k8s.pod.name=\"cart-2\",service.name=\"cart\"}", t, 0.7, closed);
        window.Flush(closed);

        var vector = Assert.Single(closed);
        Assert.Equal([120, 0.1, 100, 0.7], vector.Values); // latency max, errors max, throughput sum, saturation max
        Assert.Equal(7, window.TrackedSeries);
    }

    [Theory]
    [InlineData(RoleAggregation.Last, 5)]
    [InlineData(RoleAggregation.Mean, 4)]
    [InlineData(RoleAggregation.Sum, 12)]
    [InlineData(RoleAggregation.Max, 5)]
    [InlineData(RoleAggregation.Min, 3)]
    public void Observe_ThroughputAggregation_AppliesIt(RoleAggregation aggregation, double expected)
    {
        var window = NewWindow(new MultivariateOptions { ThroughputAggregation = aggregation });
        var closed = new List<FeatureVector>();
        window.Observe("a.calls{service.name=\"s\"}", 3_000, 3, closed);
        window.Observe("b.calls{service.name=\"s\"}", 5_000, 5, closed);
        window.Observe("c.calls{service.name=\"s\"}", 1_000, 4, closed);
        window.Observe("x.duration.p99{service.name=\"s\"}", 1_000, 1, closed);
        window.Observe("x.error_ratio{service.name=\"s\"}", 1_000, 0, closed);
        window.Observe("x.cpu.utilization{service.name=\"s\"}", 1_000, 0.5, closed);
        window.Flush(closed);

        Assert.Equal(expected, Assert.Single(closed).Values[2]);
    }

    [Fact]
    public void Observe_PointOfAClosedStep_DroppedAsLateButWithinTheLatenessTaken()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.FromSeconds(30) });
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        Feed(window, load, 0, Healthy, closed, skip: 3);
        window.Observe(load.LatencyKey, Step + 20_000, 70, closed);      // watermark 80 s: step 0 still open
        window.Observe(load.SaturationKey, 59_000, 0.6, closed);       // late but within the lateness
        window.Observe(load.LatencyKey, Step + 31_000, 70, closed);      // watermark 91 s: step 0 closes
        window.Observe(load.ErrorKey, 2_000, 0.5, closed);             // its step is out already

        var vector = Assert.Single(closed);
        Assert.Equal(0.6, vector.Values[3]);
        Assert.Equal(1, window.LatePoints);
    }

    [Fact]
    public void Observe_GroupedByPod_OneVectorPerPodAndServiceLevelSeriesLeftOut()
    {
        var options = new MultivariateOptions
        {
            GroupBy = $"{WellKnownAttributes.ServiceName},{WellKnownAttributes.PodName}",
            AllowedLateness = TimeSpan.Zero,
        };
        var window = NewWindow(options);
        var closed = new List<FeatureVector>();
        foreach (var pod in new[] { "checkout-a", "checkout-b" })
        {
            foreach (var metric in new[] { "traces.span.metrics.duration.p99", "traces.span.metrics.error_ratio", "traces.span.metrics.calls", "container.cpu.utilization" })
                window.Observe($"{metric}{{k8s.pod.name=\"{pod}\",service.name=\"checkout\"}}", 1_000, pod == "checkout-a" ? 1 : 2, closed);
        }

        window.Observe("traces.span.metrics.calls{service.name=\"checkout\"}", 1_000, 300, closed);
        window.Flush(closed);

        Assert.Equal(2, closed.Count);
        Assert.Equal("finscale.multivariate{k8s.pod.name=\"checkout-a\",service.name=\"checkout\"}", closed[0].Group.Text);
        Assert.Equal([1, 1, 1, 1], closed[0].Values);
        Assert.Equal([2, 2, 2, 2], closed[1].Values);
        Assert.Equal(1, window.UngroupedSeries);
        Assert.Equal(2, window.GroupCount);
    }

    [Fact]
    public void Observe_SeriesWithAnExcludedAttribute_LeftOut()
    {
        var window = NewWindow(new MultivariateOptions { ExcludeSeriesWith = WellKnownAttributes.PodName });
        var closed = new List<FeatureVector>();
        window.Observe("traces.span.metrics.calls{k8s.pod.name=\"p\",service.name=\"s\"}", 1_000, 5, closed);
        window.Observe("traces.span.metrics.calls{service.name=\"s\"}", 1_000, 7, closed);

        Assert.Equal(1, window.ExcludedSeries);
        Assert.Equal(1, window.GroupCount);
    }

    [Fact]
    public void Observe_SeriesFeedingNoFeature_NotTracked()
    {
        var window = NewWindow();
        var closed = new List<FeatureVector>();
        for (var i = 0; i < 1000; i++)
            window.Observe($"payments.authorised.rate{{merchant=\"m{i}\"}}", i * 1_000L, i, closed);

        Assert.Equal(0, window.TrackedSeries);
        Assert.Equal(0, window.GroupCount);
        Assert.Empty(closed);
    }

    [Fact]
    public void Observe_ManyStepsAndServices_StateStaysBounded()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.FromMinutes(2) });
        var loads = Enumerable.Range(0, 5).Select(i => new ServiceLoad(i, $"svc{i}")).ToList();
        var closed = new List<FeatureVector>();
        for (var s = 0; s < 2000; s++)
        {
            foreach (var load in loads)
                Feed(window, load, s, load.Normal(s), closed);
            Assert.InRange(window.OpenSteps, 0, 5 * 4);
            closed.Clear();
        }

        Assert.Equal(20, window.TrackedSeries);
        Assert.Equal(5, window.GroupCount);
        Assert.Equal(5 * (2000 - 3), window.AssembledVectors);
    }

    [Fact]
    public void Observe_PastMaxSeries_RefusesNewSeriesAndCountsTheirPoints()
    {
        var window = NewWindow(new MultivariateOptions { MaxSeries = 2 });
        var closed = new List<FeatureVector>();
        window.Observe("a.calls{service.name=\"s\"}", 0, 1, closed);
        window.Observe("b.calls{service.name=\"s\"}", 0, 1, closed);
        window.Observe("c.calls{service.name=\"s\"}", 0, 1, closed);
        window.Observe("c.calls{service.name=\"s\"}", 1, 1, closed);

        Assert.Equal(2, window.TrackedSeries);
        Assert.Equal(2, window.RefusedPoints);
    }

    [Fact]
    public void Observe_NonFiniteValueOrInvalidKey_DroppedAndCounted()
    {
        var window = NewWindow();
        var closed = new List<FeatureVector>();
        window.Observe("a.calls{service.name=\"s\"}", 0, double.NaN, closed);
        window.Observe("a.calls{service.name=\"s\"}", 0, double.PositiveInfinity, closed);
        window.Observe("a.calls{service.name=\"s\"", 0, 1, closed);

        Assert.Equal(2, window.NonFinitePoints);
        Assert.Equal(1, window.InvalidSeries);
    }

    [Fact]
    public void Observe_NegativeEventTime_FloorsToItsStep()
    {
        var window = NewWindow(new MultivariateOptions { AllowedLateness = TimeSpan.Zero });
        var load = new ServiceLoad(1);
        var closed = new List<FeatureVector>();
        foreach (var (key, _, v) in load.Points(0, Healthy))
            window.Observe(key, -1, v, closed);
        window.Flush(closed);

        Assert.Equal(-Step, Assert.Single(closed).EventTimeMs);
    }
}
