using System.Collections.Frozen;
using FinScale.Kubernetes.Istio;
using FinScale.Remediation.Cluster;
using k8s.Models;

namespace FinScale.Kubernetes.Cluster;

/// <summary>Turns listed API objects into a <see cref="ClusterView"/>. Pure: no I/O, no clock.</summary>
internal static class ClusterViewBuilder
{
    private static readonly IReadOnlyDictionary<string, string> NoAnnotations = FrozenDictionary<string, string>.Empty;

    /// <summary>Builds the snapshot. A pod's workload is the Deployment that owns its ReplicaSet (null for a bare pod,
    /// or when the ReplicaSet was not listed); a VirtualService subset's version is the <c>version</c> label its
    /// DestinationRule subset selects.</summary>
    public static ClusterView Build(
        IEnumerable<V1Pod> pods,
        IEnumerable<V1Node> nodes,
        IEnumerable<V1Deployment> deployments,
        IEnumerable<V1ReplicaSet> replicaSets,
        IEnumerable<VirtualService> virtualServices,
        IEnumerable<DestinationRule> destinationRules,
        DateTimeOffset asOf)
    {
        // ReplicaSet (namespace, name) -> owning Deployment name.
        var rsOwner = new Dictionary<(string, string), string?>();
        foreach (var rs in replicaSets)
        {
            if (rs.Metadata?.Name is { } name)
            {
                rsOwner[(rs.Metadata.NamespaceProperty ?? string.Empty, name)] = ControllerOf(rs.Metadata, "Deployment");
            }
        }

        var podInfos = pods
            .Where(p => p.Metadata?.Name is not null)
            .Select(p =>
            {
                var ns = p.Metadata.NamespaceProperty ?? string.Empty;
                var rs = ControllerOf(p.Metadata, "ReplicaSet");
                var workload = rs is not null && rsOwner.TryGetValue((ns, rs), out var d) ? d : null;
                var labels = p.Metadata.Labels;
                return new PodInfo(
                    ns,
                    p.Metadata.Name,
                    string.IsNullOrEmpty(p.Spec?.NodeName) ? null : p.Spec.NodeName,
                    workload,
                    ServiceOf(labels),
                    VersionOf(labels),
                    p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                    Freeze(p.Metadata.Annotations));
            })
            .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal);

        var nodeInfos = nodes
            .Where(n => n.Metadata?.Name is not null)
            .Select(n => new NodeInfo(n.Metadata.Name, n.Spec?.Unschedulable == true, Freeze(n.Metadata.Annotations)))
            .OrderBy(n => n.Name, StringComparer.Ordinal);

        var workloads = deployments
            .Where(d => d.Metadata?.Name is not null)
            .Select(d => new WorkloadInfo(
                d.Metadata.NamespaceProperty ?? string.Empty,
                d.Metadata.Name,
                ServiceOf(d.Spec?.Template?.Metadata?.Labels) ?? ServiceOf(d.Metadata.Labels),
                d.Spec?.Replicas ?? 1,
                Freeze(d.Metadata.Annotations)))
            .OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal);

        // (service, namespace, subset) -> version, from every DestinationRule.
        var subsetVersions = new Dictionary<(string, string, string), string?>();
        foreach (var dr in destinationRules)
        {
            if (dr.Spec?.Host is not { } host)
            {
                continue;
            }

            var (service, ns) = ResolveHost(host, dr.Metadata?.NamespaceProperty ?? string.Empty);
            foreach (var subset in dr.Spec.Subsets ?? [])
            {
                if (subset.Name is not null)
                {
                    subsetVersions.TryAdd((service, ns, subset.Name), VersionOf(subset.Labels));
                }
            }
        }

        var vsInfos = virtualServices
            .Select(vs => VirtualServiceInfoOf(vs, subsetVersions))
            .OfType<VirtualServiceInfo>()
            .OrderBy(v => v.Namespace, StringComparer.Ordinal).ThenBy(v => v.Name, StringComparer.Ordinal);

        return new ClusterView(podInfos, nodeInfos, workloads, vsInfos, edges: null, asOf);
    }

    /// <summary>The logical service a set of labels names: <c>app.kubernetes.io/name</c>, else <c>app</c>.</summary>
    internal static string? ServiceOf(IDictionary<string, string>? labels) =>
        Label(labels, "app.kubernetes.io/name") ?? Label(labels, "app");

    /// <summary>The release a set of labels names: <c>version</c>, else <c>app.kubernetes.io/version</c>.</summary>
    internal static string? VersionOf(IDictionary<string, string>? labels) =>
        Label(labels, "version") ?? Label(labels, "app.kubernetes.io/version");

    /// <summary>A service host's short name and namespace: <c>checkout</c> is in <paramref name="defaultNamespace"/>,
    /// <c>checkout.payments</c> and <c>checkout.payments.svc.cluster.local</c> are in <c>payments</c>.</summary>
    internal static (string Service, string Namespace) ResolveHost(string host, string defaultNamespace)
    {
        var parts = host.Split('.');
        return (parts[0], parts.Length >= 2 ? parts[1] : defaultNamespace);
    }

    /// <summary>A VirtualService's weighted subsets, each subset once (its first route decides its weight, as the
    /// traffic shift sets the same weight on every route that names it); null when it routes to no subset.</summary>
    private static VirtualServiceInfo? VirtualServiceInfoOf(VirtualService vs, Dictionary<(string, string, string), string?> subsetVersions)
    {
        if (vs.Metadata?.Name is not { } name)
        {
            return null;
        }

        var ns = vs.Metadata.NamespaceProperty ?? string.Empty;
        var routes = new List<SubsetRoute>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? firstHost = null;
        foreach (var http in vs.Spec?.Http ?? [])
        {
            var destinations = http.Route ?? [];
            foreach (var d in destinations)
            {
                firstHost ??= d.Destination?.Host;
                if (d.Destination?.Subset is not { } subset || !seen.Add(subset))
                {
                    continue;
                }

                var (service, hostNs) = ResolveHost(d.Destination.Host ?? string.Empty, ns);
                var weight = d.Weight ?? (destinations.Count == 1 ? 100 : 0);
                routes.Add(new SubsetRoute(subset, subsetVersions.GetValueOrDefault((service, hostNs, subset)), weight));
            }
        }

        if (routes.Count == 0)
        {
            return null;
        }

        var serviceHost = vs.Spec?.Hosts?.FirstOrDefault() ?? firstHost ?? name;
        return new VirtualServiceInfo(ns, name, ResolveHost(serviceHost, ns).Service, routes, Freeze(vs.Metadata.Annotations));
    }

    /// <summary>The name of the controlling owner of <paramref name="kind"/> (the first such owner when none is marked controller).</summary>
    private static string? ControllerOf(V1ObjectMeta meta, string kind)
    {
        var owners = meta.OwnerReferences?.Where(o => o.Kind == kind).ToList();
        if (owners is null || owners.Count == 0)
        {
            return null;
        }

        return (owners.FirstOrDefault(o => o.Controller == true) ?? owners[0]).Name;
    }

    private static string? Label(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static IReadOnlyDictionary<string, string> Freeze(IDictionary<string, string>? values) =>
        values is null || values.Count == 0 ? NoAnnotations : values.ToFrozenDictionary(StringComparer.Ordinal);
}
