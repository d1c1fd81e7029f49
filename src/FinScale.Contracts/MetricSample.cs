namespace FinScale.Contracts;

/// <summary>One observation of one metric series at one event time (the <c>MetricSample</c> Avro record).</summary>
/// <param name="Name">Metric name, e.g. <c>http.server.duration.p99</c>.</param>
/// <param name="Timestamp">Event time of the observation.</param>
/// <param name="Value">Observed value.</param>
/// <param name="Attributes">Identifying resource and point attributes.</param>
public sealed record MetricSample(
    string Name,
    DateTimeOffset Timestamp,
    double Value,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The canonical series key of this sample.</summary>
    public SeriesKey Key => SeriesKey.Create(Name, Attributes);
}
