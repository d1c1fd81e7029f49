using FinScale.Contracts;

namespace FinScale.Remediation;

/// <summary>
/// What has been decided per target, in event time: the memory the guards read. The decision stage
/// records each decision after it is made; <see cref="RemediationPolicy.Decide"/> only reads it.
/// </summary>
public sealed class ActionHistory
{
    private readonly Dictionary<string, DateTimeOffset> _lastActed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _idempotencyKeys = new(StringComparer.Ordinal);

    /// <summary>Event time of the last action taken or recommended on <paramref name="target"/>, if any.</summary>
    public DateTimeOffset? LastActedOn(ActionTarget target) =>
        _lastActed.TryGetValue(target.ToString(), out var t) ? t : null;

    /// <summary>True when a decision with this idempotency key was already made.</summary>
    public bool Contains(string idempotencyKey) => _idempotencyKeys.Contains(idempotencyKey);

    /// <summary>Remembers a decision; only actions (recommended or executed) start a target's cooldown.</summary>
    public void Record(RemediationDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _idempotencyKeys.Add(decision.IdempotencyKey);
        if (decision.Target is { } target && decision.Outcome is DecisionOutcome.Recommended or DecisionOutcome.Executed)
            _lastActed[target.ToString()] = decision.EventTime;
    }
}
