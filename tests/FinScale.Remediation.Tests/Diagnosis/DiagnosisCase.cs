using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Tests.Diagnosis;

/// <summary>
/// One golden case on disk: <c>anomalies.json</c> and <c>cluster.json</c> in, <c>findings.json</c> out.
/// The JSON shapes are small DTOs so the case files stay readable and hand-checkable.
/// </summary>
internal static class DiagnosisCase
{
    /// <summary>The decision time of every case; case anomalies open a few minutes before.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 2, 5, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Read = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonSerializerOptions Write = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep "→" and quotes readable in reasons
        Converters = { new JsonStringEnumConverter() },
    };

    public static IReadOnlyList<Anomaly> LoadAnomalies(string path)
    {
        var dtos = JsonSerializer.Deserialize<List<AnomalyDto>>(File.ReadAllText(path), Read) ?? [];
        return [.. dtos.Select(d =>
        {
            var attrs = d.Attributes ?? [];
            return new Anomaly(d.Id, SeriesKey.Create(d.Metric, attrs).Text, d.Metric, attrs, d.EventTime, d.Observed, d.Expected, d.Score, d.ZScore, d.Detector ?? "robust-zscore")
            {
                TraceId = d.TraceId,
            };
        })];
    }

    public static ClusterView LoadCluster(string path)
    {
        var c = JsonSerializer.Deserialize<ClusterDto>(File.ReadAllText(path), Read) ?? new ClusterDto();
        return new ClusterView(
            (c.Pods ?? []).Select(p => new PodInfo(p.Namespace, p.Name, p.Node, p.Workload, p.Service, p.Version, p.Ready ?? true, p.Annotations ?? [])),
            (c.Nodes ?? []).Select(n => new NodeInfo(n.Name, n.Unschedulable, n.Annotations ?? [])),
            (c.Workloads ?? []).Select(w => new WorkloadInfo(w.Namespace, w.Name, w.Service, w.Replicas, w.Annotations ?? [])),
            (c.VirtualServices ?? []).Select(v => new VirtualServiceInfo(
                v.Namespace, v.Name, v.Service, [.. (v.Routes ?? []).Select(r => new SubsetRoute(r.Subset, r.Version, r.Weight))], v.Annotations ?? [])),
            (c.Edges ?? []).Select(e => new ServiceEdge(e.Caller, e.Callee)));
    }

    /// <summary>Findings as canonical JSON: anomalies by id only (the inputs are in the case), no derived ids or scores.</summary>
    public static string ToCanonicalJson(IReadOnlyList<Finding> findings)
    {
        var rows = findings.Select(f => new FindingDto(
            f.Kind, f.Namespace, f.Service, f.Workload, f.Pods, f.Node, f.Canary, f.AffectedCallers, [.. f.Anomalies.Select(a => a.AnomalyId)], f.Reason));
        return JsonSerializer.Serialize(rows, Write).ReplaceLineEndings("\n") + "\n";
    }

    private sealed record FindingDto(
        FindingKind Kind,
        string Namespace,
        string? Service,
        string? Workload,
        IReadOnlyList<string> Pods,
        string? Node,
        CanaryRoute? Canary,
        IReadOnlyList<string> AffectedCallers,
        IReadOnlyList<string> Anomalies,
        string Reason);

    private sealed class AnomalyDto
    {
        public string Id { get; set; } = "";
        public string Metric { get; set; } = "";
        public Dictionary<string, string>? Attributes { get; set; }
        public DateTimeOffset EventTime { get; set; }
        public double Observed { get; set; }
        public double Expected { get; set; }
        public double Score { get; set; } = 1;
        public double ZScore { get; set; }
        public string? Detector { get; set; }
        public string? TraceId { get; set; }
    }

    private sealed class ClusterDto
    {
        public List<PodDto>? Pods { get; set; }
        public List<NodeDto>? Nodes { get; set; }
        public List<WorkloadDto>? Workloads { get; set; }
        public List<VirtualServiceDto>? VirtualServices { get; set; }
        public List<EdgeDto>? Edges { get; set; }
    }

    private sealed class PodDto
    {
        public string Namespace { get; set; } = "";
        public string Name { get; set; } = "";
        public string? Node { get; set; }
        public string? Workload { get; set; }
        public string? Service { get; set; }
        public string? Version { get; set; }
        public bool? Ready { get; set; }
        public Dictionary<string, string>? Annotations { get; set; }
    }

    private sealed class NodeDto
    {
        public string Name { get; set; } = "";
        public bool Unschedulable { get; set; }
        public Dictionary<string, string>? Annotations { get; set; }
    }

    private sealed class WorkloadDto
    {
        public string Namespace { get; set; } = "";
        public string Name { get; set; } = "";
        public string? Service { get; set; }
        public int Replicas { get; set; }
        public Dictionary<string, string>? Annotations { get; set; }
    }

    private sealed class VirtualServiceDto
    {
        public string Namespace { get; set; } = "";
        public string Name { get; set; } = "";
        public string Service { get; set; } = "";
        public List<RouteDto>? Routes { get; set; }
        public Dictionary<string, string>? Annotations { get; set; }
    }

    private sealed class RouteDto
    {
        public string Subset { get; set; } = "";
        public string? Version { get; set; }
        public int Weight { get; set; }
    }

    private sealed class EdgeDto
    {
        public string Caller { get; set; } = "";
        public string Callee { get; set; } = "";
    }
}
