using FinScale.Forecasting.Capacity;

namespace FinScale.Forecasting.Tests.Capacity;

public class CapacitySimulatorTests
{
    [Theory]
    [InlineData(85, 10, 10)]   // 85 / (10 × 8) = 1.06: within the tolerance
    [InlineData(100, 10, 13)]  // ceil(100 / 8)
    [InlineData(40, 10, 5)]
    [InlineData(7, 0, 1)]
    public void HpaRaw_FollowsTheHpaFormula(double demand, int spec, int expected)
    {
        Assert.Equal(expected, CapacitySimulator.HpaRaw(demand, spec, target: 8, tolerance: 0.1, max: 1000));
    }

    [Fact]
    public void Run_SeasonalTrace_PredictiveReactiveCutsUnderprovisioningAtSimilarCost()
    {
        var trace = Synthetic.Load(TimeSpan.FromMinutes(30), TimeSpan.FromDays(21), weekendFactor: 0.6, noise: 0.03)
            .Select(x => new LoadSample(x.Ts, x.Value)).ToList();

        var result = CapacitySimulator.Run(trace, new CapacitySimOptions());

        Assert.Equal(["hpa", "predictive", "predictive+reactive"], result.Policies.Select(p => p.Policy));
        Assert.True(result.Policies[0].UnderprovisionedMinutes > 0);
        Assert.True(result.UnderprovisionedRatio < 0.5, $"underprov ratio {result.UnderprovisionedRatio}");
        Assert.True(result.CostRatio < 1.1, $"cost ratio {result.CostRatio}");
        Assert.True(result.Policies[2].Mase < 1, $"MASE {result.Policies[2].Mase}");
    }

    [Fact]
    public void Run_CapacityRule_UsesOnlyTheFirstDay()
    {
        var trace = Synthetic.Load(TimeSpan.FromMinutes(30), TimeSpan.FromDays(3)).Select(x => new LoadSample(x.Ts, x.Value)).ToList();
        var firstDayOnly = CapacitySimulator.Run(trace.Take(48).Append(new LoadSample(trace[48].TimestampMs, 1e9)).ToList(), new CapacitySimOptions());
        var full = CapacitySimulator.Run(trace, new CapacitySimOptions());

        Assert.Equal(full.CapacityPerReplica, firstDayOnly.CapacityPerReplica);
        Assert.Equal(123, CapacitySimulator.Run(trace, new CapacitySimOptions { CapacityPerReplica = 123 }).CapacityPerReplica);
    }

    [Fact]
    public void Run_BadTrace_WarnsAndDoesNotThrow()
    {
        var t0 = Synthetic.Start;
        var trace = new List<LoadSample>();
        for (var i = 0; i < 2000; i++)
            trace.Add(new LoadSample(t0 + i * 300_000L, i % 500 < 20 ? 0 : 10));
        trace.Insert(100, new LoadSample(t0 + 50 * 300_000L, 5));   // backwards
        trace.Insert(200, trace[199]);                              // repeated
        trace.Insert(300, new LoadSample(t0 + 298 * 300_000L + 1, double.NaN));
        trace.RemoveRange(500, 50);                                 // a gap

        var result = CapacitySimulator.Run(trace, new CapacitySimOptions());

        Assert.Contains(result.Warnings, w => w.Contains("before an earlier one", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("repeated", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("non-finite", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("gap", StringComparison.Ordinal));
        Assert.All(result.Policies, p => Assert.True(double.IsFinite(p.ReplicaHours)));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(5.0)]
    public void Run_FlatTrace_GivesAResultWithAWarning(double level)
    {
        var trace = Enumerable.Range(0, 288 * 3).Select(i => new LoadSample(Synthetic.Start + i * 300_000L, level)).ToList();

        var result = CapacitySimulator.Run(trace, new CapacitySimOptions());

        Assert.Contains(result.Warnings, w => w.Contains("flat line", StringComparison.Ordinal));
        Assert.All(result.Policies, p => Assert.Equal(0, p.UnderprovisionedMinutes));
    }

    [Fact]
    public void Run_TooShort_GivesAnEmptyResult()
    {
        var result = CapacitySimulator.Run([new LoadSample(Synthetic.Start, 1)], new CapacitySimOptions());

        Assert.Contains(result.Warnings, w => w.Contains("nothing to simulate", StringComparison.Ordinal));
        Assert.Null(result.UnderprovisionedRatio);
    }

    [Fact]
    public void Run_IsCausal_TheFutureDoesNotChangeThePast()
    {
        // Two traces equal for 10 days, then different: stopping the clock at day 10 gives the same numbers either way.
        var past = Synthetic.Load(TimeSpan.FromMinutes(30), TimeSpan.FromDays(14), noise: 0.05, seed: 3);
        var calm = past.Select(x => new LoadSample(x.Ts, x.Value)).ToList();
        var stop = Synthetic.Start + (long)TimeSpan.FromDays(10).TotalMilliseconds;
        var storm = calm.Select(x => x.TimestampMs >= stop ? x with { Value = x.Value * 10 } : x).ToList();
        var options = new CapacitySimOptions { CapacityPerReplica = 20 };

        var a = CapacitySimulator.Run(calm, options, stop);
        var b = CapacitySimulator.Run(storm, options, stop);

        Assert.True(a.Policies[0].ReplicaHours > 0);
        Assert.Equal(a.Policies, b.Policies);
    }
}
