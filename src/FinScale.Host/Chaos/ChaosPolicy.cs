using System.Globalization;

namespace FinScale.Host.Chaos;

/// <summary>The policies the children run with: everything enforced in the chaos namespaces, guards loose enough that
/// every injected incident is acted on (<see cref="Write"/>), or tight enough that a storm meets them
/// (<see cref="WriteStorm"/>).</summary>
internal static class ChaosPolicy
{
    /// <summary>Namespace whose slow pods are evicted rather than restarted with their deployment: the Kubernetes-faults
    /// phase's PodDisruptionBudget refusals need an eviction.</summary>
    public const string EvictionNamespace = "chaos-pdb";

    /// <summary>Nodes the storm policy lets be cordoned at once (<c>max_cordoned_nodes</c>).</summary>
    public const int StormMaxCordonedNodes = 2;

    /// <summary>Share of the cluster's nodes the storm policy lets be cordoned at once (<c>max_cordoned_share</c>).</summary>
    public const double StormMaxCordonedShare = 0.1;

    /// <summary>
    /// Writes the chaos policy into <paramref name="directory"/> and returns its path: a slow pod is answered with a
    /// rollout restart of its deployment (a patch that carries the idempotency key), or in
    /// <see cref="EvictionNamespace"/> with an eviction of the pod.
    /// </summary>
    public static string Write(string directory) => WriteFile(directory, "chaos-policy.yaml", $$"""
        rules:
          - name: evict-slow-pods
            when: { finding: pod_fault, namespaces: [{{EvictionNamespace}}] }
            action: restart_pod
          - name: restart-slow-pods-deployment
            when: { finding: pod_fault }
            action: restart_deployment
          - name: record-everything-else
            when: { finding: unattributed }
            action: none
        guards:
          cooldown: 1m
          rate_limit: { actions: 1000, per: 1m }
          max_workload_share: 1.0
          max_cordoned_nodes: 1
          max_cordoned_share: 0.1
          stale_after: 5m
          allowed_namespaces: [{{ChaosCluster.Namespace}}, {{EvictionNamespace}}]
        """);

    /// <summary>
    /// Writes the storm phase's policy into <paramref name="directory"/> and returns its path: the shipped policy's
    /// answers (a slow pod evicted, a faulty node cordoned, a service-wide fault recorded for a human) under the
    /// shipped guards' shape: a quarter of a workload's pods at once, and at most
    /// <see cref="StormMaxCordonedNodes"/> nodes or <see cref="StormMaxCordonedShare"/> of the cluster cordoned.
    /// </summary>
    public static string WriteStorm(string directory) => WriteFile(directory, "chaos-storm-policy.yaml", string.Create(CultureInfo.InvariantCulture, $$"""
        rules:
          - name: restart-faulty-pod
            when: { finding: pod_fault }
            action: restart_pod
          - name: cordon-faulty-node
            when: { finding: node_fault }
            action: cordon_node
          - name: record-service-fault
            when: { finding: service_fault }
            action: none
          - name: record-unattributed
            when: { finding: unattributed }
            action: none
        guards:
          cooldown: 1m
          rate_limit: { actions: 1000, per: 1m }
          max_workload_share: 0.25
          max_cordoned_nodes: {{StormMaxCordonedNodes}}
          max_cordoned_share: {{StormMaxCordonedShare}}
          stale_after: 5m
          allowed_namespaces: [{{ChaosCluster.Namespace}}]
        """));

    private static string WriteFile(string directory, string name, string rulesAndGuards)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, $"""
            apiVersion: finscale.io/v1
            kind: RemediationPolicy
            modes:
              default: enforce
              actions: {"{}"}
            {rulesAndGuards}

            """);
        return path;
    }
}
