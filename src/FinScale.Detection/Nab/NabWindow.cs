namespace FinScale.Detection.Nab;

/// <summary>
/// One labelled anomaly window of a NAB file. Both ends are inclusive and each equals the timestamp of exactly one
/// row of the file.
/// </summary>
/// <param name="StartMs">Timestamp of the window's first row, milliseconds since the Unix epoch (UTC).</param>
/// <param name="EndMs">Timestamp of the window's last row, milliseconds since the Unix epoch (UTC).</param>
public readonly record struct NabWindow(long StartMs, long EndMs)
{
    /// <summary>True when <paramref name="timestampMs"/> lies between the ends, inclusive: how NAB's labeler sets a row's <c>label</c>.</summary>
    public bool Contains(long timestampMs) => timestampMs >= StartMs && timestampMs <= EndMs;
}
