using FinScale.Contracts;
using Microsoft.ML;

namespace FinScale.Detection.Multivariate;

/// <summary>
/// The multivariate detector as one stage: points of series in, scored group vectors out. A
/// <see cref="ServiceFeatureWindow"/> assembles each group's vector per event-time step, and one
/// <see cref="PcaServiceDetector"/> per group scores it (nothing while the group warms up). All series of a group must
/// reach the same instance, so whoever wires it routes points by group (e.g. <c>service.name</c>), not by series id.
/// Not thread-safe: one per stage.
/// </summary>
public sealed class MultivariateDetector
{
    private readonly MultivariateOptions _options;
    private readonly MLContext _ml;
    private readonly Dictionary<SeriesKey, PcaServiceDetector> _detectors = [];
    private readonly List<FeatureVector> _closed = [];

    /// <summary>Creates a detector with the given tuning.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MultivariateDetector(MultivariateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Window = new ServiceFeatureWindow(options);
        _options = options;
        _ml = new MLContext(options.Seed);
    }

    /// <summary>The window that assembles the vectors (its counters tell what was skipped, imputed or dropped).</summary>
    public ServiceFeatureWindow Window { get; }

    /// <summary>Groups with a detector.</summary>
    public int GroupCount => _detectors.Count;

    /// <summary>The detector of <paramref name="group"/>, or null when no vector of it has been assembled yet.</summary>
    public PcaServiceDetector? DetectorOf(SeriesKey group) => _detectors.GetValueOrDefault(group);

    /// <summary>
    /// Takes one point (series key text, event time in Unix ms, value) and returns the scores of the group vectors it
    /// completes: usually none, at a step boundary one per group whose step closed and that is past its warm-up.
    /// </summary>
    public IReadOnlyList<ServiceAnomalyScore> Observe(string seriesKey, long eventTimeMs, double value)
    {
        List<ServiceAnomalyScore>? scores = null;
        Window.Observe(seriesKey, eventTimeMs, value, _closed);
        Drain(ref scores);
        return scores ?? (IReadOnlyList<ServiceAnomalyScore>)[];
    }

    /// <summary>As <see cref="Observe(string, long, double)"/>, appending the scores to <paramref name="scores"/> (no allocation when there are none).</summary>
    public void Observe(string seriesKey, long eventTimeMs, double value, List<ServiceAnomalyScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        Window.Observe(seriesKey, eventTimeMs, value, _closed);
        List<ServiceAnomalyScore>? target = scores;
        Drain(ref target);
    }

    /// <summary>Closes every open step (end of input) and returns the scores of the vectors that gives.</summary>
    public IReadOnlyList<ServiceAnomalyScore> Flush()
    {
        List<ServiceAnomalyScore>? scores = null;
        Window.Flush(_closed);
        Drain(ref scores);
        return scores ?? (IReadOnlyList<ServiceAnomalyScore>)[];
    }

    private void Drain(ref List<ServiceAnomalyScore>? scores)
    {
        if (_closed.Count == 0)
            return;
        foreach (var vector in _closed)
        {
            if (!_detectors.TryGetValue(vector.Group, out var detector))
            {
                detector = new PcaServiceDetector(vector.Group, Window.FeatureNames, _options, _ml);
                _detectors.Add(vector.Group, detector);
            }

            if (detector.Process(vector) is { } score)
                (scores ??= []).Add(score);
        }

        _closed.Clear();
    }
}
