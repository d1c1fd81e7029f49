namespace FinScale.Detection.Multivariate.Tests;

public class MultivariateDetectorTests
{
    [Fact]
    public void Observe_JointAnomalyInSeriesPoints_ScoredHighForItsServiceAndStep()
    {
        var detector = new MultivariateDetector(new MultivariateOptions());
        var checkout = new ServiceLoad(31, "checkout");
        var cart = new ServiceLoad(32, "cart");
        var scores = new List<ServiceAnomalyScore>();
        for (var s = 0; s < 600; s++)
        {
            const double throughput = 150;
            var v = s == 500 ? [78, 0.01, throughput, ServiceLoad.SaturationFor(throughput)] : checkout.Normal(s);
            foreach (var (key, t, value) in checkout.Points(s, v).Concat(cart.Points(s, cart.Normal(s))))
                detector.Observe(key, t, value, scores);
        }

        scores.AddRange(detector.Flush());

        Assert.Equal(2, detector.GroupCount);
        var broken = Assert.Single(scores, r => r.Anomalous && r.Group == checkout.Group);
        Assert.Equal(500 * ServiceLoad.StepMs, broken.EventTimeMs);
        Assert.Equal(FeatureRole.Latency, broken.TopFeature);
        Assert.True(scores.Count(r => r.Group == cart.Group && r.Anomalous) <= 1);
        Assert.Equal(2 * (600 - 120), scores.Count);
        Assert.Equal(120, detector.DetectorOf(cart.Group)!.WarmUpVectors);
    }

    [Fact]
    public void Observe_WhileWarmingUp_ReturnsNoScores()
    {
        var detector = new MultivariateDetector(new MultivariateOptions { MinTrainingVectors = 50 });
        var load = new ServiceLoad(33);
        for (var s = 0; s < 50; s++)
        {
            foreach (var (key, t, value) in load.Points(s, load.Normal(s)))
                Assert.Empty(detector.Observe(key, t, value));
        }

        Assert.Equal(48, detector.Window.AssembledVectors); // two steps still within the lateness
        Assert.Equal(0, detector.DetectorOf(load.Group)!.ModelsTrained);
    }

    [Fact]
    public void Observe_MissingRoles_ImputedOrSkippedAndScoringGoesOn()
    {
        var detector = new MultivariateDetector(new MultivariateOptions());
        var load = new ServiceLoad(34);
        var scores = new List<ServiceAnomalyScore>();
        for (var s = 0; s < 400; s++)
        {
            var points = load.Points(s, load.Normal(s)).ToList();
            if (s % 10 == 3)
                points.RemoveAt(3);           // saturation missing: imputed
            if (s % 50 == 7)
                points.RemoveRange(0, 2);     // latency and errors missing: skipped
            foreach (var (key, t, value) in points)
                detector.Observe(key, t, value, scores);
        }

        scores.AddRange(detector.Flush());

        Assert.Equal(8, detector.Window.SkippedVectors);
        Assert.Equal(40, detector.Window.ImputedValues);
        Assert.Equal(392, detector.Window.AssembledVectors);
        Assert.Contains(scores, r => r.Features[3].Imputed);
        Assert.True(scores.Count(r => r.Anomalous) <= 2);
    }
}
