using FinScale.Detection.Histograms;

namespace FinScale.Detection.Tests;

public class HistogramQuantileTests
{
    [Fact]
    public void FromExplicitBuckets_UniformData_EstimatesWithinOneBucket()
    {
        // 1000 values uniform on (0, 1000], buckets of 100.
        double[] bounds = [100, 200, 300, 400, 500, 600, 700, 800, 900];
        double[] counts = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100];
        Assert.Equal(500, HistogramQuantile.FromExplicitBuckets(bounds, counts, 0.5, 0, 1000), 6);
        Assert.Equal(900, HistogramQuantile.FromExplicitBuckets(bounds, counts, 0.9, 0, 1000), 6);
        Assert.Equal(990, HistogramQuantile.FromExplicitBuckets(bounds, counts, 0.99, 0, 1000), 6);
    }

    [Fact]
    public void FromExplicitBuckets_SampledLognormal_IsCloseToTheTrueQuantile()
    {
        var rng = new Random(7);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Exp(3 + (0.5 * Gaussian(rng)))).OrderBy(v => v).ToArray();
        double[] bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
        var counts = new double[bounds.Length + 1];
        foreach (var v in values)
        {
            var i = 0;
            while (i < bounds.Length && v > bounds[i])
                i++;
            counts[i]++;
        }

        foreach (var q in new[] { 0.5, 0.9, 0.99 })
        {
            var truth = values[(int)(q * values.Length)];
            var est = HistogramQuantile.FromExplicitBuckets(bounds, counts, q, values[0], values[^1]);
            Assert.InRange(est, truth * 0.75, truth * 1.25);
        }
    }

    [Fact]
    public void FromExplicitBuckets_OverflowBucket_UsesMaxOrTheLastBound()
    {
        double[] bounds = [10];
        double[] counts = [0, 4];
        Assert.Equal(10, HistogramQuantile.FromExplicitBuckets(bounds, counts, 0.99));
        Assert.InRange(HistogramQuantile.FromExplicitBuckets(bounds, counts, 0.99, 12, 50), 12, 50);
    }

    [Fact]
    public void FromExplicitBuckets_EmptyOrMalformed_IsNaN()
    {
        Assert.True(double.IsNaN(HistogramQuantile.FromExplicitBuckets([1, 2], [0, 0, 0], 0.5)));
        Assert.True(double.IsNaN(HistogramQuantile.FromExplicitBuckets([1, 2], [1, 1], 0.5)));
        Assert.True(double.IsNaN(HistogramQuantile.FromExplicitBuckets([1], [1, -1], 0.5)));
        Assert.True(double.IsNaN(HistogramQuantile.FromExplicitBuckets([1], [1, 1], 1.5)));
    }

    [Fact]
    public void FromExponentialBuckets_SampledData_IsCloseToTheTrueQuantile()
    {
        var rng = new Random(3);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Exp(2 + Gaussian(rng))).OrderBy(v => v).ToArray();
        const int scale = 3;
        var logBase = Math.Log(2) / 8;
        var indexes = values.Select(v => (int)Math.Ceiling(Math.Log(v) / logBase) - 1).ToArray();
        var offset = indexes.Min();
        var counts = new double[indexes.Max() - offset + 1];
        foreach (var i in indexes)
            counts[i - offset]++;

        foreach (var q in new[] { 0.5, 0.9, 0.99 })
        {
            var truth = values[(int)(q * values.Length)];
            var est = HistogramQuantile.FromExponentialBuckets(scale, 0, offset, counts, 0, [], q, values[0], values[^1]);
            Assert.InRange(est, truth * 0.9, truth * 1.1);
        }
    }

    [Fact]
    public void FromExponentialBuckets_NegativeAndZero_AreOrderedBelowPositive()
    {
        // 10 values near -4, 10 zeros, 10 near +4 at scale 0 (buckets (2,4] at index 1).
        Assert.InRange(HistogramQuantile.FromExponentialBuckets(0, 10, 1, [10], 1, [10], 0.1), -4, -2);
        Assert.Equal(0, HistogramQuantile.FromExponentialBuckets(0, 10, 1, [10], 1, [10], 0.5));
        Assert.InRange(HistogramQuantile.FromExponentialBuckets(0, 10, 1, [10], 1, [10], 0.9), 2, 4);
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
