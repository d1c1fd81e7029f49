using FinScale.Forecasting.Prescale;

namespace FinScale.Forecasting.Tests.Prescale;

public class PrescaleRecommenderTests
{
    private static readonly DateTimeOffset Now = new(2024, 3, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly PrescaleOptions Options = new()
    {
        CapacityPerReplica = 100,
        Lead = TimeSpan.FromMinutes(2),
        MinReplicas = 2,
        MaxReplicas = 20,
        ScaleDownStabilization = TimeSpan.FromMinutes(5),
    };

    private static ForecastPoint At(TimeSpan fromNow, double upper) =>
        new((Now + fromNow).ToUnixTimeMilliseconds(), upper * 0.8, upper * 0.6, upper);

    [Fact]
    public void Recommend_UpperBoundWithinLead_IsCeilingOfUpperOverCapacity()
    {
        var input = new PrescaleInput([At(TimeSpan.FromMinutes(1), 430), At(TimeSpan.FromSeconds(110), 520)], CurrentReplicas: 3);

        var r = PrescaleRecommender.Recommend(input, Options, RecommendationHistory.Empty, Now);

        Assert.Equal(6, r.PredictiveReplicas);
        Assert.Equal(6, r.DesiredReplicas);
        Assert.Equal(520, r.ForecastUpper);
        Assert.Contains("scale up", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Recommend_PointBeyondLead_IsIgnored()
    {
        var input = new PrescaleInput([At(TimeSpan.FromMinutes(1), 300), At(TimeSpan.FromMinutes(3), 1500)], CurrentReplicas: 3);

        var r = PrescaleRecommender.Recommend(input, Options, RecommendationHistory.Empty, Now);

        Assert.Equal(3, r.DesiredReplicas);
    }

    [Fact]
    public void Recommend_PointInForce_CountsUntilTheNextOne()
    {
        var input = new PrescaleInput([At(TimeSpan.FromMinutes(-10), 700), At(TimeSpan.FromMinutes(-20), 1900)], CurrentReplicas: 3);

        var r = PrescaleRecommender.Recommend(input, Options, RecommendationHistory.Empty, Now);

        Assert.Equal(7, r.DesiredReplicas); // the latest point at or before now, not the older one
    }

    [Fact]
    public void Recommend_ReactiveHigher_TakesTheMax()
    {
        var input = new PrescaleInput([At(TimeSpan.FromMinutes(1), 300)], CurrentReplicas: 3, ReactiveReplicas: 9);

        var r = PrescaleRecommender.Recommend(input, Options, RecommendationHistory.Empty, Now);

        Assert.Equal(3, r.PredictiveReplicas);
        Assert.Equal(9, r.DesiredReplicas);
    }

    [Fact]
    public void Recommend_DropWithinStabilisationWindow_HoldsTheHighestUntilItPasses()
    {
        var history = RecommendationHistory.Empty;
        var high = PrescaleRecommender.Recommend(new PrescaleInput([At(TimeSpan.FromMinutes(1), 1000)], 4), Options, history, Now);
        Assert.Equal(10, high.DesiredReplicas);

        var state = high;
        for (var s = 15; s < 300; s += 15)
        {
            var t = Now.AddSeconds(s);
            state = PrescaleRecommender.Recommend(new PrescaleInput([new ForecastPoint(t.AddMinutes(1).ToUnixTimeMilliseconds(), 300, 250, 300)], 10), Options, state.History, t);
            Assert.Equal(10, state.DesiredReplicas);
        }

        var after = Now.AddSeconds(301);
        var down = PrescaleRecommender.Recommend(new PrescaleInput([new ForecastPoint(after.AddMinutes(1).ToUnixTimeMilliseconds(), 300, 250, 300)], 10), Options, state.History, after);
        Assert.Equal(3, down.DesiredReplicas);
        Assert.Contains("scale down", down.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Recommend_OutsideMinMax_IsClamped()
    {
        var low = PrescaleRecommender.Recommend(new PrescaleInput([At(TimeSpan.FromMinutes(1), 10)], 2), Options, RecommendationHistory.Empty, Now);
        var high = PrescaleRecommender.Recommend(new PrescaleInput([At(TimeSpan.FromMinutes(1), 1e9)], 2), Options, RecommendationHistory.Empty, Now);

        Assert.Equal(2, low.DesiredReplicas);
        Assert.Equal(20, high.DesiredReplicas);
    }

    [Fact]
    public void Recommend_NoForecastNoReactive_Holds()
    {
        var r = PrescaleRecommender.Recommend(new PrescaleInput([], 5), Options, RecommendationHistory.Empty, Now);

        Assert.Equal(5, r.DesiredReplicas);
        Assert.Null(r.PredictiveReplicas);
    }

    [Fact]
    public void Recommend_ScaleUpStabilisation_UsesTheLowestInItsWindow()
    {
        var options = Options with { ScaleUpStabilization = TimeSpan.FromMinutes(1) };
        var first = PrescaleRecommender.Recommend(new PrescaleInput([], 4, 5), options, RecommendationHistory.Empty, Now);
        var second = PrescaleRecommender.Recommend(new PrescaleInput([], first.DesiredReplicas, 12), options, first.History, Now.AddSeconds(15));

        Assert.Equal(5, first.DesiredReplicas);
        Assert.Equal(5, second.DesiredReplicas);
    }

    [Fact]
    public void Recommend_NonPositiveCapacity_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            PrescaleRecommender.Recommend(new PrescaleInput([], 1), Options with { CapacityPerReplica = 0 }, RecommendationHistory.Empty, Now));
    }
}
