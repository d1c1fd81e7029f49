using FinScale.Contracts;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Policy;

/// <summary>
/// Which actions a finding may lead to. Only clearly wrong pairs are rejected; the rule is that an action must
/// act on what the finding names:
/// <list type="table">
/// <listheader><term>finding</term><description>allowed actions (<c>none</c> is always allowed)</description></listheader>
/// <item><term>pod_fault</term><description>restart_pod, restart_deployment</description></item>
/// <item><term>node_fault</term><description>cordon_node, restart_pod (move the pods off the node)</description></item>
/// <item><term>canary_regression</term><description>shift_traffic (a restart brings the same bad version back; scaling grows it)</description></item>
/// <item><term>traffic_surge</term><description>scale (restarting pods under load makes it worse)</description></item>
/// <item><term>service_fault</term><description>restart_deployment, scale</description></item>
/// <item><term>forecast_load</term><description>scale (to the forecast's replica count, up or down)</description></item>
/// <item><term>unattributed</term><description>none only: there is no target to act on</description></item>
/// </list>
/// cordon_node needs a node and shift_traffic needs a canary, so each belongs to one finding only.
/// </summary>
public static class PolicyCompatibility
{
    private static readonly Dictionary<FindingKind, ActionKind[]> Allowed = new()
    {
        [FindingKind.PodFault] = [ActionKind.None, ActionKind.RestartPod, ActionKind.RestartDeployment],
        [FindingKind.NodeFault] = [ActionKind.None, ActionKind.CordonNode, ActionKind.RestartPod],
        [FindingKind.CanaryRegression] = [ActionKind.None, ActionKind.ShiftTraffic],
        [FindingKind.TrafficSurge] = [ActionKind.None, ActionKind.Scale],
        [FindingKind.ServiceFault] = [ActionKind.None, ActionKind.RestartDeployment, ActionKind.Scale],
        [FindingKind.ForecastLoad] = [ActionKind.None, ActionKind.Scale],
        [FindingKind.Unattributed] = [ActionKind.None],
    };

    /// <summary>The actions <paramref name="finding"/> may lead to, <see cref="ActionKind.None"/> first.</summary>
    public static IReadOnlyList<ActionKind> AllowedActions(FindingKind finding) =>
        Allowed.TryGetValue(finding, out var actions) ? actions : [ActionKind.None];

    /// <summary>True when a rule may map <paramref name="finding"/> to <paramref name="action"/>.</summary>
    public static bool IsAllowed(FindingKind finding, ActionKind action) => AllowedActions(finding).Contains(action);
}
