using FinScale.Remediation.Cluster;

namespace FinScale.Remediation.Diagnosis;

/// <summary>
/// Caller → callee edges among the anomalous services, kept only from callers whose symptoms a callee can
/// explain. A service is a root when every service it reaches reaches it back (it sits in a sink of the graph):
/// a plain callee at the end of a chain, or each member of a cycle, which cannot be told apart and so keep their
/// own findings. Every other service is explained by the roots it reaches.
/// </summary>
internal sealed class CallGraph
{
    private readonly Dictionary<ServiceKey, List<ServiceKey>> _out = [];
    private readonly Dictionary<ServiceKey, HashSet<ServiceKey>> _reach = [];

    public CallGraph(IEnumerable<Evidence> evidence, IEnumerable<ServiceEdge> clusterEdges, Func<ServiceKey, bool> isExplainable)
    {
        var list = evidence.ToList();
        var nodes = list.Select(e => e.Service).Distinct().Order().ToList();
        var edges = new HashSet<(string Caller, string Callee)>();
        foreach (var e in clusterEdges)
            edges.Add((e.Caller, e.Callee));
        foreach (var e in list.Where(e => e.Caller is not null))
            edges.Add((e.Caller!, e.Service.Name));

        foreach (var a in nodes)
        {
            _out[a] = isExplainable(a)
                ? [.. nodes.Where(b => b != a && edges.Contains((a.Name, b.Name)))]
                : [];
        }

        foreach (var a in nodes)
            _reach[a] = Reach(a);
    }

    /// <summary>The roots that explain <paramref name="service"/>; empty when it is a root itself (or not in the graph).</summary>
    public IReadOnlyList<ServiceKey> RootsOf(ServiceKey service)
    {
        if (!_reach.TryGetValue(service, out var reach) || IsRoot(service))
            return [];
        return [.. reach.Where(IsRoot).Order()];
    }

    /// <summary>The other members of the call cycle <paramref name="service"/> is a root in; empty when it is not in one.</summary>
    public IReadOnlyList<ServiceKey> CyclePeersOf(ServiceKey service) =>
        _reach.TryGetValue(service, out var reach) && IsRoot(service) ? [.. reach.Where(k => k != service).Order()] : [];

    /// <summary>A shortest call path from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public IReadOnlyList<ServiceKey> PathTo(ServiceKey from, ServiceKey to)
    {
        var parent = new Dictionary<ServiceKey, ServiceKey>();
        var queue = new Queue<ServiceKey>([from]);
        var seen = new HashSet<ServiceKey> { from };
        while (queue.Count > 0)
        {
            var at = queue.Dequeue();
            if (at == to)
                break;
            foreach (var next in _out.GetValueOrDefault(at) ?? [])
            {
                if (seen.Add(next))
                {
                    parent[next] = at;
                    queue.Enqueue(next);
                }
            }
        }

        var path = new List<ServiceKey> { to };
        while (path[^1] != from && parent.TryGetValue(path[^1], out var p))
            path.Add(p);
        path.Reverse();
        return path;
    }

    private bool IsRoot(ServiceKey service) => _reach[service].All(other => _reach[other].Contains(service));

    private HashSet<ServiceKey> Reach(ServiceKey from)
    {
        var seen = new HashSet<ServiceKey>();
        var stack = new Stack<ServiceKey>(_out[from]);
        while (stack.Count > 0)
        {
            var at = stack.Pop();
            if (at == from || !seen.Add(at))
                continue;
            foreach (var next in _out[at])
                stack.Push(next);
        }

        return seen;
    }
}
