namespace FinScale.Forecasting.Tests;

public class PeriodDetectorTests
{
    [Fact]
    public void Detect_DailySeries_FindsDailyOnly()
    {
        var data = Synthetic.Load(TimeSpan.FromMinutes(5), TimeSpan.FromDays(21)).Select(x => x.Value).ToArray();

        var result = PeriodDetector.Detect(data, TimeSpan.FromMinutes(5));

        var period = Assert.Single(result.Periods);
        Assert.Equal("daily", period.Name);
        Assert.Equal(288, period.Slots);
    }

    [Fact]
    public void Detect_WeekendDip_FindsDailyAndWeekly()
    {
        var data = Synthetic.Load(TimeSpan.FromMinutes(30), TimeSpan.FromDays(35), weekendFactor: 0.4).Select(x => x.Value).ToArray();

        var result = PeriodDetector.Detect(data, TimeSpan.FromMinutes(30));

        Assert.Equal(["daily", "weekly"], result.Periods.Select(p => p.Name));
        Assert.Equal(336, result.Periods[1].Slots);
    }

    [Fact]
    public void Detect_PeriodOfItsOwn_FindsTheDataPeriod()
    {
        var rng = new Random(7);
        var data = Enumerable.Range(0, 37 * 40).Select(i => 10 + 5 * Math.Sin(2 * Math.PI * i / 37) + Synthetic.Gaussian(rng)).ToArray();

        var result = PeriodDetector.Detect(data, TimeSpan.FromMinutes(1));

        var period = Assert.Single(result.Periods);
        Assert.Equal("data", period.Name);
        Assert.InRange(period.Slots, 36, 38);
    }

    [Fact]
    public void Detect_Bursts_StillFindsDaily()
    {
        var data = Synthetic.Load(TimeSpan.FromMinutes(5), TimeSpan.FromDays(21), burstProbability: 0.01).Select(x => x.Value).ToArray();
        data[1000] = 1e6; // one storm that would dominate a plain autocorrelation

        var result = PeriodDetector.Detect(data, TimeSpan.FromMinutes(5));

        Assert.Contains(result.Periods, p => p.Name == "daily");
    }

    [Fact]
    public void Detect_FlatLine_IsFlatWithNoPeriods()
    {
        var result = PeriodDetector.Detect(Enumerable.Repeat(3.0, 5000).ToArray(), TimeSpan.FromMinutes(5));

        Assert.True(result.IsFlat);
        Assert.Empty(result.Periods);
    }

    [Fact]
    public void Detect_WhiteNoise_FindsNothing()
    {
        var rng = new Random(3);
        var data = Enumerable.Range(0, 288 * 14).Select(_ => 50 + Synthetic.Gaussian(rng)).ToArray();

        var result = PeriodDetector.Detect(data, TimeSpan.FromMinutes(5));

        Assert.Empty(result.Periods);
    }

    [Fact]
    public void Detect_MostlyZerosWithLargeBursts_IsNotFlat()
    {
        var data = new double[288 * 7];
        for (var i = 0; i < data.Length; i += 97)
            data[i] = 5e8;

        var result = PeriodDetector.Detect(data, TimeSpan.FromMinutes(5));

        Assert.False(result.IsFlat);
    }
}
