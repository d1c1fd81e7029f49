namespace FinScale.Host.Chaos;

/// <summary>The policy the children run with: everything enforced in the chaos namespace, a slow pod answered with a
/// rollout restart of its deployment (a patch that carries the idempotency key), guards loose enough that every
/// injected incident is acted on.</summary>
internal static class ChaosPolicy
{
    /// <summary>Writes the policy into <paramref name="directory"/> and returns its path.</summary>
    public static string Write(string directory)
    {
        var path = Path.Combine(directory, "chaos-policy.yaml");
        File.WriteAllText(path, $"""
            apiVersion: finscale.io/v1
            kind: RemediationPolicy
            modes:
              default: enforce
              actions: {"{}"}
            rules:
              - name: restart-slow-pods-deployment
                when: {"{ finding: pod_fault }"}
                action: restart_deployment
              - name: record-everything-else
                when: {"{ finding: unattributed }"}
                action: none
            guards:
              cooldown: 1m
              rate_limit: {"{ actions: 1000, per: 1m }"}
              max_workload_share: 1.0
              max_cordoned_nodes: 1
              max_cordoned_share: 0.1
              stale_after: 5m
              allowed_namespaces: [{ChaosCluster.Namespace}]

            """);
        return path;
    }
}
