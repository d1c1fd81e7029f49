using FinScale.Detection;
using FinScale.Remediation.Planning;

namespace FinScale.Streaming.Pipeline;

/// <summary>Reads when a series last reported from the detection shard that owns it.</summary>
internal sealed class SeriesLiveness : ISeriesLiveness
{
    private readonly SeriesCatalog _catalog;
    private readonly ShardDetector[] _detectors;

    public SeriesLiveness(SeriesCatalog catalog, ShardDetector[] detectors)
    {
        _catalog = catalog;
        _detectors = detectors;
    }

    public DateTimeOffset? LastSeen(string series)
    {
        if (!_catalog.TryGetId(series, out var id))
            return null;
        return _detectors[ShardDetector.ShardOf(id, _detectors.Length)].LastSeenMs(id) is { } ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }
}
