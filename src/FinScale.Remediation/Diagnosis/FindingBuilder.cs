using FinScale.Contracts;

namespace FinScale.Remediation.Diagnosis;

/// <summary>A finding while diagnosis is still adding evidence and callers to it.</summary>
internal sealed class FindingBuilder(FindingKind kind, string ns)
{
    private readonly Dictionary<string, Anomaly> _anomalies = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _callerPaths = new(StringComparer.Ordinal);

    public FindingKind Kind { get; } = kind;

    public string Namespace { get; } = ns;

    public string? Service { get; init; }

    public string? Workload { get; init; }

    public string? Node { get; init; }

    public CanaryRoute? Canary { get; init; }

    public SortedSet<string> Pods { get; } = new(StringComparer.Ordinal);

    /// <summary>The services whose own evidence this finding holds (callers' evidence does not count).</summary>
    public HashSet<ServiceKey> Services { get; } = [];

    public string Reason { get; set; } = "";

    /// <summary>Sentences appended to <see cref="Reason"/>, in the order added.</summary>
    public List<string> Notes { get; } = [];

    public bool Holds(string anomalyId) => _anomalies.ContainsKey(anomalyId);

    /// <summary>Adds evidence about the finding's own subject; a service-graph edge also names its client as an affected caller.</summary>
    public FindingBuilder Add(IEnumerable<Evidence> evidence)
    {
        foreach (var e in evidence)
        {
            _anomalies.TryAdd(e.Anomaly.AnomalyId, e.Anomaly);
            Services.Add(e.Service);
            if (e.Caller is { } caller && !string.Equals(caller, e.Service.Name, StringComparison.Ordinal))
                _callerPaths.TryAdd(caller, $"{caller} → {e.Service.Name}");
        }

        return this;
    }

    /// <summary>Adds an anomaly that names no service (a node-level series, an orphan).</summary>
    public FindingBuilder Add(Anomaly anomaly)
    {
        _anomalies.TryAdd(anomaly.AnomalyId, anomaly);
        return this;
    }

    /// <summary>Adds a caller whose anomalies this finding explains, with the call path that links them.</summary>
    public void AddCaller(string caller, string path, IEnumerable<Evidence> evidence)
    {
        _callerPaths[caller] = path;
        foreach (var e in evidence)
            _anomalies.TryAdd(e.Anomaly.AnomalyId, e.Anomaly);
    }

    public Finding Build()
    {
        var anomalies = _anomalies.Values
            .OrderBy(a => a.EventTime)
            .ThenBy(a => a.AnomalyId, StringComparer.Ordinal)
            .ToList();
        var reason = string.Join(" ", [Reason, .. Notes]);
        reason = _callerPaths.Count == 0
            ? reason
            : $"{reason} It explains the anomalies of {Plural(_callerPaths.Count, "caller")} that get no finding of their own: {string.Join("; ", _callerPaths.Values)}.";
        return new Finding(Kind, Namespace, Service, Workload, [.. Pods], Node, Canary, [.. _callerPaths.Keys], anomalies, reason);
    }

    internal static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
