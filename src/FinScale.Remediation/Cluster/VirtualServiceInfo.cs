namespace FinScale.Remediation.Cluster;

/// <summary>An Istio VirtualService that splits a service's traffic between subsets.</summary>
/// <param name="Namespace">Namespace of the VirtualService.</param>
/// <param name="Name">Name of the VirtualService.</param>
/// <param name="Service">Logical service it routes (the host's short name).</param>
/// <param name="Routes">Weighted destinations: subset, the version its pods carry (from the DestinationRule), weight.</param>
/// <param name="Annotations">Annotations of the VirtualService.</param>
public sealed record VirtualServiceInfo(
    string Namespace,
    string Name,
    string Service,
    IReadOnlyList<SubsetRoute> Routes,
    IReadOnlyDictionary<string, string> Annotations);

/// <summary>One weighted destination of a VirtualService.</summary>
/// <param name="Subset">Subset name (e.g. <c>stable</c>, <c>canary</c>).</param>
/// <param name="Version">The version label the subset selects, when the DestinationRule says; null otherwise.</param>
/// <param name="Weight">Share of traffic, 0–100.</param>
public sealed record SubsetRoute(string Subset, string? Version, int Weight);
