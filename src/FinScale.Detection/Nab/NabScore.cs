namespace FinScale.Detection.Nab;

/// <summary>The NAB score of a detector at one threshold under one profile, over a set of files.</summary>
/// <param name="Profile">The profile the score is weighted by.</param>
/// <param name="Threshold">Rows whose anomaly score is at or above it are detections.</param>
/// <param name="RawScore">The sum over files of the window rewards, false-positive costs and missed-window costs.</param>
/// <param name="NullScore">The raw score of a detector that never fires over the same files: −A_FN × windows.</param>
/// <param name="PerfectScore">The raw score of a detector that fires on each window's first row and nowhere else: A_TP × windows.</param>
/// <param name="DetectedWindows">TP: windows with at least one detection.</param>
/// <param name="MissedWindows">FN: windows with no detection.</param>
/// <param name="FalsePositives">FP: scored rows outside every window that are detections.</param>
/// <param name="TruePositiveRows">NAB's row count <c>tp</c>: scored rows inside windows that are detections.</param>
/// <param name="FalseNegativeRows">NAB's row count <c>fn</c>: scored rows inside windows that are not detections.</param>
/// <param name="TrueNegativeRows">NAB's row count <c>tn</c>: scored rows outside every window that are not detections.</param>
public sealed record NabScore(
    NabProfile Profile,
    double Threshold,
    double RawScore,
    double NullScore,
    double PerfectScore,
    int DetectedWindows,
    int MissedWindows,
    int FalsePositives,
    int TruePositiveRows,
    int FalseNegativeRows,
    int TrueNegativeRows)
{
    /// <summary>
    /// <c>100 · (raw − null) / (perfect − null)</c>: 0 for a detector that never fires, 100 for a perfect one.
    /// NaN when the files hold no scored window, where the ratio is undefined.
    /// </summary>
    public double NormalizedScore => PerfectScore == NullScore ? double.NaN : 100.0 * (RawScore - NullScore) / (PerfectScore - NullScore);
}
