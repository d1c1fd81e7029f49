namespace FinScale.Detection.Multivariate.Tests;

public class TailCalibrationTests
{
    [Fact]
    public void TailProbability_WithinTraining_IsTheEmpiricalShareAtOrAbove()
    {
        var calibration = TailCalibration.Fit([.. Enumerable.Range(1, 99).Select(i => (double)i)]);

        Assert.Equal(1.0, calibration.TailProbability(0));
        Assert.Equal(1.0, calibration.TailProbability(1));
        Assert.Equal(11.0 / 100, calibration.TailProbability(90));
        Assert.Equal(2.0 / 100, calibration.TailProbability(99));
    }

    [Fact]
    public void TailProbability_BeyondTheLargest_KeepsFalling()
    {
        var rng = new Random(3);
        var calibration = TailCalibration.Fit([.. Enumerable.Range(0, 500).Select(_ => rng.NextDouble())]);

        var previous = calibration.TailProbability(1.0);
        Assert.True(previous <= 1.0 / 501);
        foreach (var error in new[] { 1.1, 1.5, 2, 5 })
        {
            var p = calibration.TailProbability(error);
            Assert.True(p < previous && p > 0, $"p({error}) = {p}");
            previous = p;
        }
    }

    [Fact]
    public void TailProbability_AllErrorsAlike_StaysFiniteAndMonotone()
    {
        var calibration = TailCalibration.Fit([.. Enumerable.Repeat(0.0, 50)]);

        Assert.Equal(1.0, calibration.TailProbability(0));
        Assert.True(calibration.TailProbability(1e-13) < 1.0 / 51);
        Assert.True(calibration.TailProbability(1) > 0);
    }
}
