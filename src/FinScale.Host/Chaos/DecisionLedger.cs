using FinScale.Contracts;
using FinScale.Testing.Kubernetes;

namespace FinScale.Host.Chaos;

/// <summary>
/// Compares what the simulated cluster applied with what the audit topic says: a remediation written to the cluster
/// whose idempotency key no executed decision on the audit topic carries is lost (done, but not audited); every write
/// beyond the first with the same key is doubled (done twice). An intent left open on the intents topic (no run audited
/// its outcome) is lost too: an action whose fate the audit does not say.
/// </summary>
internal static class DecisionLedger
{
    /// <summary>The check; <paramref name="writes"/> are the phase's workload writes, <paramref name="decisions"/> its audit topic.</summary>
    public static (long Lost, long Doubled, string Summary) Check(IReadOnlyList<ApiWrite> writes, IReadOnlyList<RemediationDecision> decisions, IReadOnlyList<RemediationDecision> openIntents)
    {
        var byKey = writes.GroupBy(ChaosCluster.KeyOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        // An eviction carries no key: an executed restart_pod decision accounts for the eviction of its pod.
        var audited = decisions.Where(d => d.Outcome == DecisionOutcome.Executed)
            .Select(d => d is { Action: ActionKind.RestartPod, Target: { } t } ? ChaosCluster.EvictionKey(t.Namespace, t.Name) : d.IdempotencyKey)
            .ToHashSet(StringComparer.Ordinal);
        var notRepeated = decisions.Count(d => d.Outcome == DecisionOutcome.Executed && d.Response?.Contains("not repeated", StringComparison.Ordinal) == true);
        long doubled = byKey.Values.Sum(n => (long)n - 1);
        var unsettled = openIntents.Count;
        var reconciled = decisions.Count(d => d.Response?.StartsWith("reconciled after a restart", StringComparison.Ordinal) == true);
        long lost = byKey.Keys.Count(k => !audited.Contains(k)) + unsettled;
        var summary = $"writes={writes.Count} keys={byKey.Count} decisions={decisions.Count} executed={decisions.Count(d => d.Outcome == DecisionOutcome.Executed)} not_repeated={notRepeated} reconciled={reconciled} unsettled={unsettled}";
        foreach (var key in byKey.Keys.Where(k => !audited.Contains(k)).Take(5))
        {
            var target = writes.First(w => ChaosCluster.KeyOf(w) == key).Request;
            summary += $" unaudited=[{key} on {target.Resource}/{target.Namespace}/{target.Name}]";
        }
        return (lost, doubled, summary);
    }
}
