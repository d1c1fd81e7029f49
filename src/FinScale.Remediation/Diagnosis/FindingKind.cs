namespace FinScale.Remediation.Diagnosis;

/// <summary>What diagnosis concluded is wrong. Policy rules match on it (<c>pod_fault</c>, ...).</summary>
public enum FindingKind
{
    /// <summary>One pod (or a few, below the node/service rules) misbehaves and its peers do not: restart it.</summary>
    PodFault,

    /// <summary>Several pods on one node misbehave and nothing elsewhere does: cordon the node.</summary>
    NodeFault,

    /// <summary>Only the canary version misbehaves: shift its traffic back to stable.</summary>
    CanaryRegression,

    /// <summary>Load rose across all pods of a service: scale out, do not restart.</summary>
    TrafficSurge,

    /// <summary>The service misbehaves as a whole (or because a service it calls does) with no narrower cause found.</summary>
    ServiceFault,

    /// <summary>
    /// Not diagnosed from anomalies: the load forecast says a deployment needs a different replica count over the next
    /// lead time (pre-scaling). The finding carries the replica count (<see cref="Finding.DesiredReplicas"/>).
    /// </summary>
    ForecastLoad,

    /// <summary>Anomalies that name no target the cluster knows (a pod gone, an unknown node, no workload): audited, not acted on.</summary>
    Unattributed,
}
