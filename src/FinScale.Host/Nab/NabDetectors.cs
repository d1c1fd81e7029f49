using FinScale.Detection.Scoring;

namespace FinScale.Host.Nab;

/// <summary>
/// The detectors <c>finscale nab --detector NAME</c> can run; the first is the default: the pipeline's own detector
/// (<c>ensemble</c>: ShardDetector's SIMD level kernel feeding the ensemble), so NAB measures what <c>finscale run</c> runs.
/// <c>ensemble-solo</c> is the same ensemble with its own double-precision level model. To add one, add its
/// <see cref="IPointScorerFactory"/> here (its name must not contain '_', NAB splits results file names on it).
/// </summary>
internal static class NabDetectors
{
    public static IReadOnlyList<IPointScorerFactory> All { get; } =
    [
        ShardDetectorScorer.Factory(),
        new EnsembleScorerFactory(),
        new NullDetector(),
    ];

    public static IPointScorerFactory Default => All[0];

    public static IPointScorerFactory? Find(string name) => All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>NAB's null detector: 0.5 for every row. It never beats never firing, so it normalises to 0 on every profile; a check of the harness.</summary>
    private sealed class NullDetector : IPointScorerFactory, IPointScorer
    {
        public string Name => "null";

        public IPointScorer Create() => this; // stateless

        public double Score(long timestampMs, double value) => 0.5;
    }
}
