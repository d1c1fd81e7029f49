using FinScale.Contracts;

namespace FinScale.Remediation.Planning;

/// <summary>A decision with the numbers its action needs: what the planner hands to an executor.</summary>
/// <param name="Decision">The decision as it is audited; <see cref="DecisionOutcome.Recommended"/> when nothing held it back.</param>
/// <param name="Replicas">scale: the replica count to set.</param>
/// <param name="Weights">shift_traffic: the weight per subset of the VirtualService (summing to 100).</param>
public sealed record PlannedDecision(RemediationDecision Decision, int? Replicas = null, IReadOnlyDictionary<string, int>? Weights = null)
{
    /// <summary>True when the decision asks for an action no guard held back: the executor's to carry out.</summary>
    public bool IsActionable => Decision.Action is not (ActionKind.None or ActionKind.Unknown) && Decision.Outcome == DecisionOutcome.Recommended;
}
