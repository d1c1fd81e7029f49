using FinScale.Contracts;

namespace FinScale.Host.Chaos;

/// <summary>
/// The valid input: one p99 latency series per pod of the chaos deployments, a point a minute, produced in chunks that
/// continue each other in event time. A chunk may carry one slow pod (a single spike), which the pipeline diagnoses as
/// a pod fault and the chaos policy answers with a rollout restart of its deployment.
/// </summary>
internal sealed class ChaosWorkload
{
    /// <summary>Event time of the first point of chunk 0.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Points per series per chunk.</summary>
    public const int ChunkMinutes = 120;

    /// <summary>Minute of a chunk at which its slow pod spikes: after the detector's warm-up, even from a cold start at the chunk's first record.</summary>
    public const int SpikeMinute = 100;

    private const string Metric = "http.server.request.duration.p99";
    private readonly int _seed;

    /// <summary>A workload over <paramref name="deployments"/> deployments; <paramref name="seed"/> fixes every value.</summary>
    public ChaosWorkload(int deployments, int seed)
    {
        Deployments = deployments;
        _seed = seed;
    }

    /// <summary>Deployments the series belong to.</summary>
    public int Deployments { get; }

    /// <summary>Records in one chunk.</summary>
    public int ChunkRecords => Deployments * ChaosCluster.PodsPerDeployment * ChunkMinutes;

    /// <summary>Chunk <paramref name="index"/> in event-time order; pod 2 of <paramref name="slowDeployment"/> (if any) spikes at <see cref="SpikeMinute"/>.</summary>
    public List<MetricSample> Chunk(int index, int? slowDeployment)
    {
        var samples = new List<MetricSample>(ChunkRecords);
        for (var d = 0; d < Deployments; d++)
        {
            for (var p = 0; p < ChaosCluster.PodsPerDeployment; p++)
            {
                var attributes = new Dictionary<string, string>
                {
                    [WellKnownAttributes.ServiceName] = ChaosCluster.Deployment(d),
                    [WellKnownAttributes.Namespace] = ChaosCluster.Namespace,
                    [WellKnownAttributes.Deployment] = ChaosCluster.Deployment(d),
                    [WellKnownAttributes.PodName] = ChaosCluster.Pod(d, p),
                    [WellKnownAttributes.NodeName] = ChaosCluster.Node(d, p),
                };
                var rng = new Random(unchecked((_seed * 1_000_003) + (index * 10_007) + (d * 101) + p)); // HashCode is randomised per process
                for (var m = 0; m < ChunkMinutes; m++)
                {
                    var g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    var value = d == slowDeployment && p == 2 && m == SpikeMinute ? 950 : 120 + (6 * g);
                    samples.Add(new MetricSample(Metric, Start.AddMinutes((index * ChunkMinutes) + m), value, attributes));
                }
            }
        }

        samples.Sort(static (a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return samples;
    }
}
