using System.Globalization;

namespace FinScale.Forecasting.Prescale;

/// <summary>A replica count and how it was reached. Numbers only: applying it is an executor's job.</summary>
/// <param name="DesiredReplicas">Replicas to scale to (stabilised and within min/max).</param>
/// <param name="RawReplicas">The larger of the predictive and reactive counts before stabilisation (the current count if neither).</param>
/// <param name="PredictiveReplicas">Forecast upper bound over the lead time / capacity per replica, rounded up; null without a forecast in the window.</param>
/// <param name="ReactiveReplicas">The reactive signal given.</param>
/// <param name="ForecastUpper">The highest forecast upper bound within the lead time.</param>
/// <param name="CurrentReplicas">Replicas at the time of the recommendation.</param>
/// <param name="History">The history to pass to the next recommendation.</param>
public sealed record PrescaleRecommendation(
    int DesiredReplicas,
    int RawReplicas,
    int? PredictiveReplicas,
    int? ReactiveReplicas,
    double? ForecastUpper,
    int CurrentReplicas,
    RecommendationHistory History)
{
    /// <summary>Why, in one line (built on demand: the simulator makes millions of these).</summary>
    public string Reason
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            var predictive = PredictiveReplicas is { } p
                ? string.Format(c, "predictive {0} (forecast upper {1:0.##})", p, ForecastUpper)
                : "no forecast within the lead time";
            var reactive = ReactiveReplicas is { } r ? string.Format(c, "reactive {0}", r) : "no reactive signal";
            var action = DesiredReplicas == CurrentReplicas
                ? (RawReplicas < CurrentReplicas ? "hold (scale-down stabilisation)" : "hold")
                : DesiredReplicas > CurrentReplicas ? "scale up" : "scale down";
            return string.Format(c, "{0}; {1}; raw {2}; {3} {4} -> {5}", predictive, reactive, RawReplicas, action, CurrentReplicas, DesiredReplicas);
        }
    }
}
