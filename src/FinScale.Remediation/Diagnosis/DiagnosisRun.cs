using System.Globalization;
using FinScale.Contracts;
using FinScale.Remediation.Cluster;

namespace FinScale.Remediation.Diagnosis;

/// <summary>
/// The working state of one <see cref="Diagnoser.Diagnose"/> call. Steps, in order of precedence:
/// place each anomaly in the cluster (or leave it unattributed), find surging services, find node faults,
/// follow caller → callee chains, then localise what is left per service (canary, pods, the service).
/// </summary>
internal sealed class DiagnosisRun(ClusterView cluster, DiagnosisOptions options, DateTimeOffset now)
{
    private readonly List<Evidence> _evidence = [];
    private readonly List<(Anomaly Anomaly, string Reason)> _orphans = [];
    private readonly List<(Anomaly Anomaly, string Node)> _nodeLevel = [];
    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);
    private readonly List<FindingBuilder> _builders = [];
    private Dictionary<ServiceKey, List<PodInfo>>? _podsOf;
    private readonly Dictionary<string, MetricRole> _roleOfName = new(StringComparer.Ordinal);
    private Dictionary<ServiceKey, List<Evidence>> _bySvc = [];
    private HashSet<ServiceKey> _surging = [];
    private ILookup<string, PodInfo>? _podsByName;
    private ILookup<string, PodInfo>? _podsByServiceLabel;
    private ILookup<string, WorkloadInfo>? _workloadsByName;
    private ILookup<string, WorkloadInfo>? _workloadsByService;

    /// <summary>Anomalies that opened before this are too old; clamped so an extreme <c>now</c> cannot throw.</summary>
    private DateTimeOffset Cutoff =>
        now.UtcTicks - DateTimeOffset.MinValue.UtcTicks <= options.MaxAnomalyAge.Ticks ? DateTimeOffset.MinValue : now - options.MaxAnomalyAge;

    private ILookup<string, PodInfo> PodsByName => _podsByName ??= cluster.Pods.ToLookup(p => p.Name, StringComparer.Ordinal);

    private ILookup<string, PodInfo> PodsByServiceLabel => _podsByServiceLabel ??= cluster.Pods.Where(p => p.Service is not null).ToLookup(p => p.Service!, StringComparer.Ordinal);

    // Deployments by name and by the service they serve (their own name when unlabelled), in the view's order: a storm of
    // service-level anomalies looks one up per anomaly.
    private ILookup<string, WorkloadInfo> WorkloadsByName => _workloadsByName ??= cluster.Workloads.ToLookup(w => w.Name, StringComparer.Ordinal);

    private ILookup<string, WorkloadInfo> WorkloadsByService => _workloadsByService ??= cluster.Workloads.ToLookup(w => w.Service ?? w.Name, StringComparer.Ordinal);

    public IReadOnlyList<Finding> Run(IReadOnlyList<Anomaly> window)
    {
        var ordered = window
            .Where(a => a is not null)
            .OrderBy(a => a.EventTime)
            .ThenBy(a => a.AnomalyId ?? "", StringComparer.Ordinal)
            .DistinctBy(a => a.AnomalyId ?? "", StringComparer.Ordinal);
        foreach (var a in ordered)
            Place(a);

        _bySvc = _evidence.Where(e => e.KnownService)
            .GroupBy(e => e.Service)
            .ToDictionary(g => g.Key, g => g.ToList());
        _surging = [.. _bySvc.Where(kv => IsSurge(kv.Key, kv.Value)).Select(kv => kv.Key)];

        FindNodeFaults();
        AttachNodeLevelAnomalies();

        var graph = new CallGraph(_evidence, cluster.Edges, IsExplainable);
        foreach (var key in _bySvc.Keys.Order())
        {
            if (graph.RootsOf(key).Count > 0)
                continue;
            var unclaimed = _bySvc[key].Where(e => !_claimed.Contains(e.Anomaly.AnomalyId)).ToList();
            if (unclaimed.Count > 0)
                Localise(key, unclaimed);
        }

        foreach (var group in _evidence.Where(e => !e.KnownService).GroupBy(e => e.Service).OrderBy(g => g.Key))
        {
            var b = new FindingBuilder(FindingKind.Unattributed, group.Key.Namespace) { Service = group.Key.Name }.Add(group);
            b.Reason = group.Key.Namespace.Length == 0
                ? $"Service {group.Key.Name} has no workload or pod in the cluster view (external or uninstrumented), so nothing can act on it."
                : $"Service {group.Key} has no workload or pod in the cluster view (external or uninstrumented), so nothing can act on it.";
            _builders.Add(b);
        }

        AttachCallers(graph);
        NoteCycles(graph);

        foreach (var group in _orphans.GroupBy(o => o.Reason, StringComparer.Ordinal))
        {
            var b = new FindingBuilder(FindingKind.Unattributed, "");
            foreach (var (a, _) in group)
                b.Add(a);
            b.Reason = group.Key;
            _builders.Add(b);
        }

        return [.. _builders.Select(b => b.Build())
            .OrderBy(f => f.Kind)
            .ThenBy(f => f.Namespace, StringComparer.Ordinal)
            .ThenBy(f => f.Node ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Service ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Workload ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Anomalies.Count == 0 ? "" : f.Anomalies[0].AnomalyId, StringComparer.Ordinal)
            .ThenBy(f => f.Reason, StringComparer.Ordinal)];
    }

    // ---------------------------------------------------------------- placing anomalies

    private void Place(Anomaly a)
    {
        if (a.EventTime < Cutoff)
        {
            Orphan(a, $"Anomaly on {a.Metric} opened at {Time(a.EventTime)}, more than {Duration(options.MaxAnomalyAge)} before now ({Time(now)}): too old to diagnose.");
            return;
        }

        var role = RoleOf(a);
        var server = Attr(a, options.ServerAttribute);
        if (server is not null && Glob.IsMatchAny(options.ServiceGraphMetrics, a.Metric ?? ""))
        {
            // A service-graph edge is evidence about the server; the client is a caller it affects.
            PlaceService(a, role, Attr(a, options.ServerNamespaceAttribute), server, deployment: null, version: null, caller: Attr(a, options.ClientAttribute));
            return;
        }

        var ns = Attr(a, WellKnownAttributes.Namespace);
        var podName = Attr(a, WellKnownAttributes.PodName);
        if (podName is not null)
        {
            PlacePod(a, role, ns, podName);
            return;
        }

        var service = Attr(a, WellKnownAttributes.ServiceName);
        var deployment = Attr(a, WellKnownAttributes.Deployment);
        if (service is not null || deployment is not null)
        {
            PlaceService(a, role, ns, service, deployment, Attr(a, WellKnownAttributes.ServiceVersion), caller: null);
            return;
        }

        var node = Attr(a, WellKnownAttributes.NodeName);
        if (node is not null)
        {
            if (cluster.Node(node) is null)
                Orphan(a, $"Node {node} is not in the cluster view.");
            else
                _nodeLevel.Add((a, node));
            return;
        }

        Orphan(a, $"Series {a.Series} names no pod, node, workload or service.");
    }

    private void PlacePod(Anomaly a, MetricRole role, string? ns, string podName)
    {
        PodInfo? pod;
        if (ns is not null)
        {
            pod = cluster.Pod(ns, podName);
            if (pod is null)
            {
                Orphan(a, $"Pod {ns}/{podName} no longer exists in the cluster view.");
                return;
            }
        }
        else
        {
            var candidates = PodsByName[podName].Take(2).ToList();
            if (candidates.Count != 1)
            {
                Orphan(a, candidates.Count == 0
                    ? $"Pod {podName} (no namespace on the series) no longer exists in the cluster view."
                    : $"Pod {podName} exists in several namespaces and the series names none.");
                return;
            }

            pod = candidates[0];
        }

        // The view first, the series' attributes as fallback.
        var workload = pod.Workload ?? Attr(a, WellKnownAttributes.Deployment);
        var workloadInfo = workload is null ? null : cluster.Workload(pod.Namespace, workload);
        var service = pod.Service ?? workloadInfo?.Service ?? Attr(a, WellKnownAttributes.ServiceName) ?? workload ?? pod.Name;
        var node = pod.Node ?? Attr(a, WellKnownAttributes.NodeName);
        if (node is not null && cluster.Node(node) is null)
            node = null; // an unknown node cannot be cordoned; the pod can still be localised
        var version = pod.Version ?? Attr(a, WellKnownAttributes.ServiceVersion);
        _evidence.Add(new Evidence(a, role, new ServiceKey(pod.Namespace, service), true, workload, pod.Name, node, version, null));
    }

    private void PlaceService(Anomaly a, MetricRole role, string? ns, string? service, string? deployment, string? version, string? caller)
    {
        var workloads = (deployment is not null ? WorkloadsByName[deployment] : service is not null ? WorkloadsByService[service] : [])
            .Where(w => ns is null || string.Equals(w.Namespace, ns, StringComparison.Ordinal))
            .ToList();
        var namespaces = workloads.Select(w => w.Namespace).ToHashSet(StringComparer.Ordinal);
        if (service is not null)
        {
            foreach (var p in PodsByServiceLabel[service].Where(p => ns is null || string.Equals(p.Namespace, ns, StringComparison.Ordinal)))
                namespaces.Add(p.Namespace);
        }

        var name = service ?? workloads.FirstOrDefault()?.Service ?? deployment!;
        if (namespaces.Count > 1)
        {
            Orphan(a, $"Service {name} runs in namespaces {string.Join(", ", namespaces.Order(StringComparer.Ordinal))} and the series names none.");
            return;
        }

        if (namespaces.Count == 0)
        {
            if (deployment is not null && service is null)
            {
                Orphan(a, ns is null ? $"Deployment {deployment} is not in the cluster view." : $"Deployment {ns}/{deployment} is not in the cluster view.");
                return;
            }

            _evidence.Add(new Evidence(a, role, new ServiceKey(ns ?? "", name), false, deployment, null, null, version, caller));
            return;
        }

        var workload = deployment ?? (workloads.Count == 1 ? workloads[0].Name : null);
        _evidence.Add(new Evidence(a, role, new ServiceKey(namespaces.First(), name), true, workload, null, null, version, caller));
    }

    // ---------------------------------------------------------------- surge

    private bool IsSurge(ServiceKey key, List<Evidence> evidence)
    {
        if (evidence.Any(e => e.Pod is null && e.IsRisingThroughput))
            return true;
        var rising = evidence.Where(e => e.Pod is not null && e.IsRisingThroughput).Select(e => e.Pod).Distinct(StringComparer.Ordinal).Count();
        return rising > 0 && IsServiceWide(rising, PodsOf(key).Count);
    }

    private void AddSurge(ServiceKey key, List<Evidence> evidence)
    {
        var pods = PodsOf(key);
        var rising = evidence.Where(e => e.IsRisingThroughput).ToList();
        var risingPods = rising.Where(e => e.Pod is not null).Select(e => e.Pod!).Distinct(StringComparer.Ordinal).Count();
        var maxZ = rising.Max(e => e.Anomaly.ZScore);
        var where = rising.Any(e => e.Pod is null)
            ? $"for the service as a whole{(risingPods > 0 ? $" and on {risingPods} of {Math.Max(pods.Count, risingPods)} pods" : "")}"
            : $"on {risingPods} of {Math.Max(pods.Count, risingPods)} pods";
        var others = evidence.Count - rising.Count;
        var b = new FindingBuilder(FindingKind.TrafficSurge, key.Namespace) { Service = key.Name, Workload = PrimaryWorkload(key, evidence) }.Add(evidence);
        b.Pods.UnionWith(pods.Select(p => p.Name));
        b.Reason = $"Throughput of {key} rose {where} ({Metrics(rising)}, z up to {Z(maxZ)})"
            + (others > 0 ? $", with {Plural(others, "other anomaly", "other anomalies")} ({Metrics(evidence.Except(rising))}) that the load explains" : "")
            + ": a traffic surge, not a fault of its pods.";
        _builders.Add(b);
    }

    // ---------------------------------------------------------------- node faults

    private void FindNodeFaults()
    {
        var podEvidence = _evidence
            .Where(e => e.KnownService && e.Pod is not null && !_surging.Contains(e.Service))
            .ToList();
        foreach (var onNode in podEvidence.Where(e => e.Node is not null).GroupBy(e => e.Node!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var node = onNode.Key;
            var pods = onNode.Select(PodRef).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (pods.Count < options.MinPodsForNodeFault)
                continue;

            var groups = onNode.Select(GroupOf).ToHashSet(StringComparer.Ordinal);
            var elsewhere = podEvidence.Any(e => groups.Contains(GroupOf(e)) && !string.Equals(e.Node, node, StringComparison.Ordinal));
            if (elsewhere)
                continue;

            // Only the canary pods of one service, all on this node: the release, not the node, is the likelier cause.
            var services = onNode.Select(e => e.Service).Distinct().ToList();
            if (services.Count == 1 && FindCanary(services[0], _bySvc[services[0]]) is not null)
                continue;

            var healthy = cluster.PodsOn(node).Count(p => !pods.Contains($"{p.Namespace}/{p.Name}", StringComparer.Ordinal));
            var cordoned = cluster.Node(node)!.Unschedulable ? " The node is already cordoned." : "";
            var b = new FindingBuilder(FindingKind.NodeFault, "") { Node = node }.Add(onNode);
            b.Pods.UnionWith(pods);
            b.Reason = $"{pods.Count} pods on node {node} are anomalous ({string.Join(", ", pods)}), "
                + $"of {Plural(groups.Count, "workload", "workloads")} ({string.Join(", ", groups.Order(StringComparer.Ordinal))}), "
                + $"and no pod of those workloads on another node is; {OtherPods(healthy)}.{cordoned}";
            _builders.Add(b);
            foreach (var e in onNode)
                _claimed.Add(e.Anomaly.AnomalyId);
        }
    }

    private void AttachNodeLevelAnomalies()
    {
        foreach (var (a, node) in _nodeLevel)
        {
            var b = _builders.FirstOrDefault(b => b.Kind == FindingKind.NodeFault && string.Equals(b.Node, node, StringComparison.Ordinal));
            if (b is not null)
                b.Add(a);
            else
                Orphan(a, $"Node {node} shows a node-level anomaly but fewer than {options.MinPodsForNodeFault} of its pods are anomalous; a node fault is diagnosed from its pods, so this alone is not acted on.");
        }
    }

    // ---------------------------------------------------------------- dependencies

    /// <summary>A service can be explained by a callee when it shows caller symptoms no node fault explains and it is not surging.</summary>
    private bool IsExplainable(ServiceKey key) =>
        _bySvc.TryGetValue(key, out var evidence)
        && !_surging.Contains(key)
        && evidence.Any(e => e.IsCallerSymptom && !_claimed.Contains(e.Anomaly.AnomalyId));

    private void AttachCallers(CallGraph graph)
    {
        foreach (var caller in _bySvc.Keys.Order())
        {
            var roots = graph.RootsOf(caller);
            if (roots.Count == 0)
                continue;
            var evidence = _bySvc[caller].Where(e => !_claimed.Contains(e.Anomaly.AnomalyId)).ToList();
            var attached = false;
            foreach (var root in roots)
            {
                var path = string.Join(" → ", graph.PathTo(caller, root).Select(k => k.Name));
                foreach (var b in _builders.Where(b => b.Services.Contains(root)))
                {
                    b.AddCaller(caller.Name, path, evidence);
                    attached = true;
                }
            }

            if (!attached && evidence.Count > 0)
                Localise(caller, evidence); // the callee left no finding to hang it on: fall back to the caller's own
        }
    }

    private void NoteCycles(CallGraph graph)
    {
        foreach (var key in _bySvc.Keys.Order())
        {
            var peers = graph.CyclePeersOf(key);
            if (peers.Count == 0)
                continue;
            var names = string.Join(", ", peers.Select(p => p.Name));
            foreach (var b in _builders.Where(b => b.Services.Contains(key)))
                b.Notes.Add($"{key.Name} and {names} call each other and are all anomalous, so none is taken as the cause of the other.");
        }
    }

    // ---------------------------------------------------------------- localising one service

    private void Localise(ServiceKey key, List<Evidence> evidence)
    {
        if (_surging.Contains(key))
        {
            AddSurge(key, evidence);
            return;
        }

        if (FindCanary(key, evidence) is { } canary)
        {
            AddCanary(key, evidence, canary);
            return;
        }

        var podEvidence = evidence.Where(e => e.Pod is not null).ToList();
        var serviceEvidence = evidence.Where(e => e.Pod is null).ToList();
        var pods = podEvidence.Select(e => e.Pod!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var total = Math.Max(PodsOf(key).Count, pods.Count);

        if (pods.Count == 0)
        {
            // Service-level symptoms of a service whose pods a node fault already holds belong to that node fault.
            var nodeFaults = _builders.Where(b => b.Kind == FindingKind.NodeFault && b.Services.Contains(key)).ToList();
            if (nodeFaults.Count > 0)
            {
                foreach (var b in nodeFaults)
                    b.Add(serviceEvidence);
                return;
            }

            var sf = new FindingBuilder(FindingKind.ServiceFault, key.Namespace) { Service = key.Name, Workload = PrimaryWorkload(key, evidence) }.Add(evidence);
            sf.Reason = $"{key} is anomalous as a whole ({Plural(evidence.Count, "service-level anomaly", "service-level anomalies")}: {Metrics(evidence)}) and no pod-level anomaly narrows it down.";
            _builders.Add(sf);
            return;
        }

        if (evidence.All(e => e.IsRisingThroughput))
        {
            var b = new FindingBuilder(FindingKind.Unattributed, key.Namespace) { Service = key.Name }.Add(evidence);
            b.Reason = $"Throughput rose on {pods.Count} of {total} pods of {key} ({string.Join(", ", pods)}): too few for a traffic surge, and more load on a pod is not a fault of the pod.";
            _builders.Add(b);
            return;
        }

        if (!IsServiceWide(pods.Count, total))
        {
            foreach (var byWorkload in podEvidence.GroupBy(e => e.Workload ?? "", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var wlPods = byWorkload.Select(e => e.Pod!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var nodes = byWorkload.Select(e => e.Node ?? "an unknown node").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var workload = byWorkload.Key.Length == 0 ? null : byWorkload.Key;
                var b = new FindingBuilder(FindingKind.PodFault, key.Namespace) { Service = key.Name, Workload = workload }.Add(byWorkload).Add(serviceEvidence);
                b.Pods.UnionWith(wlPods);
                var onNodes = nodes.Count == 1 ? $"node {nodes[0]}" : $"nodes {string.Join(", ", nodes)}";
                var subject = wlPods.Count == 1 ? $"Pod {wlPods[0]}" : $"Pods {string.Join(", ", wlPods)}";
                b.Reason = $"{subject} of {(workload is null ? "no deployment" : $"deployment {workload}")} on {onNodes} {(wlPods.Count == 1 ? "is" : "are")} anomalous ({Metrics(byWorkload)}) "
                    + $"while {total - pods.Count} of the {total} pods of {key} are not: {pods.Count} anomalous is below the service-wide share of {Percent(options.ServiceWideShare)}.";
                _builders.Add(b);
            }

            return;
        }

        var fault = new FindingBuilder(FindingKind.ServiceFault, key.Namespace) { Service = key.Name, Workload = PrimaryWorkload(key, evidence) }.Add(evidence);
        fault.Pods.UnionWith(pods);
        fault.Reason = $"{pods.Count} of {total} pods of {key} are anomalous ({Metrics(evidence)}), at least the service-wide share of {Percent(options.ServiceWideShare)}, "
            + "and neither a node nor a canary version accounts for them.";
        _builders.Add(fault);
    }

    private sealed record CanaryMatch(VirtualServiceInfo VirtualService, SubsetRoute Canary, SubsetRoute Stable, int AnomalousPods, int CanaryPods);

    /// <summary>
    /// The canary split that explains all of a service's evidence: every versioned anomaly carries the version of
    /// a subset that is not the stable one, none carries another version, and enough of the canary's pods are anomalous.
    /// </summary>
    private CanaryMatch? FindCanary(ServiceKey key, List<Evidence> evidence)
    {
        var vs = cluster.VirtualServices
            .Where(v => string.Equals(v.Namespace, key.Namespace, StringComparison.Ordinal) && string.Equals(v.Service, key.Name, StringComparison.Ordinal))
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .FirstOrDefault(v => v.Routes.Count(r => r.Weight > 0) >= 2);
        if (vs is null)
            return null;
        if (evidence.Any(e => e.Pod is not null && e.Version is null))
            return null;
        var versions = evidence.Where(e => e.Version is not null).Select(e => e.Version!).Distinct(StringComparer.Ordinal).ToList();
        if (versions.Count != 1)
            return null; // no version to go by, or more than one version (stable too) misbehaves

        var routes = vs.Routes.Where(r => r.Weight > 0).ToList();
        var stable = routes.OrderByDescending(r => r.Weight).ThenBy(r => r.Subset, StringComparer.Ordinal).First();
        var version = versions[0];
        if (string.Equals(stable.Version, version, StringComparison.Ordinal))
            return null;
        var canary = routes
            .Where(r => r != stable && string.Equals(r.Version, version, StringComparison.Ordinal))
            .OrderBy(r => r.Subset, StringComparer.Ordinal)
            .FirstOrDefault();
        if (canary is null)
            return null;

        var anomalousPods = evidence.Where(e => e.Pod is not null).Select(e => e.Pod!).Distinct(StringComparer.Ordinal).Count();
        var canaryPods = Math.Max(PodsOf(key).Count(p => string.Equals(p.Version, version, StringComparison.Ordinal)), anomalousPods);
        if (anomalousPods > 0 && anomalousPods < options.ServiceWideShare * canaryPods)
            return null; // a few bad pods among many canary pods: pod faults
        return new CanaryMatch(vs, canary, stable, anomalousPods, canaryPods);
    }

    private void AddCanary(ServiceKey key, List<Evidence> evidence, CanaryMatch m)
    {
        var pods = evidence.Where(e => e.Pod is not null).Select(e => e.Pod!).Distinct(StringComparer.Ordinal).ToList();
        var workloads = evidence.Where(e => e.Pod is not null && e.Workload is not null).Select(e => e.Workload!).Distinct(StringComparer.Ordinal).ToList();
        var route = new CanaryRoute(m.VirtualService.Name, m.Canary.Subset, m.Stable.Subset, m.Canary.Version);
        var b = new FindingBuilder(FindingKind.CanaryRegression, key.Namespace)
        {
            Service = key.Name,
            Workload = workloads.Count == 1 ? workloads[0] : null,
            Canary = route,
        }.Add(evidence);
        b.Pods.UnionWith(pods);
        var stablePods = PodsOf(key).Count(p => string.Equals(p.Version, m.Stable.Version, StringComparison.Ordinal));
        var podsText = m.AnomalousPods > 0 ? $"{m.AnomalousPods} of {m.CanaryPods} canary pods" : "its service-level series";
        b.Reason = $"Only version {m.Canary.Version} of {key} is anomalous ({podsText}; {Metrics(evidence)}): "
            + $"subset {m.Canary.Subset} (weight {m.Canary.Weight}) of VirtualService {m.VirtualService.Name}, "
            + $"while none of the {Plural(stablePods, "pod", "pods")} of stable subset {m.Stable.Subset} (version {m.Stable.Version ?? "unknown"}, weight {m.Stable.Weight}) is.";
        var nodes = evidence.Where(e => e.Pod is not null).Select(e => e.Node).Distinct(StringComparer.Ordinal).ToList();
        if (pods.Count >= options.MinPodsForNodeFault && nodes is [{ } node]
            && !_evidence.Any(e => e.Pod is not null && e.Service != key && string.Equals(e.Node, node, StringComparison.Ordinal)))
            b.Notes.Add($"Its anomalous pods all run on node {node}, but nothing else there is anomalous, so the release rather than the node is taken as the cause.");
        _builders.Add(b);
    }

    // ---------------------------------------------------------------- helpers

    private bool IsServiceWide(int anomalous, int total)
    {
        total = Math.Max(total, anomalous);
        return anomalous == total
            || (anomalous >= options.MinPodsForServiceWide && anomalous >= options.ServiceWideShare * total);
    }

    /// <summary>
    /// The pods of a service, in the view's order. Grouped once per run: a storm localises every service of the cluster,
    /// and a pass over every pod per service made diagnosing a million-series storm quadratic (65 ms at 9,260 pods).
    /// </summary>
    private List<PodInfo> PodsOf(ServiceKey key)
    {
        _podsOf ??= cluster.Pods
            .GroupBy(p => new ServiceKey(p.Namespace, ServiceOf(p)))
            .ToDictionary(g => g.Key, g => g.ToList());
        return _podsOf.TryGetValue(key, out var pods) ? pods : [];
    }

    private string ServiceOf(PodInfo p) =>
        p.Service ?? (p.Workload is { } w ? cluster.Workload(p.Namespace, w)?.Service ?? w : p.Name);

    /// <summary>The deployment with most pods of the service (ties by name), else the one the evidence names.</summary>
    private string? PrimaryWorkload(ServiceKey key, List<Evidence> evidence) =>
        PodsOf(key).Where(p => p.Workload is not null)
            .GroupBy(p => p.Workload!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .FirstOrDefault()
        ?? cluster.Workloads
            .Where(w => string.Equals(w.Namespace, key.Namespace, StringComparison.Ordinal) && string.Equals(w.Service ?? w.Name, key.Name, StringComparison.Ordinal))
            .Select(w => w.Name)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault()
        ?? evidence.Select(e => e.Workload).FirstOrDefault(w => w is not null);

    private void Orphan(Anomaly a, string reason) => _orphans.Add((a, reason));

    /// <summary>
    /// <see cref="DiagnosisOptions.RoleOf"/>, with the globs matched once per metric name in a run (a storm repeats a few
    /// names thousands of times); only a throughput series' status attribute is read per anomaly.
    /// </summary>
    private MetricRole RoleOf(Anomaly a)
    {
        var metric = a.Metric ?? "";
        if (!_roleOfName.TryGetValue(metric, out var role))
            _roleOfName[metric] = role = options.RoleOf(metric);
        return role == MetricRole.Throughput ? options.ThroughputOrErrors(a.Attributes) : role;
    }

    private static string? Attr(Anomaly a, string key) =>
        a.Attributes is { } attrs && attrs.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static string PodRef(Evidence e) => $"{e.Service.Namespace}/{e.Pod}";

    private static string GroupOf(Evidence e) => $"{e.Service.Namespace}/{e.Workload ?? e.Service.Name}";

    private static string Metrics(IEnumerable<Evidence> evidence) =>
        string.Join(", ", evidence.Select(e => e.Anomaly.Metric).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private static string OtherPods(int healthy) => healthy switch
    {
        0 => "the node runs no other pod",
        1 => "the 1 other pod on the node is not anomalous",
        _ => string.Create(CultureInfo.InvariantCulture, $"the {healthy} other pods on the node are not anomalous"),
    };

    private static string Plural(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";

    private static string Z(double z) => z.ToString("+0.0;-0.0;0", CultureInfo.InvariantCulture);

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Duration(TimeSpan d) =>
        d.TotalHours >= 1 && d.Minutes == 0 && d.Seconds == 0 ? string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalHours} h")
        : d.TotalMinutes >= 1 && d.Seconds == 0 ? string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalMinutes} min")
        : string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalSeconds} s");

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
