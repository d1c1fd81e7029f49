using FinScale.Contracts;

namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>Generated series for the tests: seeded, so every run sees the same data.</summary>
public static class Workloads
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    public static Dictionary<string, string> PodAttributes(string pod) => new()
    {
        [WellKnownAttributes.ServiceName] = "checkout",
        [WellKnownAttributes.Namespace] = "payments",
        [WellKnownAttributes.PodName] = pod,
    };

    /// <summary>
    /// A Gaussian series, one point a minute, with <paramref name="spikeValue"/> at index <paramref name="spikeAt"/> if given
    /// (and the <paramref name="spikeLength"/> - 1 points after it: a pod that stays slow).
    /// </summary>
    public static List<MetricSample> Series(string metric, IReadOnlyDictionary<string, string> attributes, int points, double level, double sigma, int seed, int? spikeAt = null, double spikeValue = 0, int spikeLength = 1)
    {
        var rng = new Random(seed);
        var list = new List<MetricSample>(points);
        for (var i = 0; i < points; i++)
        {
            var g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            var v = i >= spikeAt && i < spikeAt + spikeLength ? spikeValue : level + (sigma * g);
            list.Add(new MetricSample(metric, Start.AddMinutes(i), v, attributes));
        }

        return list;
    }

    /// <summary>Merges series in event-time order, as a replay publishes them.</summary>
    public static List<MetricSample> Merge(params List<MetricSample>[] series) =>
        series.SelectMany(s => s).OrderBy(s => s.Timestamp).ToList();
}
