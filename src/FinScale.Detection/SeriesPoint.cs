using FinScale.Contracts;

namespace FinScale.Detection;

/// <summary>One update to one series: the unit detection works on.</summary>
/// <param name="SeriesId">The series, as interned in the <see cref="SeriesCatalog"/>.</param>
/// <param name="TimestampMs">Event time, milliseconds since the Unix epoch.</param>
/// <param name="Value">Observed value.</param>
public readonly record struct SeriesPoint(int SeriesId, long TimestampMs, double Value);

/// <summary>An anomaly raised by the point at <paramref name="PointIndex"/> of the batch handed to the detector.</summary>
/// <param name="PointIndex">Index of the point in the batch.</param>
/// <param name="Anomaly">The anomaly.</param>
public readonly record struct DetectedAnomaly(int PointIndex, Anomaly Anomaly);
