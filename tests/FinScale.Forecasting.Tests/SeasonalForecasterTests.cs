namespace FinScale.Forecasting.Tests;

public class SeasonalForecasterTests
{
    private static readonly TimeSpan HalfHour = TimeSpan.FromMinutes(30);

    [Fact]
    public void Forecast_SeasonalSeries_BeatsSeasonalNaiveOneStepAhead()
    {
        var data = Synthetic.Load(HalfHour, TimeSpan.FromDays(42), weekendFactor: 0.5, noise: 0.08);
        var forecaster = new SeasonalForecaster();
        double model = 0, seasonalNaive = 0;
        for (var i = 0; i < data.Length; i++)
        {
            if (i >= data.Length - 14 * 48)
            {
                var f = forecaster.Forecast(1).Points[0];
                Assert.Equal(data[i].Ts, f.TimestampMs);
                model += Math.Abs(data[i].Value - f.Mean);
                seasonalNaive += Math.Abs(data[i].Value - data[i - 48].Value);
            }

            forecaster.Observe(data[i].Ts, data[i].Value);
        }

        Assert.Equal(ForecastModelKind.DoubleSeasonalHoltWinters, forecaster.Model);
        Assert.True(model < 0.8 * seasonalNaive, $"model MAE {model} vs seasonal-naive {seasonalNaive}");
    }

    [Theory]
    [InlineData(10, 0.1, 0.3)] // 10-minute samples, +-1 minute of jitter, 30 % missed
    [InlineData(5, 0.0, 0.4)]  // 5-minute samples on the grid, 40 % missed
    [InlineData(1, 0.05, 0.2)]
    public void InferStep_JitteredSamplesWithGaps_FindsTheStepNotTheMedianInterval(int minutes, double jitter, double missed)
    {
        var rng = new Random(minutes);
        var step = minutes * 60_000L;
        var ts = new List<long>();
        for (var i = 0; ts.Count < 25; i++)
        {
            if (i > 0 && rng.NextDouble() < missed)
                continue;
            ts.Add(Synthetic.Start + (i * step) + (long)((rng.NextDouble() * 2 - 1) * jitter * step));
        }

        Assert.Equal(step, SeasonalForecaster.InferStep(ts));
    }

    [Fact]
    public void InferStep_CloseToADivisorOfADay_IsPutOnIt_ButAStepFarFromOneIsKept()
    {
        // 9 min 57 s is 0.5 % from 10 minutes (144 a day); 7 minutes is 4.8 % from the nearest divisor (6 min 40 s).
        long[] Every(long ms) => [.. Enumerable.Range(0, 25).Select(i => Synthetic.Start + (i * ms))];
        Assert.Equal(600_000, SeasonalForecaster.InferStep(Every(597_000)));
        Assert.Equal(420_000, SeasonalForecaster.InferStep(Every(420_000)));
        Assert.Equal(60_000, SeasonalForecaster.InferStep([Synthetic.Start]));
    }

    [Fact]
    public void Forecast_TenMinuteTraceWithGapsAmongItsFirstSamples_FindsTheDailySeason()
    {
        // The first samples of a 10-minute trace with a few missed: the median of the first intervals was 19 minutes
        // once, which fits no day, so no daily season could ever be found.
        var data = Synthetic.Load(TimeSpan.FromMinutes(10), TimeSpan.FromDays(14), noise: 0.05, seed: 5);
        var skip = new HashSet<int> { 2, 3, 5, 6, 7, 9, 12, 13, 14, 17 };
        var forecaster = new SeasonalForecaster();
        for (var i = 0; i < data.Length; i++)
        {
            if (!skip.Contains(i))
                forecaster.Observe(data[i].Ts, data[i].Value);
        }

        Assert.Equal(TimeSpan.FromMinutes(10), forecaster.Step);
        Assert.Contains(forecaster.Model, new[] { ForecastModelKind.HoltWinters, ForecastModelKind.DoubleSeasonalHoltWinters });
    }

    [Fact]
    public void Forecast_Intervals_CoverAboutTheNominalShare()
    {
        var data = Synthetic.Load(TimeSpan.FromMinutes(10), TimeSpan.FromDays(28), noise: 0.1, seed: 11);
        var forecaster = new SeasonalForecaster(new ForecasterOptions { IntervalCoverage = 0.9 });
        int inside = 0, scored = 0;
        for (var i = 0; i < data.Length; i++)
        {
            if (i >= data.Length - 7 * 144)
            {
                var f = forecaster.Forecast(1).Points[0];
                scored++;
                if (data[i].Value >= f.Lower && data[i].Value <= f.Upper)
                    inside++;
            }

            forecaster.Observe(data[i].Ts, data[i].Value);
        }

        Assert.InRange(inside / (double)scored, 0.83, 0.96);
    }

    [Fact]
    public void Forecast_LessThanADay_FallsBackToExponentialSmoothingAndSaysSo()
    {
        var forecaster = Feed(Synthetic.Load(TimeSpan.FromMinutes(5), TimeSpan.FromHours(12)));

        var forecast = forecaster.Forecast(6);

        Assert.Equal(ForecastModelKind.SimpleExponentialSmoothing, forecast.Model);
        Assert.True(forecast.IsFallback);
        Assert.Contains("fallback", forecast.Description, StringComparison.Ordinal);
        Assert.All(forecast.Points, p => Assert.True(double.IsFinite(p.Mean) && p.Lower <= p.Mean && p.Mean <= p.Upper));
    }

    [Fact]
    public void Forecast_OneToTwoDays_UsesAFallbackWithAShortHistoryWarning()
    {
        var forecaster = Feed(Synthetic.Load(TimeSpan.FromMinutes(5), TimeSpan.FromHours(40)));

        var forecast = forecaster.Forecast(3);

        Assert.True(forecast.IsFallback);
        Assert.Contains(forecaster.Warnings, w => w.Kind == ForecastWarningKind.ShortHistory);
    }

    [Fact]
    public void Forecast_AfterTwoDays_UsesHoltWinters()
    {
        var forecaster = Feed(Synthetic.Load(TimeSpan.FromMinutes(5), TimeSpan.FromDays(4)));

        Assert.Equal(ForecastModelKind.HoltWinters, forecaster.Model);
        Assert.False(forecaster.Forecast(1).IsFallback);
    }

    [Fact]
    public void Observe_GapsRepeatsAndBackwards_WarnsAndStillForecasts()
    {
        var data = Synthetic.Load(TimeSpan.FromMinutes(5), TimeSpan.FromDays(3));
        var forecaster = new SeasonalForecaster();
        for (var i = 0; i < data.Length; i++)
        {
            if (i is > 300 and < 340)
                continue; // a gap of 40 steps
            forecaster.Observe(data[i].Ts, data[i].Value);
            if (i == 500)
            {
                forecaster.Observe(data[i].Ts, 999);          // repeated
                forecaster.Observe(data[i - 10].Ts, 999);     // backwards
                forecaster.Observe(data[i].Ts + 1, double.NaN); // not a number
            }
        }

        var kinds = forecaster.WarningCounts.Keys.ToHashSet();
        Assert.Contains(ForecastWarningKind.Gap, kinds);
        Assert.Contains(ForecastWarningKind.RepeatedTimestamp, kinds);
        Assert.Contains(ForecastWarningKind.BackwardsTimestamp, kinds);
        Assert.Contains(ForecastWarningKind.NonFiniteValue, kinds);
        var point = forecaster.Forecast(1).Points[0];
        Assert.True(double.IsFinite(point.Mean) && point.Mean < 500, $"forecast {point.Mean}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(42.0)]
    public void Observe_FlatLine_ForecastsTheLineWithAWarning(double level)
    {
        var forecaster = new SeasonalForecaster();
        for (var i = 0; i < 288 * 3; i++)
            forecaster.Observe(Synthetic.Start + i * 300_000L, level);

        var point = forecaster.Forecast(1).Points[0];

        Assert.Equal(level, point.Mean, 6);
        Assert.Contains(ForecastWarningKind.FlatLine, forecaster.WarningCounts.Keys);
    }

    [Fact]
    public void Forecast_NoOrFewObservations_DoesNotThrow()
    {
        var forecaster = new SeasonalForecaster();
        Assert.Equal(0, forecaster.Forecast(3).Points[0].Mean);

        forecaster.Observe(Synthetic.Start, 5);
        forecaster.Observe(Synthetic.Start + 60_000, 7);

        var forecast = forecaster.Forecast(2);
        Assert.Equal(ForecastModelKind.Warmup, forecast.Model);
        Assert.Equal(6, forecast.Points[0].Mean, 6);
        Assert.Equal(Synthetic.Start + 120_000, forecast.Points[0].TimestampMs);
    }

    [Fact]
    public void Observe_LongGap_RestartsWithAWarning()
    {
        var forecaster = Feed(Synthetic.Load(TimeSpan.FromMinutes(30), TimeSpan.FromDays(3)));
        forecaster.Observe(Synthetic.Start + (long)TimeSpan.FromDays(100).TotalMilliseconds, 10);

        Assert.Contains(ForecastWarningKind.Reset, forecaster.WarningCounts.Keys);
        Assert.True(double.IsFinite(forecaster.Forecast(1).Points[0].Mean));
    }

    [Fact]
    public void Forecast_ConfiguredEventDays_LearnsTheirUplift()
    {
        var firstDay = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(Synthetic.Start).UtcDateTime);
        var events = Enumerable.Range(0, 7).Select(k => firstDay.AddDays(3 + 4 * k)).ToList();
        var data = Synthetic.Load(TimeSpan.FromMinutes(30), TimeSpan.FromDays(28), noise: 0.02)
            .Select(x => events.Contains(DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(x.Ts).UtcDateTime)) ? (x.Ts, Value: x.Value * 2) : x)
            .ToArray();
        var withEvents = new SeasonalForecaster(new ForecasterOptions { Calendar = new CalendarOptions { EventDays = events } });
        var without = new SeasonalForecaster();
        // Everything before the last event day, then forecast across its midnight.
        var lastEvent = new DateTimeOffset(events[^1].ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        foreach (var (ts, v) in data.Where(x => x.Ts < lastEvent - 3_600_000))
        {
            withEvents.Observe(ts, v);
            without.Observe(ts, v);
        }

        var onEventDay = withEvents.Forecast(4).Points[3];
        var unaware = without.Forecast(4).Points[3];
        var actual = data.Single(x => x.Ts == onEventDay.TimestampMs).Value;

        Assert.True(Math.Abs(actual - onEventDay.Mean) < 0.6 * Math.Abs(actual - unaware.Mean),
            $"actual {actual}, with event days {onEventDay.Mean}, without {unaware.Mean}; {withEvents.Description}");
    }

    private static SeasonalForecaster Feed((long Ts, double Value)[] data)
    {
        var forecaster = new SeasonalForecaster();
        foreach (var (ts, v) in data)
            forecaster.Observe(ts, v);
        return forecaster;
    }
}
