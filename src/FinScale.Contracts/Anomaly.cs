namespace FinScale.Contracts;

/// <summary>
/// The start of an anomaly episode on one series (the <c>Anomaly</c> Avro record): an episode opens
/// when the score crosses the detection threshold and is reported once.
/// </summary>
/// <param name="AnomalyId">Deterministic id: the same input replayed gives the same id.</param>
/// <param name="Series">Canonical series key text.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Attributes">Identifying attributes of the series.</param>
/// <param name="EventTime">Event time of the point that opened the episode.</param>
/// <param name="Observed">The observed value.</param>
/// <param name="Expected">The baseline's expectation before this point.</param>
/// <param name="Score">Anomaly score in [0, 1].</param>
/// <param name="ZScore">Signed robust z-score of the point against its baseline.</param>
/// <param name="Detector">The detector that raised it.</param>
public sealed record Anomaly(
    string AnomalyId,
    string Series,
    string Metric,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset EventTime,
    double Observed,
    double Expected,
    double Score,
    double ZScore,
    string Detector)
{
    /// <summary>Hex trace id of an example trace behind the anomalous point (an exemplar or a span of the window), when known.</summary>
    public string? TraceId { get; init; }

    /// <summary>Hex span id of the example within <see cref="TraceId"/>'s trace (16 digits), when known.</summary>
    public string? SpanId { get; init; }

    /// <summary>Which end of the episode this record marks: its start, or the series back to normal (same <see cref="AnomalyId"/>).</summary>
    public AnomalyState State { get; init; } = AnomalyState.Open;

    /// <summary>The value of an attribute, or null when the series does not carry it.</summary>
    public string? Attribute(string key) => Attributes.TryGetValue(key, out var v) ? v : null;
}

/// <summary>Which end of an anomaly episode a record marks.</summary>
public enum AnomalyState
{
    /// <summary>The episode starts: the score crossed the threshold.</summary>
    Open,

    /// <summary>The series is back to normal: the episode ends.</summary>
    Resolved,

    /// <summary>A state this version does not know (written by a newer one).</summary>
    Unknown,
}
