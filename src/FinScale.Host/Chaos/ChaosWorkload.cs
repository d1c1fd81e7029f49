using FinScale.Contracts;

namespace FinScale.Host.Chaos;

/// <summary>One pod of a chaos workload, where its series says it runs.</summary>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Deployment">Its deployment (also the service name of its series).</param>
/// <param name="Index">Its index within the deployment (pod 2 is the one a chunk's slow deployment slows down).</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="Node">The node it runs on.</param>
/// <param name="Seed">Fixes its series' noise, with the workload's seed and the chunk.</param>
internal sealed record ChaosPod(string Namespace, string Deployment, int Index, string Pod, string Node, int Seed);

/// <summary>
/// The valid input: one p99 latency series per pod, a point a minute, produced in chunks that continue each other in
/// event time. By default the pods are those of the chaos deployments (<see cref="ChaosCluster"/>), and a chunk may carry
/// one slow pod (a single spike), which the pipeline diagnoses as a pod fault and the chaos policy answers with a rollout
/// restart of its deployment; a phase can give its own pods and shape each point (slow, or missing).
/// </summary>
internal sealed class ChaosWorkload
{
    /// <summary>Event time of the first point of chunk 0.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Points per series per chunk.</summary>
    public const int ChunkMinutes = 120;

    /// <summary>Minute of a chunk at which its slow pod spikes: after the detector's warm-up, even from a cold start at the chunk's first record.</summary>
    public const int SpikeMinute = 100;

    /// <summary>Latency of a slow point (the normal level is 120 ± 6).</summary>
    public const double SlowValue = 950;

    private const string Metric = "http.server.request.duration.p99";
    private readonly int _seed;

    /// <summary>A workload over the <paramref name="deployments"/> chaos deployments; <paramref name="seed"/> fixes every value.</summary>
    public ChaosWorkload(int deployments, int seed)
        : this(ChaosCluster.DefaultPods(deployments), seed)
    {
        Deployments = deployments;
    }

    /// <summary>A workload over <paramref name="pods"/>; <paramref name="seed"/> fixes every value.</summary>
    public ChaosWorkload(IReadOnlyList<ChaosPod> pods, int seed)
    {
        Pods = pods;
        Deployments = pods.Select(p => (p.Namespace, p.Deployment)).Distinct().Count();
        _seed = seed;
    }

    /// <summary>Deployments the series belong to.</summary>
    public int Deployments { get; }

    /// <summary>The pods, one series each.</summary>
    public IReadOnlyList<ChaosPod> Pods { get; }

    /// <summary>Records in one chunk (every series reporting every minute).</summary>
    public int ChunkRecords => Pods.Count * ChunkMinutes;

    /// <summary>Chunk <paramref name="index"/> in event-time order; pod 2 of chaos deployment <paramref name="slowDeployment"/> (if any) spikes at <see cref="SpikeMinute"/>.</summary>
    public List<MetricSample> Chunk(int index, int? slowDeployment)
    {
        var slow = slowDeployment is { } d ? ChaosCluster.Deployment(d) : null;
        return Chunk(index, (pod, minute) => pod.Namespace == ChaosCluster.Namespace && pod.Deployment == slow && pod.Index == 2 && minute == SpikeMinute ? SlowValue : null);
    }

    /// <summary>
    /// Chunk <paramref name="index"/> in event-time order: each point is the normal level with noise, unless
    /// <paramref name="slow"/> gives its value, and there is no point where <paramref name="silent"/> says so (a series
    /// that stopped reporting).
    /// </summary>
    public List<MetricSample> Chunk(int index, Func<ChaosPod, int, double?> slow, Func<ChaosPod, int, bool>? silent = null)
    {
        var samples = new List<MetricSample>(ChunkRecords);
        foreach (var pod in Pods)
        {
            var attributes = new Dictionary<string, string>
            {
                [WellKnownAttributes.ServiceName] = pod.Deployment,
                [WellKnownAttributes.Namespace] = pod.Namespace,
                [WellKnownAttributes.Deployment] = pod.Deployment,
                [WellKnownAttributes.PodName] = pod.Pod,
                [WellKnownAttributes.NodeName] = pod.Node,
            };
            var rng = new Random(unchecked((_seed * 1_000_003) + (index * 10_007) + pod.Seed)); // HashCode is randomised per process
            for (var m = 0; m < ChunkMinutes; m++)
            {
                var g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                if (silent?.Invoke(pod, m) == true)
                    continue;
                var value = slow(pod, m) ?? 120 + (6 * g);
                samples.Add(new MetricSample(Metric, Start.AddMinutes((index * ChunkMinutes) + m), value, attributes));
            }
        }

        samples.Sort(static (a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return samples;
    }

    /// <summary>The chunk an event time of this workload falls in.</summary>
    public static int ChunkOf(DateTimeOffset eventTime) => (int)Math.Floor((eventTime - Start).TotalMinutes / ChunkMinutes);
}
