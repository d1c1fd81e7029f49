namespace FinScale.Detection.Nab;

/// <summary>One NAB data file as the scorer sees it: its rows' timestamps, a detector's score for each row, and its windows.</summary>
/// <param name="Name">The file's path relative to the data folder, e.g. <c>realKnownCause/nyc_taxi.csv</c>; names its windows in errors.</param>
/// <param name="TimestampsMs">Each row's timestamp in file order, milliseconds since the Unix epoch (UTC); may repeat or step back.</param>
/// <param name="AnomalyScores">The detector's score of each row, in [0, 1]; as many as there are timestamps.</param>
/// <param name="Windows">The file's windows in time order (empty for a file without anomalies).</param>
public sealed record NabSeries(
    string Name,
    IReadOnlyList<long> TimestampsMs,
    IReadOnlyList<double> AnomalyScores,
    IReadOnlyList<NabWindow> Windows);
