using FinScale.Contracts;

namespace FinScale.Remediation.Policy;

/// <summary>
/// The remediation policy as code (a YAML file, <c>finscale policy validate</c>): which findings lead to which
/// actions, the mode each action kind runs in, and the limits the guards enforce.
/// </summary>
/// <param name="Rules">Rules in file order; the first that matches a finding decides it.</param>
/// <param name="Modes">The mode per action kind.</param>
/// <param name="Guards">The guards' limits.</param>
public sealed record RemediationPolicyDocument(
    IReadOnlyList<PolicyRule> Rules,
    ModeSettings Modes,
    GuardSettings Guards);

/// <summary>One rule: a finding kind (and optional conditions) leads to an action.</summary>
/// <param name="Name">Rule name, unique in the file; appears in the audit.</param>
/// <param name="Finding">The finding kind it matches.</param>
/// <param name="Action">The action it chooses; <see cref="ActionKind.None"/> records the finding without acting.</param>
/// <param name="MinScore">Least anomaly score (the finding's highest) for the rule to match.</param>
/// <param name="MinAnomalies">Least number of anomalies behind the finding.</param>
/// <param name="Metrics">Globs (<c>*</c>, <c>?</c>) of metric names; the rule matches when any anomaly's metric matches one. Empty: any metric.</param>
/// <param name="Namespaces">Namespaces the rule applies to. Empty: any (the namespace allow-list guard still applies).</param>
/// <param name="Parameters">Parameters of the action.</param>
public sealed record PolicyRule(
    string Name,
    Diagnosis.FindingKind Finding,
    ActionKind Action,
    double MinScore,
    int MinAnomalies,
    IReadOnlyList<string> Metrics,
    IReadOnlyList<string> Namespaces,
    ActionParameters Parameters);

/// <summary>Parameters of an action; each kind reads its own.</summary>
/// <param name="CanaryWeight">shift_traffic: the weight left on the canary subset (0 sends everything to stable).</param>
/// <param name="ScaleFactor">scale: desired replicas = ceil(current × factor).</param>
/// <param name="MinAdded">scale: at least this many replicas added.</param>
/// <param name="MaxReplicas">scale: never more replicas than this.</param>
/// <param name="RestoreOnRecovery">shift_traffic: put the weights back as they were once every anomaly behind the shift has
/// ended (the canary recovered) and <paramref name="RestoreAfter"/> has passed, unless someone changed them since.</param>
/// <param name="RestoreAfter">shift_traffic: least event time between the shift and its restore.</param>
public sealed record ActionParameters(
    int CanaryWeight = 0,
    double ScaleFactor = 1.5,
    int MinAdded = 1,
    int MaxReplicas = 50,
    bool RestoreOnRecovery = false,
    TimeSpan RestoreAfter = default)
{
    /// <summary><see cref="RestoreAfter"/>, or 15 minutes when not set.</summary>
    public TimeSpan EffectiveRestoreAfter => RestoreAfter > TimeSpan.Zero ? RestoreAfter : TimeSpan.FromMinutes(15);
}

/// <summary>The mode each action kind runs in. Shadow unless the policy says otherwise.</summary>
/// <param name="Default">Mode of every kind not listed.</param>
/// <param name="PerAction">Per-kind overrides.</param>
public sealed record ModeSettings(ExecutionMode Default, IReadOnlyDictionary<ActionKind, ExecutionMode> PerAction)
{
    /// <summary>Everything in shadow.</summary>
    public static ModeSettings Shadow { get; } = new(ExecutionMode.Shadow, new Dictionary<ActionKind, ExecutionMode>());

    /// <summary>The mode <paramref name="kind"/> runs in.</summary>
    public ExecutionMode Of(ActionKind kind) => PerAction.TryGetValue(kind, out var m) ? m : Default;
}

/// <summary>The limits the guards enforce; each guard's name appears in the audit when it holds an action back.</summary>
/// <param name="Cooldown">Least event time between two actions on the same target.</param>
/// <param name="RateLimit">Most actions in any sliding window of event time, across all targets.</param>
/// <param name="MaxWorkloadShare">Most share (0–1] of a workload's pods acted on (restarted) within <see cref="Cooldown"/>; at least one pod is always allowed.</param>
/// <param name="MaxCordonedNodes">Most nodes cordoned (by anyone) at once.</param>
/// <param name="MaxCordonedShare">Most share (0–1] of the cluster's nodes cordoned at once.</param>
/// <param name="StaleAfter">A series with no point for longer than this is "no data": never a reason to act.</param>
/// <param name="AllowedNamespaces">Namespaces actions may touch; a namespace outside it is never touched. Nodes are cluster-scoped and not subject to it.</param>
/// <param name="FreezeWindows">Change-freeze windows: no action while one is open.</param>
public sealed record GuardSettings(
    TimeSpan Cooldown,
    RateLimit RateLimit,
    double MaxWorkloadShare,
    int MaxCordonedNodes,
    double MaxCordonedShare,
    TimeSpan StaleAfter,
    IReadOnlyList<string> AllowedNamespaces,
    IReadOnlyList<FreezeWindow> FreezeWindows);

/// <summary>At most <paramref name="Actions"/> actions in any window of <paramref name="Per"/>.</summary>
/// <param name="Actions">Most actions in the window.</param>
/// <param name="Per">Window length, in event time.</param>
public sealed record RateLimit(int Actions, TimeSpan Per);

/// <summary>
/// A change-freeze window. Either one-off (<paramref name="Start"/>..<paramref name="End"/>) or recurring: on the
/// given weekdays and/or days of month (0 or negative counts from the month's end: 0 = last day, -1 = the day
/// before), between <paramref name="From"/> and <paramref name="To"/> local time in <paramref name="TimeZone"/>
/// (To before From spans midnight).
/// </summary>
/// <param name="Name">Name of the window; appears in the audit.</param>
/// <param name="Start">One-off: start (inclusive).</param>
/// <param name="End">One-off: end (exclusive).</param>
/// <param name="Days">Recurring: weekdays; empty with empty <paramref name="DaysOfMonth"/> means every day.</param>
/// <param name="DaysOfMonth">Recurring: days of month, 1..31, or 0/-n from the end.</param>
/// <param name="From">Recurring: local start time of day.</param>
/// <param name="To">Recurring: local end time of day (exclusive).</param>
/// <param name="TimeZone">IANA time zone id of <paramref name="From"/>/<paramref name="To"/>; UTC when omitted.</param>
public sealed record FreezeWindow(
    string Name,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    IReadOnlyList<DayOfWeek> Days,
    IReadOnlyList<int> DaysOfMonth,
    TimeOnly? From,
    TimeOnly? To,
    string TimeZone)
{
    /// <summary>
    /// Action kinds the window does not freeze (<c>allow_actions</c>), e.g. <c>scale</c> so capacity can still be
    /// pre-scaled for the month-end load the freeze protects. Empty: every action is frozen.
    /// </summary>
    public IReadOnlyList<Contracts.ActionKind> AllowedActions { get; init; } = [];
}
