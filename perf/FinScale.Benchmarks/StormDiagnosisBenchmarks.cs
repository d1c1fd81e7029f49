using BenchmarkDotNet.Attributes;
using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Benchmarks;

/// <summary>
/// Diagnosing one window of an anomaly storm, as <c>finscale bench</c> raises it at a million series: every pod's two
/// request-rate series shift at once (9,260 pods of 186 services, 50 pods each, spread over 64 nodes: 18,520
/// anomalies). The decision stage diagnoses a window on its one thread while the shards' anomalies wait behind it.
/// The baseline is a pass that only reads each anomaly's pod attribute and looks the pod up, the least any diagnosis
/// must do per anomaly.
/// </summary>
[MemoryDiagnoser]
public class StormDiagnosisBenchmarks
{
    private const string Namespace = "payments";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 9, 30, 1, TimeSpan.Zero);
    private readonly DiagnosisOptions _options = new();
    private ClusterView _cluster = null!;
    private List<Anomaly> _window = [];

    /// <summary>Pods in the cluster (two anomalies each).</summary>
    [Params(925, 9_260)]
    public int Pods { get; set; }

    /// <summary>Builds the cluster view (as the telemetry's own view has it: pods, nodes, deployments) and the window.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var none = new Dictionary<string, string>();
        var pods = new List<PodInfo>(Pods);
        var workloads = new Dictionary<string, WorkloadInfo>(StringComparer.Ordinal);
        _window = new List<Anomaly>(2 * Pods);
        for (var r = 0; r < Pods; r++)
        {
            var service = $"svc-{r / 50:D5}";
            var pod = $"bench-{r / 50:D5}-{r:D7}";
            var node = $"node-{r % 64:D2}";
            pods.Add(new PodInfo(Namespace, pod, node, service, service, "1.4.2", true, none));
            workloads.TryAdd(service, new WorkloadInfo(Namespace, service, service, 50, none));
            foreach (var route in new[] { "/v1/authorisations", "/v1/captures" })
            {
                var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [WellKnownAttributes.ServiceName] = service,
                    [WellKnownAttributes.ServiceVersion] = "1.4.2",
                    [WellKnownAttributes.Namespace] = Namespace,
                    [WellKnownAttributes.Deployment] = service,
                    [WellKnownAttributes.PodName] = pod,
                    [WellKnownAttributes.NodeName] = node,
                    ["http.route"] = route,
                };
                // As a shard opens it: the attributes are the parsed key's.
                var key = SeriesKey.Create("http.server.request.duration.rate", attributes);
                _window.Add(new Anomaly(
                    StableIds.Of(key.Text, "storm"),
                    key.Text,
                    key.Metric,
                    key.Attributes,
                    Now.AddMilliseconds(-(r % 1000)),
                    Observed: 40,
                    Expected: 10,
                    Score: 0.9,
                    ZScore: 12,
                    Detector: "ensemble"));
            }
        }

        var nodes = Enumerable.Range(0, 64).Select(n => new NodeInfo($"node-{n:D2}", false, none));
        _cluster = new ClusterView(pods, nodes, workloads.Values);
    }

    /// <summary>Each anomaly's pod attribute read and its pod looked up.</summary>
    [Benchmark(Baseline = true)]
    public int LookUpPods()
    {
        var found = 0;
        foreach (var a in _window)
        {
            if (a.Attributes.TryGetValue(WellKnownAttributes.PodName, out var pod) && _cluster.Pod(Namespace, pod) is not null)
                found++;
        }

        return found;
    }

    /// <summary>The whole diagnosis of the window.</summary>
    [Benchmark]
    public int Diagnose() => Diagnoser.Diagnose(_window, _cluster, _options, Now).Count;
}
