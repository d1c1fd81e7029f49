using System.Globalization;
using FinScale.Contracts;

namespace FinScale.Remediation;

/// <summary>
/// Turns an anomaly into a decision. Pure: it reads the anomaly, the history and the options, and
/// returns a value; it does no I/O and reads no clock (event time comes in as <c>now</c>).
/// </summary>
public static class RemediationPolicy
{
    /// <summary>Decides what to do about <paramref name="anomaly"/> at event time <paramref name="now"/>.</summary>
    public static RemediationDecision Decide(Anomaly anomaly, ActionHistory history, PolicyOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(options);

        var pod = anomaly.Attribute(WellKnownAttributes.PodName);
        if (string.IsNullOrEmpty(pod))
        {
            return Make(anomaly, options, now, ActionKind.None, target: null, DecisionOutcome.NoAction, guard: null,
                $"no rule acts on '{anomaly.Metric}': the series names no pod ({WellKnownAttributes.PodName}), so there is nothing to restart");
        }

        var ns = anomaly.Attribute(WellKnownAttributes.Namespace);
        var target = new ActionTarget(string.IsNullOrEmpty(ns) ? options.DefaultNamespace : ns, "Pod", pod);
        var why = string.Format(
            CultureInfo.InvariantCulture,
            "{0} on pod {1} is {2:G6} against an expected {3:G6} (robust z {4:F1}, score {5:F3}): restart the pod",
            anomaly.Metric,
            target,
            anomaly.Observed,
            anomaly.Expected,
            anomaly.ZScore,
            anomaly.Score);

        var key = IdempotencyKey(anomaly, ActionKind.RestartPod, target);
        if (history.Contains(key))
            return Make(anomaly, options, now, ActionKind.RestartPod, target, DecisionOutcome.HeldBack, Guards.Duplicate, why + "; held back: this decision was already made");

        if (history.LastActedOn(target) is { } last && now - last < options.Cooldown)
        {
            return Make(anomaly, options, now, ActionKind.RestartPod, target, DecisionOutcome.HeldBack, Guards.Cooldown,
                string.Format(CultureInfo.InvariantCulture, "{0}; held back: {1} was acted on {2:g} ago, cooldown is {3:g}", why, target, now - last, options.Cooldown));
        }

        // The policy only recommends; what became of it (executed, failed) is the executor's to say.
        return Make(anomaly, options, now, ActionKind.RestartPod, target, DecisionOutcome.Recommended, guard: null, why);
    }

    /// <summary>The key that makes an action happen at most once per anomaly episode and target.</summary>
    public static string IdempotencyKey(Anomaly anomaly, ActionKind action, ActionTarget? target) =>
        StableIds.Of(anomaly.AnomalyId, action.ToString(), target?.ToString() ?? "-");

    private static RemediationDecision Make(
        Anomaly anomaly, PolicyOptions options, DateTimeOffset now, ActionKind action, ActionTarget? target,
        DecisionOutcome outcome, string? guard, string reason)
    {
        var key = IdempotencyKey(anomaly, action, target);
        return new RemediationDecision(
            DecisionId: StableIds.Of(key, outcome.ToString(), guard ?? "-"),
            IdempotencyKey: key,
            EventTime: now,
            Mode: options.ModeOf(action),
            Action: action,
            Target: target,
            Outcome: outcome,
            Reason: reason,
            Guard: guard,
            Anomaly: anomaly);
    }
}
