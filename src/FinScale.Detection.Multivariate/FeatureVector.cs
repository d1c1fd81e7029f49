using FinScale.Contracts;

namespace FinScale.Detection.Multivariate;

/// <summary>One group's features for one event-time step, as assembled by <see cref="ServiceFeatureWindow"/>.</summary>
/// <param name="Group">The group (<see cref="ServiceFeatureWindow.GroupMetric"/> with the group-by attributes).</param>
/// <param name="EventTimeMs">Start of the step, Unix ms.</param>
/// <param name="Values">The features' values in the window's feature order, in their own units.</param>
/// <param name="Imputed">Per feature, true when no series fed it in this step and its last value stands in.</param>
public sealed record FeatureVector(SeriesKey Group, long EventTimeMs, double[] Values, bool[] Imputed);
