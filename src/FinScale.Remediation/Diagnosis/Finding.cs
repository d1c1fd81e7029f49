using FinScale.Contracts;

namespace FinScale.Remediation.Diagnosis;

/// <summary>
/// One conclusion of diagnosis: what is wrong, where, and the anomalies it rests on. Diagnosis names the
/// subject (pods, node, workload, VirtualService); the policy picks the action and the guards decide
/// whether it may run.
/// </summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Namespace">Namespace of the subject; empty for a node.</param>
/// <param name="Service">The service at fault (for a dependency: the callee), when known.</param>
/// <param name="Workload">The deployment at fault, when known.</param>
/// <param name="Pods">
/// Pod names, sorted: the pods at fault (pod fault, canary), the anomalous pods (service fault), every pod of the service
/// (surge); for a node fault <c>namespace/name</c>, because the pods on a node may span namespaces.
/// </param>
/// <param name="Node">The node at fault (node fault).</param>
/// <param name="Canary">The VirtualService and subsets of a canary regression.</param>
/// <param name="AffectedCallers">
/// Services whose anomalies were explained by this one (the caller is slow because this callee is), and the clients of
/// service-graph edge anomalies it holds; sorted. None of them gets a finding of its own for those anomalies.
/// </param>
/// <param name="Anomalies">The anomalies it rests on, earliest first.</param>
/// <param name="Reason">Why, in words an on-call engineer reads.</param>
public sealed record Finding(
    FindingKind Kind,
    string Namespace,
    string? Service,
    string? Workload,
    IReadOnlyList<string> Pods,
    string? Node,
    CanaryRoute? Canary,
    IReadOnlyList<string> AffectedCallers,
    IReadOnlyList<Anomaly> Anomalies,
    string Reason)
{
    /// <summary>Deterministic id: the same anomalies and conclusion give the same id.</summary>
    public string FindingId => StableIds.Of([Kind.ToString(), Namespace, Node ?? "-", Workload ?? "-", .. Anomalies.Select(a => a.AnomalyId)]);

    /// <summary>
    /// The replica count a <see cref="FindingKind.ForecastLoad"/> finding asks for (already stabilised and within the
    /// forecast target's bounds); null for diagnosed findings, whose scale steps follow the rule's scale_factor.
    /// </summary>
    public int? DesiredReplicas { get; init; }

    /// <summary>Highest anomaly score among <see cref="Anomalies"/>.</summary>
    public double MaxScore => Anomalies.Count == 0 ? 0 : Anomalies.Max(a => a.Score);
}

/// <summary>The canary split of a regression: which VirtualService, which subset is the canary and which is stable.</summary>
/// <param name="VirtualService">Name of the VirtualService (in the finding's namespace).</param>
/// <param name="CanarySubset">The regressing subset.</param>
/// <param name="StableSubset">The subset traffic goes back to.</param>
/// <param name="CanaryVersion">The version the canary pods carry.</param>
public sealed record CanaryRoute(string VirtualService, string CanarySubset, string StableSubset, string? CanaryVersion);
