namespace FinScale.Baselining.Tests;

public class SeasonalPeriodTests
{
    private const int Day = 288;                                               // 5-minute steps
    private const int Week = 7 * Day;
    private static readonly int[] DayAndWeek = [Day, Week];

    [Fact]
    public void FindLag_DailyPatternWithNoiseAndTrend_ChoosesDayOverItsWeeklyMultiple()
    {
        var rng = new Random(42);
        float[] history = Make(28 * Day, t => 50f + 0.01f * t + 10f * MathF.Sin(2f * MathF.PI * t / Day) + Gaussian.Next(rng, 0f, 5f));

        Assert.Equal(Day, SeasonalPeriod.FindLag(history, DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void FindLag_WeekdayOnlyPattern_ChoosesWeek()
    {
        var rng = new Random(42);
        // Business-hours load on weekdays, a flat quiet weekend: only the week repeats it exactly.
        float[] history = Make(28 * Day, t =>
        {
            bool weekend = t % Week >= 5 * Day;
            int minuteOfDay = t % Day * 5;
            bool businessHours = minuteOfDay >= 9 * 60 && minuteOfDay < 17 * 60;
            return (weekend ? 10f : businessHours ? 100f : 40f) + Gaussian.Next(rng, 0f, 8f);
        });

        Assert.Equal(Week, SeasonalPeriod.FindLag(history, DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void FindLag_WhiteNoise_FindsNone()
    {
        var rng = new Random(42);
        float[] history = Make(28 * Day, _ => Gaussian.Next(rng, 100f, 10f));

        Assert.Equal(0, SeasonalPeriod.FindLag(history, DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void FindLag_RandomWalk_FindsNone()
    {
        var rng = new Random(42);
        float level = 0f;
        float[] history = Make(28 * Day, _ => level += Gaussian.Next(rng, 0f, 1f));

        Assert.Equal(0, SeasonalPeriod.FindLag(history, DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void FindLag_LessThanThreePeriodsOfHistory_FindsNone()
    {
        float[] history = Make(3 * Day - 2, t => MathF.Sin(2f * MathF.PI * t / Day));

        Assert.Equal(0, SeasonalPeriod.FindLag(history, DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
        Assert.Equal(Day, SeasonalPeriod.FindLag(Make(3 * Day - 1, t => MathF.Sin(2f * MathF.PI * t / Day)), DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void FindLag_NonFiniteValueInHistory_FindsNone()
    {
        float[] history = Make(10 * Day, t => MathF.Sin(2f * MathF.PI * t / Day));
        history[500] = float.NaN;

        Assert.Equal(0, SeasonalPeriod.FindLag(history, DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void FindLag_FlatHistory_FindsNone()
    {
        Assert.Equal(0, SeasonalPeriod.FindLag(new float[10 * Day], DayAndWeek, SeasonalPeriod.DefaultMinCorrelation));
    }

    [Fact]
    public void DetrendedAutocorrelation_SineOnSteepTrend_IsNearOneAtThePeriod()
    {
        float[] history = Make(5 * Day, t => 1_000f + 2f * t + MathF.Sin(2f * MathF.PI * t / Day));

        Assert.InRange(SeasonalPeriod.DetrendedAutocorrelation(history, Day), 0.99, 1.0);
        Assert.True(double.IsNaN(SeasonalPeriod.DetrendedAutocorrelation(history, 2 * Day)), "needs three periods of history");
    }

    [Fact]
    public void Find_JitteredTimestampsWithGaps_ReturnsTheDailyCandidate()
    {
        var rng = new Random(42);
        const long stepMs = 300_000;
        var timestamps = new List<long>();
        var values = new List<float>();
        for (int t = 0; t < 21 * Day; t++)
        {
            if (rng.Next(50) == 0)
            {
                continue;                                                      // a dropped scrape: a gap of two steps
            }

            timestamps.Add(1_704_067_200_000L + t * stepMs + rng.Next(-20_000, 20_000));
            values.Add(20f * MathF.Sin(2f * MathF.PI * t / Day) + Gaussian.Next(rng, 0f, 4f));
        }

        TimeSpan? period = SeasonalPeriod.Find(
            timestamps.ToArray(), values.ToArray(), [TimeSpan.FromDays(1), TimeSpan.FromDays(7)], SeasonalPeriod.DefaultMinCorrelation);

        Assert.Equal(TimeSpan.FromDays(1), period);
    }

    [Fact]
    public void Find_CandidateShorterThanFourSteps_IsLeftOut()
    {
        long[] timestamps = Enumerable.Range(0, 1_000).Select(t => t * 3_600_000L).ToArray();  // hourly
        float[] values = Make(1_000, t => MathF.Sin(2f * MathF.PI * t / 3));

        Assert.Null(SeasonalPeriod.Find(timestamps, values, [TimeSpan.FromHours(3)], SeasonalPeriod.DefaultMinCorrelation));
    }

    [Theory]
    [InlineData(new long[0], 0L)]
    [InlineData(new long[] { 5 }, 0L)]
    [InlineData(new long[] { 7, 7, 7 }, 0L)]
    [InlineData(new long[] { 0, 60_000, 120_000, 120_000, 300_000, 360_000 }, 60_000L)]   // a repeat and a gap
    [InlineData(new long[] { 0, 10, 5, 30, 40 }, 10L)]                                     // out of order
    public void MedianStepMs_Timestamps_IsTheMedianForwardStep(long[] timestamps, long expected) =>
        Assert.Equal(expected, SeasonalPeriod.MedianStepMs(timestamps));

    [Fact]
    public void FindLag_LagBelowMinimum_ThrowsArgumentOutOfRange()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SeasonalPeriod.FindLag(new float[100], [3], 0.3));

        Assert.Equal("candidateLags", ex.ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void FindLag_MinCorrelationOutOfRange_ThrowsArgumentOutOfRange(double minCorrelation)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SeasonalPeriod.FindLag(new float[100], [10], minCorrelation));

        Assert.Equal("minCorrelation", ex.ParamName);
    }

    private static float[] Make(int length, Func<int, float> value)
    {
        var history = new float[length];
        for (int t = 0; t < length; t++)
        {
            history[t] = value(t);
        }

        return history;
    }
}
