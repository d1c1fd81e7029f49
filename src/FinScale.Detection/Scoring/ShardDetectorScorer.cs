using FinScale.Contracts;

namespace FinScale.Detection.Scoring;

/// <summary>
/// The streaming detector, <see cref="ShardDetector"/>, as an <see cref="IPointScorer"/> for one series: each point's score is
/// the ensemble score ShardDetector grades it with (the kernel's robust level feeding <see cref="EnsembleScorer"/>), 0 while the series warms up.
/// It runs the production code path, one point per round, so NAB measures what the pipeline runs.
/// </summary>
public sealed class ShardDetectorScorer : IPointScorer
{
    private readonly ShardDetector _detector;
    private readonly int _seriesId;
    private readonly SeriesPoint[] _point = new SeriesPoint[1];
    private readonly double[] _score = new double[1];
    private readonly List<DetectedAnomaly> _opened = [];
    private long _latestMs = long.MinValue;

    /// <summary>Creates a scorer for a new series, tuned by <paramref name="options"/>.</summary>
    public ShardDetectorScorer(DetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var catalog = new SeriesCatalog(1);
        _seriesId = catalog.GetOrAdd(SeriesKey.Create("series", null));
        _detector = new ShardDetector(options, catalog);
    }

    /// <summary>A factory of scorers tuned by <paramref name="options"/> (the defaults when null), named <see cref="ShardDetector.Name"/>.</summary>
    public static IPointScorerFactory Factory(DetectorOptions? options = null) => new ScorerFactory(options ?? new DetectorOptions());

    /// <inheritdoc/>
    public double Score(long timestampMs, double value)
    {
        // ShardDetector drops a point older than its series' last one as late. Here arrival order is the truth (a file's
        // row order), so a timestamp that steps back is scored as if it came at the latest time seen.
        _latestMs = Math.Max(_latestMs, timestampMs);
        _point[0] = new SeriesPoint(_seriesId, _latestMs, value);
        _opened.Clear();
        _detector.Process(_point, _opened, _score);
        return _score[0];
    }

    private sealed class ScorerFactory(DetectorOptions options) : IPointScorerFactory
    {
        public string Name => ShardDetector.Name;

        public IPointScorer Create() => new ShardDetectorScorer(options);
    }
}
